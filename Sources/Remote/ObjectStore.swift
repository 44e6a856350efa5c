import Foundation

/// When a small write may happen: always, only where nothing is yet, or only over the version read before
/// (its tag: S3's ETag, a directory's SHA-256 of the content).
public enum WriteCondition: Sendable, Equatable {
    case always
    case absent
    case unchanged(tag: String)
}

/// A place that holds objects by key: a directory, or an S3 bucket and prefix. Data, the run-cache and
/// bundle stores are all written through these few operations, so they behave alike on both.
public protocol ObjectStore: Sendable {
    /// The remote's name, for messages.
    var remote: String { get }
    /// Where the objects are (`s3://bucket/prefix`, a directory), for messages.
    var location: String { get }
    /// What tells this store from every other (the server as well as the bucket): the local record's key.
    var identity: String { get }
    /// Stores a small object; false when `condition` did not hold (nothing was written).
    func put(_ key: String, _ data: Data, condition: WriteCondition) async throws(RemoteError) -> Bool
    /// Uploads the file at `path` (`size` bytes) as `key`, streamed; S3 uses multipart above its part size.
    func upload(_ key: String, from path: String, size: Int64) async throws(RemoteError)
    /// A small object's bytes and tag; nil when there is none.
    func get(_ key: String) async throws(RemoteError) -> (data: Data, tag: String)?
    /// Downloads `key` into `path` through a temporary file beside it, renamed only when the bytes hash to
    /// `sha256`: false when there is no such object; `.corrupt` when other bytes came (nothing lands).
    func download(_ key: String, to path: String, sha256: String, mode: Int) async throws(RemoteError) -> Bool
    /// The object's size, nil when there is none.
    func head(_ key: String) async throws(RemoteError) -> Int64?
    /// Every object whose key starts with `under` + `/`, with its size.
    func list(under: String) async throws(RemoteError) -> [(key: String, size: Int64)]
    func delete(_ key: String) async throws(RemoteError)
}

/// Opens the object store a configured remote names.
public enum ObjectStores {
    /// The store of `spec` for the project at `root`; S3 credentials and region are read from `environment`
    /// and the AWS files under `home`, as the AWS CLI reads them (`AWS_ENDPOINT_URL` when the remote names no
    /// endpoint).
    public static func open(_ spec: RemoteSpec, root: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            home: String = NSHomeDirectory()) throws(RemoteError) -> any ObjectStore {
        switch try spec.location(root: root) {
        case .directory(let path):
            return DirectoryObjectStore(remote: spec.name, root: URL(fileURLWithPath: path).standardizedFileURL.path)
        case .s3(let bucket, let prefix):
            let credentials: AWSCredentials
            do { credentials = try AWSCredentials.resolve(environment: environment, home: home) } catch {
                throw .invalid("remote '\(spec.name)': \(error)")
            }
            let region = spec.region ?? AWSCredentials.region(environment: environment, home: home) ?? "us-east-1"
            let endpoint = spec.endpoint ?? AWSCredentials.nonEmpty(environment["AWS_ENDPOINT_URL_S3"]) ?? AWSCredentials.nonEmpty(environment["AWS_ENDPOINT_URL"])
            var client = try S3Client(remote: spec.name, bucket: bucket, prefix: prefix, credentials: credentials, region: region, endpoint: endpoint)
            if let size = spec.partSize { client.partSize = size }
            return client
        }
    }

    /// The object key of a content-addressed object (`objects/ab/abcdef…`, `.dir` for a directory's
    /// listing): the same layout for data and bundles.
    public static func objectKey(_ name: String) -> String {
        "objects/" + name.prefix(2) + "/" + name
    }
}
