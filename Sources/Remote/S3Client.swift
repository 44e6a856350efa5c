import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// One S3 bucket and prefix, spoken to over HTTP (AsyncHTTPClient) with SigV4-signed requests: objects put
/// (with `x-amz-checksum-sha256`, optionally only if absent or unchanged), got (and checked against the
/// SHA-256 asked for), headed, listed and deleted. An endpoint (`http://127.0.0.1:9000`) is spoken to
/// path-style, AWS virtual-hosted; 5xx answers and throttling are tried again with growing pauses.
public struct S3Client: ObjectStore {
    public let remote: String
    public let bucket: String
    public let prefix: String
    let signer: SigV4
    let base: (scheme: String, host: String)
    let pathStyle: Bool
    let http: HTTPClient
    /// Tries per request, pauses doubling from 100 ms.
    public var attempts = 4
    /// Files larger than this go up in parts of this size (S3 allows 5 MiB to 5 GiB, and 10,000 parts: a
    /// larger file gets larger parts).
    public var partSize: Int64 = 8 << 20
    /// Parts of one file sent at once.
    public var jobs = 4
    /// Largest answer read into memory.
    public var maxBody = 1 << 30

    /// `endpoint` is an S3-compatible server's address; without one, AWS in `region`.
    /// proj's HTTP client for S3: connections that cannot be made fail after 10 s (AsyncHTTPClient tries a
    /// refused connection again until then), answers may take minutes.
    public static let sharedHTTP = HTTPClient(eventLoopGroupProvider: .singleton,
                                              configuration: .init(timeout: .init(connect: .seconds(10), read: .seconds(300))))

    public init(remote: String, bucket: String, prefix: String, credentials: AWSCredentials, region: String, endpoint: String?,
                http: HTTPClient = S3Client.sharedHTTP) throws(RemoteError) {
        self.remote = remote
        self.bucket = bucket
        self.prefix = prefix
        self.http = http
        signer = SigV4(credentials: credentials, region: region)
        if let endpoint {
            guard let url = URL(string: endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme), let host = url.host else {
                throw .invalid("remote '\(remote)': endpoint '\(endpoint)' is not an http(s) address")
            }
            base = (scheme, url.port.map { "\(host):\($0)" } ?? host)
            pathStyle = true
        } else {
            base = ("https", "\(bucket).s3.\(region).amazonaws.com")
            pathStyle = false
        }
    }

    public var location: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/" + prefix) }

    public var identity: String { "\(address)/\(bucket)/\(prefix)" }

    /// Where the client sends requests, for messages.
    public var address: String { "\(base.scheme)://\(base.host)" }

    func objectPath(_ key: String) -> String {
        let full = prefix.isEmpty ? key : prefix + "/" + key
        return pathStyle ? "/\(bucket)/\(full)" : "/\(full)"
    }

    // MARK: - Operations

    public func put(_ key: String, _ data: Data, condition: WriteCondition) async throws(RemoteError) -> Bool {
        switch condition {
        case .always: try await put(key, data)
        case .absent: try await put(key, data, ifNoneMatch: true)
        case .unchanged(let tag): try await put(key, data, ifMatch: tag)
        }
    }

    /// Stores `data` under `key`. With `ifNoneMatch`, only when no object is there; with `ifMatch`, only when
    /// the object's ETag is that one: false when the condition failed (412), so the caller can read and retry.
    @discardableResult
    public func put(_ key: String, _ data: Data, ifNoneMatch: Bool = false, ifMatch: String? = nil) async throws(RemoteError) -> Bool {
        try await put(key, body: ByteBuffer(bytes: data), ifNoneMatch: ifNoneMatch, ifMatch: ifMatch)
    }

    /// One PUT of `body`, signed with its SHA-256 and carrying it as `x-amz-checksum-sha256`.
    func put(_ key: String, body: ByteBuffer, ifNoneMatch: Bool = false, ifMatch: String? = nil) async throws(RemoteError) -> Bool {
        let digest = body.withUnsafeReadableBytes { SHA256.hash(data: $0) }
        var headers: [(name: String, value: String)] = [("Content-Length", String(body.readableBytes)),
                                                         ("x-amz-checksum-sha256", Data(digest).base64EncodedString())]
        if ifNoneMatch { headers.append(("If-None-Match", "*")) }
        if let ifMatch { headers.append(("If-Match", ifMatch)) }
        let answer = try await send("PUT", objectPath(key), headers: headers, body: body, payloadSHA256: SigV4.hex(digest), what: "put \(key)",
                                    accept: [200, 412])
        return answer.status == 200
    }

    public func get(_ key: String) async throws(RemoteError) -> (data: Data, tag: String)? {
        try await get(key, sha256: nil)
    }

    /// The object's bytes and ETag, nil when there is none. With `sha256`, bytes that do not hash to it are
    /// refused: nothing is returned that the caller did not ask for.
    public func get(_ key: String, sha256 expected: String?) async throws(RemoteError) -> (data: Data, tag: String)? {
        let answer = try await send("GET", objectPath(key), what: "get \(key)", accept: [200, 404])
        guard answer.status == 200 else {
            if answer.code == "NoSuchBucket" { throw failure(404, answer.body, what: "get \(key)") }
            return nil
        }
        if let expected, SigV4.sha256(answer.body) != expected {
            throw otherBytes(key, got: SigV4.sha256(answer.body), expected: expected)
        }
        return (answer.body, answer.etag ?? "")
    }

    func otherBytes(_ key: String, got: String, expected: String) -> RemoteError {
        .corrupt("remote '\(remote)' sent other bytes for \(key) than asked for (sha256 \(got.prefix(12))…, not \(expected.prefix(12))…): nothing was kept")
    }

    /// Uploads the file: in one request up to `partSize`, else in parts of `partSize` (at most `jobs` at a
    /// time), each part signed with its SHA-256 so the server refuses bytes damaged on the way.
    public func upload(_ key: String, from file: String, size: Int64) async throws(RemoteError) {
        let reader = try PartReader(file, remote: remote)
        guard size > partSize else {
            let data = try reader.read(at: 0, count: Int(size))
            reader.close()
            try await put(key, body: data)
            return
        }
        try await Multipart(client: self, key: key, reader: reader, size: size).run()
    }

    /// Streams the object into a temporary file beside `target`, hashing as it comes, and renames it onto
    /// `target` only when it hashes to `sha256`: other bytes, a full disk or a dropped connection leave
    /// nothing behind.
    public func download(_ key: String, to target: String, sha256 expected: String, mode: Int) async throws(RemoteError) -> Bool {
        try await Download(client: self, key: key, target: target, expected: expected, mode: mode).run()
    }

    /// The object's size, nil when there is none.
    public func head(_ key: String) async throws(RemoteError) -> Int64? {
        let answer = try await send("HEAD", objectPath(key), what: "head \(key)", accept: [200, 404])
        return answer.status == 200 ? answer.length ?? 0 : nil
    }

    public func delete(_ key: String) async throws(RemoteError) {
        _ = try await send("DELETE", objectPath(key), what: "delete \(key)", accept: [200, 204, 404])
    }

    /// Every object under `under` (relative to the client's prefix), with its size, a thousand per request.
    public func list(under: String) async throws(RemoteError) -> [(key: String, size: Int64)] {
        let full = [prefix, under].filter { !$0.isEmpty }.joined(separator: "/") + (under.isEmpty ? (prefix.isEmpty ? "" : "/") : "/")
        let strip = prefix.isEmpty ? 0 : prefix.count + 1
        var out: [(key: String, size: Int64)] = [], token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", full)]
            if let token { query.append(("continuation-token", token)) }
            let answer = try await send("GET", pathStyle ? "/\(bucket)" : "/", query: query, what: "list \(full.isEmpty ? "the bucket" : full)", accept: [200])
            let listing = S3XML.parse(answer.body).listing
            out += listing.objects.map { (String($0.key.dropFirst(strip)), $0.size) }
            token = listing.truncated ? listing.nextToken : nil
        } while token != nil
        return out
    }

    /// Creates the bucket (for a new remote, and for tests against a local server).
    public func createBucket() async throws(RemoteError) {
        _ = try await send("PUT", pathStyle ? "/\(bucket)" : "/", what: "create the bucket", accept: [200, 409])
    }

    // MARK: - Requests

    struct Answer {
        var status: Int
        var body: Data
        var etag: String?
        var length: Int64?
        /// The error code of an XML error answer.
        var code: String? { S3XML.parse(body).code }
    }

    /// The request for `method` on `path`, signed now.
    func request(_ method: String, _ path: String, query: [(name: String, value: String)], headers: [(name: String, value: String)],
                 body: ByteBuffer, payloadSHA256: String?) -> HTTPClientRequest {
        var url = "\(base.scheme)://\(base.host)\(SigV4.encode(path, slash: false))"
        if !query.isEmpty { url += "?" + query.map { SigV4.encode($0.name, slash: true) + "=" + SigV4.encode($0.value, slash: true) }.joined(separator: "&") }
        let signed = signer.headers(for: SigV4.Request(method: method, host: base.host, path: path, query: query, headers: headers),
                                    payloadSHA256: payloadSHA256 ?? S3Client.sha256(body), date: Date())
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers + signed { request.headers.add(name: name, value: value) }
        if body.readableBytes > 0 || method == "PUT" || method == "POST" { request.body = .bytes(body) }
        return request
    }

    /// Sends the request, trying again on a dropped connection, 5xx and 429 with doubling pauses, and hands
    /// an accepted answer to `receive` (which may stream its body). Any other status is an error in the
    /// user's terms.
    func exchange<T>(_ method: String, _ path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
                     body: ByteBuffer = ByteBuffer(), payloadSHA256: String? = nil, what: String, accept: Set<Int>,
                     receive: (Int, HTTPClientResponse) async throws(RemoteError) -> T) async throws(RemoteError) -> T {
        var pause: UInt64 = 100_000_000
        for attempt in 1...max(1, attempts) {
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request(method, path, query: query, headers: headers, body: body, payloadSHA256: payloadSHA256),
                                                  timeout: .seconds(300))
            } catch {
                if Task.isCancelled || error is CancellationError { throw .interrupted }
                if attempt < attempts, S3Client.isTransient(error) {
                    try? await Task.sleep(nanoseconds: pause)
                    pause *= 2
                    continue
                }
                throw .unreachable("remote '\(remote)': cannot reach \(address) to \(what): \(error)")
            }
            let status = Int(response.status.code)
            if accept.contains(status) {
                do {
                    return try await receive(status, response)
                } catch .unreachable where attempt < attempts {
                    // The connection dropped while the answer came: ask again.
                    try? await Task.sleep(nanoseconds: pause)
                    pause *= 2
                    continue
                }
            }
            let data = (try? await response.body.collect(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
            if attempt < attempts && (status >= 500 || status == 429) {
                try? await Task.sleep(nanoseconds: pause)
                pause *= 2
                continue
            }
            throw failure(status, data, what: what)
        }
        throw .unreachable("remote '\(remote)': \(what) did not succeed in \(attempts) tries")
    }

    /// `exchange` with the whole answer read into memory (at most `maxBody` bytes).
    func send(_ method: String, _ path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
              body: ByteBuffer = ByteBuffer(), payloadSHA256: String? = nil, what: String, accept: Set<Int>) async throws(RemoteError) -> Answer {
        let limit = maxBody, remote = remote, address = address
        return try await exchange(method, path, query: query, headers: headers, body: body, payloadSHA256: payloadSHA256, what: what,
                                  accept: accept) { (status, response) throws(RemoteError) in
            let data: Data
            do { data = Data(try await response.body.collect(upTo: limit).readableBytesView) } catch {
                if Task.isCancelled { throw .interrupted }
                throw .unreachable("remote '\(remote)': the answer from \(address) to \(what) broke off: \(error)")
            }
            return Answer(status: status, body: data, etag: response.headers.first(name: "ETag"),
                          length: response.headers.first(name: "Content-Length").flatMap { Int64($0) })
        }
    }

    /// The SHA-256 (hex) of a request body, for its signature.
    static func sha256(_ body: ByteBuffer) -> String {
        body.withUnsafeReadableBytes { SigV4.hex(SHA256.hash(data: $0)) }
    }

    /// An answer S3 refused with, in the user's terms: who was refused, which bucket is missing, what the server said.
    func failure(_ status: Int, _ body: Data, what: String) -> RemoteError {
        let xml = S3XML.parse(body)
        let said = [xml.code, xml.message].compactMap { $0 }.joined(separator: ": ")
        switch (status, xml.code) {
        case (403, _):
            return .denied("remote '\(remote)': \(signer.credentials) may not \(what) in bucket '\(bucket)' (\(said.isEmpty ? "403 Forbidden" : said))")
        case (_, "NoSuchBucket"):
            return .notFound("remote '\(remote)': there is no bucket '\(bucket)' at \(address)")
        default:
            return .server("remote '\(remote)': \(what) failed with HTTP \(status)\(said.isEmpty ? "" : " (" + said + ")")")
        }
    }

    /// Whether trying again may help: not when no connection could be made at all (the pool already tried
    /// until its connect timeout).
    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return false }
        let text = "\(error)"
        return !text.contains("connectionRefused") && !text.contains("Connection refused") && !text.contains("connectTimeout")
    }
}
