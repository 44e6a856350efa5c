import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Tracking
import YAML

/// `proj ui`'s server (Hummingbird 2): the web pages over the run history (`/` the runs table,
/// `/compare` the compare view, `/runs/ID` a run), and MLflow's tracking REST API under
/// `/api/2.0/mlflow/` and `/ajax-api/2.0/mlflow/` as MLflow's own server answers it.
public struct TrackingServer: Sendable {
    let api: MLflowAPI
    /// Largest request body (a log-batch of 10,000 points fits well under it).
    static let maxBody = 16 << 20

    public init(store: TrackingStore) {
        api = MLflowAPI(store: store)
    }

    /// Serves until SIGINT or SIGTERM; `ready` gets the bound port once the socket listens (0 picks a free one).
    public func run(host: String, port: Int, ready: @escaping @Sendable (Int) -> Void) async throws {
        var logger = Logger(label: "proj.ui")
        logger.logLevel = .warning
        let app = Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "proj"),
                              onServerRunning: { channel in ready(channel.localAddress?.port ?? port) }, logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "OK"))) }
        let store = api.store
        router.get("/") { request, _ in TrackingServer.page(RunsPage(store: store).render(TrackingServer.query(request))) }
        router.get("/compare") { request, _ in TrackingServer.page(ComparePage(store: store).render(TrackingServer.query(request))) }
        router.get("/runs/:id") { _, context in TrackingServer.page(RunPage(store: store).render(context.parameters.get("id") ?? "")) }
        for prefix in ["/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"] {
            for endpoint in MLflowAPI.endpoints.keys {
                for method in [HTTPRequest.Method.get, .post] {
                    router.on(RouterPath(prefix + endpoint), method: method) { request, _ in await self.answer(endpoint, request) }
                }
            }
        }
        return router
    }

    /// A request's query parameters in order, repeated keys kept, decoded as forms and Python's `requests`
    /// encode them (`+` is a space, then percent-escapes).
    static func query(_ request: Request) -> WebQuery {
        WebQuery(pairs: WebQuery.decode(request.uri.query ?? ""))
    }

    static func page(_ page: (status: Int, html: String)) -> Response {
        Response(status: .init(code: page.status), headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: page.html)))
    }

    func answer(_ endpoint: String, _ request: Request) async -> Response {
        let answer: MLflowAPI.Answer
        do {
            let body = try await request.body.collect(upTo: TrackingServer.maxBody)
            var query: [String: String] = [:]
            for (key, value) in TrackingServer.query(request).pairs { query[key] = value }
            answer = api.answer(method: request.method.rawValue, endpoint: endpoint, query: query, body: Array(body.readableBytesView))
        } catch {
            answer = MLflowAPI.Answer(status: 413, body: .map([.init("error_code", .string("INVALID_PARAMETER_VALUE")),
                                                              .init("message", .string("the request body is larger than \(TrackingServer.maxBody) bytes"))]))
        }
        return Response(status: .init(code: answer.status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: JSONEmitter.compact(answer.body))))
    }
}
