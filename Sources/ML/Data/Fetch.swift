import Fingerprint
import Foundation
import Remote
import Runner

/// `proj ml fetch`: a source pinned by SHA-256, taken from the project's cache when present, else from the
/// first of an ordered list of mirrors (http, https or file URLs, or paths) that serves exactly those bytes.
public enum Fetch {
    public enum Outcome: Sendable, Equatable {
        case cached
        case downloaded(from: String)
    }

    /// Puts the pinned file at `output`; a mirror serving other bytes is skipped and reported.
    public static func run(sha256 expected: String, mirrors: [String], output: String, cacheDirectory: String,
                           log: (String) -> Void = { _ in }) throws -> Outcome {
        let sha = expected.lowercased()
        guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else { throw MLError("--sha256 must be 64 hex digits, not '\(expected)'") }
        let cache = ObjectCache(directory: cacheDirectory)
        if let size = FileSystem.stat(cache.path(sha))?.size {
            // A damaged cached copy is moved aside by the restore; the mirrors are tried instead.
            switch Result(catching: { () throws(FingerprintError) in try cache.restore(FileDigest(sha256: sha, size: size), to: absolute(output)) }) {
            case .success: return .cached
            case .failure(let error):
                guard case .corrupt = error else { throw error }
                log(error.description + "; fetching it again")
            }
        }
        guard !mirrors.isEmpty else { throw MLError("\(sha.prefix(12)) is not in the cache and no --url was given") }
        var failures: [String] = []
        // Downloads land in the cache's directory: a failed fetch leaves nothing beside the output.
        let temp = TemporaryPath.beside(absolute(cacheDirectory) + "/fetch")
        defer { try? FileManager.default.removeItem(atPath: temp) }
        for mirror in mirrors {
            do {
                try download(mirror, to: temp)
                let (got, size) = try FileSystem.sha256(path: temp, buffer: HashBuffer())
                guard got == sha else {
                    failures.append("\(mirror): sha256 \(got), not the pinned \(sha)")
                    log("refusing \(mirror): it serves sha256 \(got), not the pinned \(sha)")
                    continue
                }
                try cache.store(temp, digest: FileDigest(sha256: sha, size: size), manifest: nil)
                try cache.restore(FileDigest(sha256: sha, size: size), to: absolute(output))
                return .downloaded(from: mirror)
            } catch {
                failures.append("\(mirror): \(error)")
                log("\(mirror) failed: \(error)")
            }
        }
        throw MLError("no mirror served the pinned file (sha256 \(sha)):\n  " + failures.joined(separator: "\n  "))
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    static func download(_ source: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path)
        let url: URL
        if source.contains("://") {
            guard let u = URL(string: source) else { throw MLError("malformed URL") }
            url = u
        } else {
            url = URL(fileURLWithPath: source)
        }
        if url.isFileURL {
            guard FileManager.default.fileExists(atPath: url.path) else { throw MLError("no such file") }
            try FileManager.default.copyItem(atPath: url.path, toPath: path)
            return
        }
        guard url.scheme == "http" || url.scheme == "https" else { throw MLError("unsupported scheme '\(url.scheme ?? "")' (http, https or file)") }
        try HTTPDownload.fetch(url.absoluteString, to: path)
    }
}
