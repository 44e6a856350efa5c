import AsyncHTTPClient
import Crypto
import Fingerprint
import Foundation
import Glibc
import NIOCore

/// Reads parts of a file to upload, by offset (pread), so parts can go up at once.
struct PartReader: Sendable {
    let file: String
    let remote: String
    private let fd: Int32

    init(_ file: String, remote: String) throws(RemoteError) {
        self.file = file
        self.remote = remote
        fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot read \(file) to upload it to remote '\(remote)': \(FileSystem.errorText())") }
    }

    /// `count` bytes from `offset`, read straight into the buffer a request sends.
    func read(at offset: Int64, count: Int) throws(RemoteError) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var done = 0
        while done < count {
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { pread(fd, $0.baseAddress!, count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io("cannot read \(file) to upload it to remote '\(remote)': \(n == 0 ? "it shrank while being sent" : FileSystem.errorText())") }
            done += n
        }
        return buffer
    }

    func close() { _ = Glibc.close(fd) }
}

/// One multipart upload: started, its parts sent (a few at once, each signed with its own SHA-256), then
/// completed; on any failure the upload is aborted so no parts are left behind for the bucket to bill.
struct Multipart: Sendable {
    let client: S3Client
    let key: String
    let reader: PartReader
    let size: Int64

    func run() async throws(RemoteError) {
        defer { reader.close() }
        let path = client.objectPath(key)
        let started = try await client.send("POST", path, query: [("uploads", "")], what: "start uploading \(key)", accept: [200])
        guard let id = S3XML.parse(started.body).uploadID else {
            throw .server("remote '\(client.remote)': the server did not start a multipart upload of \(key)")
        }
        do throws(RemoteError) {
            let etags = try await parts(path, id)
            var xml = "<CompleteMultipartUpload>"
            for (number, etag) in etags.enumerated() { xml += "<Part><PartNumber>\(number + 1)</PartNumber><ETag>\(etag)</ETag></Part>" }
            xml += "</CompleteMultipartUpload>"
            let done = try await client.send("POST", path, query: [("uploadId", id)], body: ByteBuffer(string: xml), what: "complete uploading \(key)", accept: [200])
            // S3 may answer 200 and still report an error in the body.
            if let code = done.code { throw .server("remote '\(client.remote)': completing the upload of \(key) failed (\(code))") }
        } catch {
            _ = try? await client.send("DELETE", path, query: [("uploadId", id)], what: "abort uploading \(key)", accept: [200, 204, 404])
            throw error
        }
    }

    private func parts(_ path: String, _ id: String) async throws(RemoteError) -> [String] {
        let partSize = max(client.partSize, (size + 9_999) / 10_000)
        let count = Int((size + partSize - 1) / partSize)
        let client = client, reader = reader, size = size, key = key
        return try await Parallel.map(Array(0..<count), jobs: client.jobs) { (number: Int) throws(RemoteError) -> String in
            let offset = Int64(number) * partSize
            let data = try reader.read(at: offset, count: Int(min(partSize, size - offset)))
            let answer = try await client.send("PUT", path, query: [("partNumber", String(number + 1)), ("uploadId", id)],
                                               headers: [("Content-Length", String(data.readableBytes))], body: data,
                                               what: "upload part \(number + 1) of \(key)", accept: [200])
            guard let etag = answer.etag else { throw .server("remote '\(client.remote)': part \(number + 1) of \(key) came back without an ETag") }
            return etag
        }
    }
}

/// One download streamed to a temporary file and hashed as it comes; renamed onto its target only whole
/// and with the SHA-256 asked for.
struct Download {
    let client: S3Client
    let key: String
    let target: String
    let expected: String
    let mode: Int

    func run() async throws(RemoteError) -> Bool {
        let (directory, _) = TemporaryPath.split(target)
        do { try FileSystem.makeDirectories(directory) } catch { throw .io("cannot create \(directory): \(error)") }
        let client = client, key = key, target = target, expected = expected, mode = mode
        return try await client.exchange("GET", client.objectPath(key), what: "get \(key)", accept: [200, 404]) { (status, response) throws(RemoteError) in
            guard status == 200 else {
                let body = (try? await response.body.collect(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
                if S3XML.parse(body).code == "NoSuchBucket" { throw client.failure(404, body, what: "get \(key)") }
                return false
            }
            let temp = TemporaryPath.beside(target)
            let fd: Int32
            do { fd = try FileSystem.createExclusive(temp, mode: mode) } catch { throw .io("cannot write \(target): \(error)") }
            var hasher = SHA256()
            var failure: RemoteError?
            do {
                for try await chunk in response.body {
                    let bytes = Array(chunk.readableBytesView)
                    hasher.update(data: bytes)
                    guard FileSystem.writeAll(fd, bytes[...]) else {
                        failure = .io("cannot write \(target) (from remote '\(client.remote)'): \(FileSystem.errorText())")
                        break
                    }
                }
            } catch {
                failure = Task.isCancelled ? .interrupted : .unreachable("remote '\(client.remote)': the download of \(key) broke off: \(error)")
            }
            if failure == nil, fsync(fd) != 0 { failure = .io("cannot write \(target): \(FileSystem.errorText())") }
            close(fd)
            if failure == nil {
                let actual = Hex.encode(hasher.finalize())
                if actual != expected { failure = client.otherBytes(key, got: actual, expected: expected) }
            }
            if let failure {
                unlink(temp)
                throw failure
            }
            guard rename(temp, target) == 0 else {
                let reason = FileSystem.errorText()
                unlink(temp)
                throw .io("cannot write \(target): \(reason)")
            }
            return true
        }
    }
}
