import HTTPTypes

/// A request the server refuses: a 4xx status and a message naming what is wrong (and, for a bad
/// feature, the field), never a 5xx for anything a client sends.
public struct ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// The offending field, as a path into the request (`instances[2].length_url`).
    public var field: String?

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.field = field
    }

    /// A 400 Bad Request.
    public init(_ message: String, field: String? = nil) {
        self.init(.badRequest, message, field: field)
    }

    public var description: String { message }
}
