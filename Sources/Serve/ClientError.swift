import HTTPTypes

/// A request the server refuses: a 4xx status and a message naming what is wrong (and, for a bad
/// feature, the field), never a 5xx for anything a client sends; or a 503 when the server is too busy to
/// take it now.
public struct ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// The offending field, as a path into the request (`instances[2].length_url`).
    public var field: String?
    /// Seconds after which a refused request may be sent again (a 503's Retry-After).
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    /// A 400 Bad Request.
    public init(_ message: String, field: String? = nil) {
        self.init(.badRequest, message, field: field)
    }

    public var description: String { message }
}
