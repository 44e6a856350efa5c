import Fingerprint
import Foundation
import YAML

/// A named place the project shares its cache, run-cache and bundles through.
public struct RemoteSpec: Sendable, Equatable {
    public var name: String
    /// `s3://bucket/prefix`, `file:///path` or a directory path.
    public var url: String
    /// An S3-compatible server's address (`http://127.0.0.1:9000`), when not AWS's own.
    public var endpoint: String?
    public var region: String?
    /// Files larger than this go to S3 in parts of this size (`part_size_mib`; default 8 MiB).
    public var partSize: Int64?

    public init(name: String, url: String, endpoint: String? = nil, region: String? = nil, partSize: Int64? = nil) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        self.region = region
        self.partSize = partSize
    }

    /// Where the remote's data lives.
    public enum Location: Sendable, Equatable {
        case s3(bucket: String, prefix: String)
        case directory(String)
    }

    /// The location `url` names, checked: a bucket name S3 accepts, no credentials in the URL.
    public func location(root: String) throws(RemoteError) -> Location {
        if url.hasPrefix("s3://") {
            let rest = url.dropFirst(5)
            let bucket = String(rest.prefix { $0 != "/" })
            var prefix = String(rest.dropFirst(bucket.count))
            while prefix.hasPrefix("/") { prefix.removeFirst() }
            while prefix.hasSuffix("/") { prefix.removeLast() }
            guard !bucket.contains("@") && !bucket.contains(":") else {
                throw .invalid("remote '\(name)': credentials never go in a remote's URL (they are read as the AWS CLI reads them)")
            }
            guard RemoteSpec.isBucketName(bucket) else {
                throw .invalid("remote '\(name)': '\(bucket)' is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)")
            }
            return .s3(bucket: bucket, prefix: prefix)
        }
        if url.hasPrefix("file://") {
            let path = String(url.dropFirst(7))
            guard path.hasPrefix("/") else { throw .invalid("remote '\(name)': a file:// URL needs an absolute path (file:///srv/proj)") }
            return .directory(path)
        }
        if let scheme = url.firstRange(of: "://") {
            throw .invalid("remote '\(name)': unknown URL scheme '\(url[..<scheme.lowerBound])' (expected s3://BUCKET/PREFIX, file:///PATH or a directory)")
        }
        guard !url.isEmpty else { throw .invalid("remote '\(name)' has an empty URL") }
        return .directory(url.hasPrefix("/") ? url : root + "/" + url)
    }

    static func isBucketName(_ name: String) -> Bool {
        (3...63).contains(name.count) && name.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2e || $0 == 0x2d }
            && name.first.map { $0.isLetter || $0.isNumber } == true && name.last.map { $0.isLetter || $0.isNumber } == true
    }

    static func isRemoteName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d || $0 == 0x5f }
    }
}

public enum RemoteError: Error, Sendable, CustomStringConvertible {
    /// A remote or its configuration that cannot be used as given.
    case invalid(String)
    /// A remote, bucket or object that is not there.
    case notFound(String)
    case io(String)
    /// The server refused the credentials (403).
    case denied(String)
    /// The server could not be reached.
    case unreachable(String)
    /// The server answered with an error.
    case server(String)
    /// The server sent other bytes than asked for.
    case corrupt(String)
    /// Objects the remote should hold but does not.
    case missing(String)
    /// The transfer was interrupted (Ctrl-C).
    case interrupted

    /// 2 for a name, URL or configuration that cannot be used as given; 130 when interrupted; 1 otherwise.
    public var exitCode: Int32 {
        switch self {
        case .invalid, .notFound: 2
        case .interrupted: 130
        default: 1
        }
    }

    public var description: String {
        switch self {
        case .invalid(let m), .notFound(let m), .io(let m), .denied(let m), .unreachable(let m), .server(let m), .corrupt(let m), .missing(let m): m
        case .interrupted: "interrupted; what was sent in full stays, nothing else was recorded"
        }
    }
}

/// The project's remotes, in `.projconfig.yaml` at its root (committed: it holds no secrets):
///
///     remotes:
///       storage: {url: s3://ml-artifacts/phishing, endpoint: http://127.0.0.1:9000, region: us-east-1}
///     default: storage
public struct RemoteConfig: Sendable, Equatable {
    public static let file = ".projconfig.yaml"
    public var remotes: [RemoteSpec] = []
    public var defaultName: String?

    public init(remotes: [RemoteSpec] = [], defaultName: String? = nil) {
        self.remotes = remotes
        self.defaultName = defaultName
    }

    /// The configuration of the project at `root` (none yet: empty).
    public static func read(root: String) throws(RemoteError) -> RemoteConfig {
        let path = root + "/" + file
        guard FileManager.default.fileExists(atPath: path) else { return RemoteConfig() }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .io("cannot read \(file)") }
        let node: Node?
        do { node = try YAMLParser.parse(text, file: file, limits: .untrusted) } catch { throw .invalid("\(error)") }
        guard let value = node?.value else { return RemoteConfig() }
        guard case .map(let top) = value else { throw .invalid("\(file): expected a mapping with `remotes:` and `default:`") }
        var config = RemoteConfig()
        for entry in top {
            switch entry.key {
            case "remotes":
                guard case .map(let remotes) = entry.value else { throw .invalid("\(file): `remotes:` must map names to remotes") }
                for remote in remotes {
                    guard case .map(let fields) = remote.value, let url = remote.value["url"]?.string else {
                        throw .invalid("\(file): remote '\(remote.key)' needs a `url:`")
                    }
                    for field in fields where !["url", "endpoint", "region", "part_size_mib"].contains(field.key) {
                        throw .invalid("\(file): remote '\(remote.key)' has an unknown key '\(field.key)' (expected url, endpoint, region, part_size_mib; credentials never go here)")
                    }
                    var partSize: Int64?
                    if let value = remote.value["part_size_mib"] {
                        guard case .int(let mib) = value, (5...5120).contains(mib) else {
                            throw .invalid("\(file): remote '\(remote.key)': part_size_mib must be a whole number from 5 to 5120 (S3's limits)")
                        }
                        partSize = Int64(mib) << 20
                    }
                    config.remotes.append(RemoteSpec(name: remote.key, url: url, endpoint: remote.value["endpoint"]?.string, region: remote.value["region"]?.string,
                                                     partSize: partSize))
                }
            case "default":
                config.defaultName = entry.value.string
            default:
                throw .invalid("\(file): unknown key '\(entry.key)' (expected remotes, default)")
            }
        }
        if let name = config.defaultName, config.remote(name) == nil {
            throw .invalid("\(file): the default remote '\(name)' is not among its remotes")
        }
        return config
    }

    public func write(root: String) throws(RemoteError) {
        let remotesValue = Value.map(remotes.map { r in
            var fields: [Value.Entry] = [.init("url", .string(r.url))]
            if let endpoint = r.endpoint { fields.append(.init("endpoint", .string(endpoint))) }
            if let region = r.region { fields.append(.init("region", .string(region))) }
            if let size = r.partSize { fields.append(.init("part_size_mib", .int(Int(size >> 20)))) }
            return .init(r.name, .map(fields))
        })
        var top: [Value.Entry] = [.init("remotes", remotesValue)]
        if let defaultName { top.append(.init("default", .string(defaultName))) }
        let text = "# proj's remotes (`proj remote add|remove|default`); credentials are read as the AWS CLI reads them, never from here.\n"
            + YAMLEmitter.emit(.map(top), sortKeys: false, flowDepth: 2)
        do { try AtomicFile.write(text, to: root + "/" + RemoteConfig.file) } catch { throw .io("cannot write \(RemoteConfig.file): \(error)") }
    }

    public func remote(_ name: String) -> RemoteSpec? { remotes.first { $0.name == name } }

    /// The remote `name` names, else the default; why there is none otherwise.
    public func pick(_ name: String?) throws(RemoteError) -> RemoteSpec {
        if let name {
            guard let remote = remote(name) else {
                throw .notFound("no remote '\(name)' (\(remotes.isEmpty ? "none is configured: `proj remote add NAME URL`" : "known: " + remotes.map(\.name).joined(separator: ", ")))")
            }
            return remote
        }
        guard let name = defaultName, let remote = remote(name) else {
            throw .notFound(remotes.isEmpty ? "no remote is configured: `proj remote add NAME URL --default`" : "no default remote: give -r NAME or `proj remote default NAME`")
        }
        return remote
    }

    /// Adds `remote` (its name must be new), checking its name and URL; the first remote added becomes the default.
    public mutating func add(_ remote: RemoteSpec, makeDefault: Bool, root: String) throws(RemoteError) {
        guard RemoteSpec.isRemoteName(remote.name) else { throw .invalid("'\(remote.name)' is not a remote name (letters, digits, - and _; at most 64)") }
        guard self.remote(remote.name) == nil else { throw .invalid("a remote '\(remote.name)' exists already; remove it first") }
        _ = try remote.location(root: root)
        if let endpoint = remote.endpoint, !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) || endpoint.contains("@") {
            throw .invalid("--endpoint '\(endpoint)' must be an http:// or https:// address without credentials")
        }
        remotes.append(remote)
        if makeDefault || remotes.count == 1 { defaultName = remote.name }
    }

    public mutating func remove(_ name: String) throws(RemoteError) {
        guard remote(name) != nil else { _ = try pick(name); return }
        remotes.removeAll { $0.name == name }
        if defaultName == name { defaultName = nil }
    }
}
