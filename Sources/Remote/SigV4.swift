import Crypto
import Foundation

/// AWS Signature Version 4 for S3 requests (header signing): the canonical request, the string to sign and
/// the HMAC-SHA256 key chain, as AWS specifies them and botocore computes them. S3 paths are encoded once
/// (not twice as for other services); every request carries `x-amz-content-sha256` and `x-amz-date`.
public struct SigV4: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// A request to sign: its method, host (with `:port` when not the scheme's default), path as sent but
    /// not yet percent-encoded, query parameters and headers (names in any case).
    public struct Request: Sendable {
        public var method: String
        public var host: String
        public var path: String
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]

        public init(method: String, host: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = []) {
            self.method = method
            self.host = host
            self.path = path
            self.query = query
            self.headers = headers
        }
    }

    /// The SHA-256 that stands for a payload that is not hashed (a streamed upload).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// The headers that sign `request` at `date`: `x-amz-date`, `x-amz-content-sha256` (`payloadSHA256`, hex),
    /// `x-amz-security-token` with a session token, and `Authorization`. Add them to the request as they are.
    public func headers(for request: Request, payloadSHA256: String, date: Date) -> [(name: String, value: String)] {
        let stamp = SigV4.timestamp(date)
        var added: [(name: String, value: String)] = [("x-amz-content-sha256", payloadSHA256), ("x-amz-date", stamp)]
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        var signing = request
        signing.headers += added
        let (canonical, signed) = SigV4.canonicalRequest(signing, payloadSHA256: payloadSHA256)
        let day = String(stamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let toSign = "AWS4-HMAC-SHA256\n\(stamp)\n\(scope)\n\(SigV4.hex(SHA256.hash(data: Data(canonical.utf8))))"
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = SigV4.hex(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: key))
        added.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signed), Signature=\(signature)"))
        return added
    }

    /// The canonical request and its signed header names (`host;range;x-amz-date`).
    static func canonicalRequest(_ r: Request, payloadSHA256: String) -> (text: String, signedHeaders: String) {
        var headers: [String: String] = ["host": r.host]
        for (name, value) in r.headers {
            let key = name.lowercased()
            let trimmed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            headers[key] = headers[key].map { $0 + "," + trimmed } ?? trimmed
        }
        let names = headers.keys.sorted()
        let pairs: [(name: String, value: String)] = r.query.map { (encode($0.name, slash: true), encode($0.value, slash: true)) }
        let sorted = pairs.sorted { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        let query = sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
        let path = r.path.isEmpty ? "/" : encode(r.path, slash: false)
        let text = [r.method, path, query, names.map { "\($0):\(headers[$0]!)\n" }.joined(), names.joined(separator: ";"), payloadSHA256]
            .joined(separator: "\n")
        return (text, names.joined(separator: ";"))
    }

    /// Percent-encoding as SigV4 wants it: every byte but `A-Z a-z 0-9 - . _ ~` (and `/` in paths).
    public static func encode(_ text: String, slash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where !slash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `20130524T000000Z`: the date in UTC to the second.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The hex SHA-256 of `data` (a payload's `x-amz-content-sha256`).
    public static func sha256(_ data: some DataProtocol) -> String { hex(SHA256.hash(data: data)) }
}
