import Fingerprint
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ProjectModel
import Tabular
import YAML

/// Limits on what one client may send.
public struct ServeLimits: Sendable {
    /// Largest request body, in bytes.
    public var maxBody = 8 << 20
    /// Most rows in one request.
    public var maxRows = 10_000
    /// Time to receive a whole request body.
    public var requestTimeout = Duration.seconds(10)
    /// Time a connection may sit idle (also between a request's parts) before it is closed.
    public var idleTimeout = Duration.seconds(30)
    /// Prediction requests whose body is larger than this many bytes are read and scored by the arrival-order
    /// queue (`PredictionQueue`); smaller ones at once on their event loop.
    public var queueBytes = 64 << 10
    /// Most large requests waiting in that queue; one more gets 503 with Retry-After.
    public var queue = 128
    public init() {}
}

/// `proj serve`: one verified bundle behind proj's own API, the Open Inference Protocol (KServe v2, and
/// v1's predict), MLflow's scoring protocol, metadata and Prometheus metrics.
public struct InferenceServer: Sendable {
    public let model: ServedModel
    public let limits: ServeLimits
    let metrics: ServerMetrics
    let protocols: Protocols
    /// Event-loop threads, and workers of the arrival-order queue.
    public let threads: Int
    let queue: PredictionQueue

    /// Event-loop threads the server runs requests on by default, and so the number of model copies worth
    /// loading: the CPUs this process may use (its affinity mask and cgroup quota), not the machine's count.
    public static var threads: Int { Processors.available }

    public init(model: ServedModel, limits: ServeLimits = ServeLimits(), threads: Int = InferenceServer.threads) {
        self.model = model
        self.limits = limits
        self.threads = max(1, threads)
        queue = PredictionQueue(workers: self.threads, capacity: limits.queue)
        metrics = ServerMetrics(model: model)
        protocols = Protocols(model: model, maxRows: limits.maxRows)
    }

    /// Serves on `threads` event loops until SIGTERM or SIGINT, then stops accepting, lets requests in flight
    /// finish, and returns. `ready` gets the bound port once the socket listens (port 0 picks a free one).
    public func run(host: String, port: Int, ready: @escaping @Sendable (Int) -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let quiet = QuietRelease(answered: { [metrics] in metrics.answered })
        defer {
            quiet.cancel()
            queue.close()
            group.shutdownGracefully { _ in }
        }
        var logger = Logger(label: "proj.serve")
        logger.logLevel = .warning
        let service = RouterService(
            responder: router().buildResponder(),
            server: LoopBoundHTTP1Channel.builder(.init(additionalChannelHandlers: [RequestBodyHandler(timeout: limits.requestTimeout, maxBody: limits.maxBody)],
                                                        idleTimeout: .seconds(limits.idleTimeout.components.seconds)),
                                                  last: { QuickPredictions(server: self) }),
            configuration: .init(address: .hostname(host, port: port), serverName: "proj"),
            eventLoopGroup: group,
            logger: logger,
            onServerRunning: { channel in ready(channel.localAddress?.port ?? port) }
        )
        try await service.run(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: Guard(server: self))
        // proj's own API.
        router.getAndHead("/v1/schema") { _, _ in self.json(self.model.schema.value) }
        router.getAndHead("/v1/metadata") { _, _ in self.json(self.metadata) }
        router.getAndHead("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: self.metrics.text)))
        }
        // MLflow's scoring server.
        router.getAndHead("/ping") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "\n"))) }
        router.getAndHead("/health") { _, _ in self.json(.map([.init("status", .string("ok"))])) }
        router.getAndHead("/version") { _, _ in self.json(.string(self.model.version)) }
        // Open Inference Protocol (KServe v2).
        router.getAndHead("/v2") { _, _ in self.json(.map([.init("name", .string("proj")), .init("version", .string(ToolVersion.current)), .init("extensions", .list([]))])) }
        router.getAndHead("/v2/health/live") { _, _ in self.json(.map([.init("live", .bool(true))])) }
        router.getAndHead("/v2/health/ready") { _, _ in self.json(.map([.init("ready", .bool(true))])) }
        router.getAndHead("/v2/models/{name}") { _, context in try self.named(context) { self.protocols.v2Metadata } }
        router.getAndHead("/v2/models/{name}/ready") { _, context in
            try self.named(context) { .map([.init("name", .string(self.model.name)), .init("ready", .bool(true))]) }
        }
        router.getAndHead("/v2/models/{name}/versions/{version}") { _, context in try self.named(context) { self.protocols.v2Metadata } }
        router.post("/v2/models/{name}/infer") { request, context in try await self.inferV2(request, context) }
        router.post("/v2/models/{name}/versions/{version}/infer") { request, context in try await self.inferV2(request, context) }
        // KServe v1: GET /v1/models/NAME and POST /v1/models/NAME:predict.
        router.getAndHead("/v1/models/{name}") { _, context in
            try self.named(context) { .map([.init("name", .string(self.model.name)), .init("ready", .bool(true))]) }
        }
        // The prediction routes (proj's, MLflow's, KServe v1's), from the table the event-loop path uses too.
        for route in PredictionRoute.all {
            router.post(RouterPath(route.path)) { request, context in try await self.predict(route, request, context) }
        }
        return router
    }

    // MARK: - Handlers

    /// A prediction route's answer.
    func predict(_ route: PredictionRoute, _ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if route.kind == .kserveV1 {
            let segment = context.parameters.get("name") ?? ""
            guard segment.hasSuffix(":predict") else { throw ClientError(.notFound, "no route POST \(request.uri.path): use /v1/models/\(model.name):predict") }
            try check(name: String(segment.dropLast(":predict".count)))
        }
        do {
            let outputs = try await answers(request, csv: route.csv, quick: route.quick, rows: route.rows(protocols))
            return json(route.encode(protocols, outputs))
        } catch let error as ClientError where route.kind == .invocations {
            // MLflow's error shape, so its clients show the message.
            let code = switch error.status {
            case .contentTooLarge: "RESOURCE_LIMIT_EXCEEDED"
            case .serviceUnavailable: "TEMPORARILY_UNAVAILABLE"
            default: "BAD_REQUEST"
            }
            var fields: [Value.Entry] = [.init("error_code", .string(code)), .init("message", .string(error.message))]
            if let field = error.field { fields.append(.init("field", .string(field))) }
            return refusal(json(.map(fields), status: error.status), error)
        }
    }

    func inferV2(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try check(name: context.parameters.get("name") ?? "")
        if let version = context.parameters.get("version"), version != model.version {
            throw ClientError(.notFound, "model '\(model.name)' version '\(version)' is not served here (this server serves version \(model.version))")
        }
        var header: Int?
        if let field = HTTPField.Name(BinaryTensors.headerField), let text = request.headers[field] {
            guard let length = Int(text) else { throw ClientError("\(BinaryTensors.headerField) must be a byte count, not '\(text)'", field: BinaryTensors.headerField) }
            header = length
        }
        let protocols = protocols, model = model, binaryHeader = header
        let (outputs, parsed) = try await scored(request) { bytes, contentType in
            let value: Value
            if let length = binaryHeader {
                value = try BinaryTensors.request(bytes, headerLength: length)
            } else {
                guard case .json(let json) = try Protocols.body(bytes, contentType: contentType, csv: false, expected: protocols.expectedKeys) else {
                    throw ClientError("send application/json")
                }
                value = json
            }
            let parsed = try protocols.v2Rows(value)
            return (try model.predict(parsed.rows), parsed)
        }
        return json(protocols.v2Response(counted(outputs), id: parsed.id, wanted: parsed.outputs))
    }

    func named(_ context: BasicRequestContext, _ value: () -> Value) throws -> Response {
        try check(name: context.parameters.get("name") ?? "")
        return json(value())
    }

    func check(name: String) throws(ClientError) {
        guard name == model.name else { throw ClientError(.notFound, "model '\(name)' is not served here (this server serves '\(model.name)')") }
    }

    /// Reads the request's whole body, then runs `work` on it (with its content type): at once when the body
    /// is small, else in the arrival-order queue, so a large request's decoding and scoring wait their turn.
    func scored<T: Sendable>(_ request: Request, _ work: @escaping @Sendable ([UInt8], String?) throws -> T) async throws -> T {
        let bytes = try await bytes(request)
        let contentType = request.headers[.contentType]
        guard bytes.count > limits.queueBytes else { return try work(bytes, contentType) }
        return try await queue.run { try work(bytes, contentType) }
    }

    func counted(_ outputs: [[Value.Entry]]) -> [[Value.Entry]] {
        metrics.predicted(Self.labels(outputs))
        return outputs
    }

    /// The output rows' labels and how many rows have each, as /metrics counts predictions: a class name as it
    /// is, any other label as its inline text. Counted here, so that the metrics' lock is held for a few labels,
    /// not for every row of a large request.
    static func labels(_ outputs: [[Value.Entry]]) -> [(label: String, count: Int)] {
        var counts: [(label: String, count: Int)] = []
        for row in outputs {
            let label = row.first { $0.key == "label" }.map { $0.value.string ?? $0.value.inlineText } ?? "none"
            if let k = counts.firstIndex(where: { $0.label == label }) { counts[k].count += 1 } else { counts.append((label, 1)) }
        }
        return counts
    }

    /// The model's answers to a prediction request that reached the router: a large one (the event loop hands
    /// those on unread) or one in another shape. Rows in the usual shape (`quick` says which keys and shapes)
    /// are read straight into cells, as on the event loop; any other body, or cells the model refuses, by the
    /// protocol's full reader `rows`, which names any problem.
    func answers(_ request: Request, csv: Bool, quick: @escaping @Sendable (String, JSONRows.Shape) -> Bool,
                 rows: @escaping @Sendable (Protocols.Body) throws(ClientError) -> [[Value.Entry]]) async throws -> [[Value.Entry]] {
        let protocols = protocols, model = model
        return counted(try await scored(request) { bytes, contentType in
            if let rows = protocols.quickRows(bytes, contentType: contentType, accepts: quick),
               let batch = Batch(columns: model.inputs, cells: rows.cells), let outputs = try? model.predict(batch) {
                return outputs
            }
            return try model.predict(try rows(try Protocols.body(bytes, contentType: contentType, csv: csv, expected: protocols.expectedKeys)))
        })
    }

    /// The whole body, within the size limit and the request timeout.
    func bytes(_ request: Request) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limits.maxBody {
            throw ClientError(.contentTooLarge, "the body is \(length) bytes; this server takes at most \(limits.maxBody) (--max-body)")
        }
        // The request timeout is kept by RequestBodyHandler: when it fires, it answers 408 and closes the
        // connection, which ends this read.
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limits.maxBody) } catch is NIOTooManyBytesError {
            throw ClientError(.contentTooLarge, "the body is over \(limits.maxBody) bytes, the most this server takes (--max-body)")
        } catch {
            throw ClientError(.requestTimeout, RequestBodyHandler.message(limits.requestTimeout))
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), buffer.readableBytes < length {
            throw ClientError(.requestTimeout, RequestBodyHandler.message(limits.requestTimeout))
        }
        return Array(buffer.readableBytesView)
    }

    var metadata: Value {
        var entries: [Value.Entry] = [.init("name", .string(model.name)), .init("version", .string(model.version)), .init("flavor", .string(model.flavor)),
                                      .init("digest", .string("sha256:" + model.digest))]
        entries.append(.init("signed_by", model.signer.map(Value.string) ?? .null))
        entries += [.init("metrics", model.metrics), .init("provenance", model.provenance)]
        return .map(entries)
    }

    /// An error answer with the error's Retry-After, when it has one.
    func refusal(_ response: Response, _ error: ClientError) -> Response {
        var response = response
        if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    func json(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONEmitter.compactBytes(value))))
    }
}

/// Around every route: client errors become 4xx JSON answers, anything else a logged 500 with no detail;
/// each request is counted and timed by its route.
struct Guard: RouterMiddleware {
    typealias Context = BasicRequestContext
    let server: InferenceServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        // HEAD routes are the GET routes' handlers (`getAndHead`): their status and headers, no body.
        let isHead = request.method == .head
        do {
            // RFC 9110: an expectation the server cannot meet gets 417; 100-continue is the only one there is.
            if let expect = request.headers[.expect], expect.lowercased() != "100-continue" {
                throw ClientError(.expectationFailed, "unsupported Expect: \(expect) (only 100-continue is known)")
            }
            response = try await next(request, context)
        } catch let error as ClientError {
            var fields: [Value.Entry] = [.init("error", .string(error.message))]
            if let field = error.field { fields.append(.init("field", .string(field))) }
            response = server.refusal(server.json(.map(fields), status: error.status), error)
        } catch let error as HTTPError {
            let message = error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : (error.body ?? error.status.reasonPhrase)
            response = server.json(.map([.init("error", .string(message))]), status: error.status)
        } catch {
            context.logger.error("request \(request.method) \(request.uri.path) failed: \(error)")
            response = server.json(.map([.init("error", .string("internal error"))]), status: .internalServerError)
        }
        if isHead {
            // The GET answer's length, and no bytes: NIO's encoder knows a HEAD answer has no body.
            response.body = ResponseBody(contentLength: response.body.contentLength) { writer in try await writer.finish(nil) }
        }
        let elapsed = ContinuousClock.now - start
        let route = context.coreContext.endpointPath.value ?? "unmatched"
        server.metrics.record(route: route, status: response.status.code,
                              seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return response
    }
}

extension Router {
    /// Routes GET `path` to `handler`, and HEAD too (`Guard` drops a HEAD answer's body, keeping its length).
    @discardableResult
    func getAndHead(_ path: RouterPath, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator) -> Self {
        on(path, method: .get, use: handler)
        return on(path, method: .head, use: handler)
    }
}
