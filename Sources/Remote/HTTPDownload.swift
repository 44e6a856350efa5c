import AsyncHTTPClient
import Foundation

/// A file fetched over http(s) with proj's HTTP client (AsyncHTTPClient, redirects followed) and written as
/// it arrives. Any answer but 200 is an error naming its status (`HTTP 404`). Using the client the remotes
/// use, rather than Foundation's URLSession, keeps libcurl and its TLS stack out of the process: a served
/// model does not carry them.
public enum HTTPDownload {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Downloads `url` to `path`, blocking the calling thread until it ends (the transfer itself runs on the
    /// client's event loops, so this may be called from any thread); on failure no file is left at `path`.
    public static func fetch(_ url: String, to path: String) throws(Failure) {
        do {
            let delegate = try FileDownloadDelegate(path: path)
            let progress = try S3Client.sharedHTTP.execute(request: try HTTPClient.Request(url: url), delegate: delegate).wait()
            guard progress.head.status == .ok else {
                unlink(path)
                throw Failure(description: "HTTP \(progress.head.status.code)")
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            unlink(path)
            throw Failure(description: "\(error)")
        }
    }
}
