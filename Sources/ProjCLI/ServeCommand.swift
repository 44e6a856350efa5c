import ArgumentParser
import Bundle
import Foundation
import ML
import Runner
import Serve

/// `proj serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Verify a bundle, load its model, and answer predictions over HTTP until SIGTERM or SIGINT.",
        discussion: """
            Endpoints: POST /v1/predict ({"instances": [...]}, {"urls": [...]} or text/csv), GET /v1/schema, GET /v1/metadata, \
            GET /metrics (Prometheus); KServe v2: GET /v2/health/live, /v2/health/ready, /v2/models/NAME, POST /v2/models/NAME/infer \
            (and v1: POST /v1/models/NAME:predict); MLflow: POST /invocations, GET /ping.
            The bundle is verified first (files, schema, selftest; a signature by a trusted key is required when any key is \
            trusted on this machine) and nothing is served unless every check passes. On SIGTERM or SIGINT the server stops \
            accepting connections, finishes the requests in flight, and exits 0.
            """
    )

    @Argument(help: "The bundle file, or NAME[@VERSION] with --store.")
    var bundle: String

    @Option(help: "A store to take NAME[@VERSION] from: a remote's name, s3://BUCKET/PREFIX, file:///PATH or a directory.")
    var store: String?

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one; the ready line names it).")
    var port = 8080

    @Flag(name: .customLong("insecure-skip-verify"), help: "Serve a bundle whose signature is missing or by an untrusted key (file digests and the selftest are still checked).")
    var insecureSkipVerify = false

    @Option(name: .customLong("trust"), help: "A trusted public key file (repeatable), besides ~/.config/proj/trusted/ and your own keys.")
    var trust: [String] = []

    @Option(name: .customLong("max-body"), help: "Largest request body in bytes.")
    var maxBody = ServeLimits().maxBody

    @Option(name: .customLong("max-rows"), help: "Most rows in one request.")
    var maxRows = ServeLimits().maxRows

    @Option(name: .customLong("request-timeout"), help: "Seconds a client has to send a request body.")
    var requestTimeout = 10

    @Option(name: .customLong("idle-timeout"), help: "Seconds an idle connection stays open.")
    var idleTimeout = 30

    @Option(help: "Most large requests (bodies over 64 KiB) waiting to be read and scored, in arrival order; one more is answered 503 with Retry-After.")
    var queue = 128

    @Flag(name: .customLong("label-index"), help: "Answer each label as its class's index (0 negative, 1 positive) instead of the class name.")
    var labelIndex = false

    @Option(help: "Event-loop threads (and model copies); default: the CPUs this process may use (affinity mask and cgroup quota).")
    var threads: Int?

    func validate() throws {
        guard maxBody > 0, maxRows > 0, requestTimeout > 0, idleTimeout > 0, queue > 0 else {
            throw ValidationError("--max-body, --max-rows, --request-timeout, --idle-timeout and --queue must be positive")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be 1 to 1024") }
    }

    func run() async throws {
        MemoryPolicy.apply()
        let started = ContinuousClock.now
        let model: ServedModel
        let opened = try store.map { try RemoteSupport.bundleStore($0, project: ".") }
        do {
            let trusted = try KeyStore().trusted(extra: trust)
            var options = VerifyOptions(trusted: trusted, requireSignature: !trusted.isEmpty, loaders: ModelLoaders.available)
            if insecureSkipVerify {
                options.requireSignature = false
                options.checkTrust = false
                Output.write("warning: --insecure-skip-verify: the bundle's signature is neither required nor checked against trusted keys; its file digests, schema and selftest still are\n", to: .err)
            }
            let path = try await resolve(opened, options: options)
            defer { if store != nil { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) } }
            model = try ServedModel.load(path, options: options, copies: threadCount, labelIndex: labelIndex)
        } catch { throw fail(error) }
        MemoryPolicy.releaseFree()
        var limits = ServeLimits()
        limits.maxBody = maxBody
        limits.maxRows = maxRows
        limits.requestTimeout = .seconds(requestTimeout)
        limits.idleTimeout = .seconds(idleTimeout)
        limits.queue = queue
        let server = InferenceServer(model: model, limits: limits, threads: threadCount)
        let host = host, name = model.name, version = model.version, digest = model.digest, threads = threadCount
        try await server.run(host: host, port: port) { bound in
            let elapsed = ContinuousClock.now - started
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            Output.write(String(format: "ready: serving %@ %@ (sha256:%@) on http://%@:%d (verified and loaded in %.0f ms, %d thread%@)\n",
                                name, version, String(digest.prefix(12)), host, bound, ms, threads, threads == 1 ? "" : "s"))
        }
        Output.write("stopped: requests in flight finished\n")
    }

    /// The event loops to run: `--threads`, else the CPUs this process may use.
    var threadCount: Int { threads ?? InferenceServer.threads }

    /// The bundle file: the argument, or the store's NAME[@VERSION] pulled (and verified) into a temporary directory.
    func resolve(_ store: BundleStore?, options: VerifyOptions) async throws(BundleError) -> String {
        guard let store else { return bundle }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proj-serve-\(getpid())").path
        return try await StoreClient.pull(bundle, from: store, into: directory, options: options).path
    }
}
