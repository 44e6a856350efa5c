import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Tabular
import YAML

/// Answers the common prediction request on the connection's event loop, as its last part arrives: a
/// `POST /v1/predict`, `POST /invocations` or KServe v1 `POST /v1/models/NAME:predict` whose JSON rows come in
/// the usual shape (`Protocols.quickRows`).
/// Every other request, and any such request the quick reader does not take (another shape, a bad cell, a body
/// over the limit), goes on to the router unchanged, which answers it and names any problem; so do requests
/// that arrive while one handed to the router is still being answered, so answers keep the requests' order.
///
/// It sits after Hummingbird's connection-state handler, which so sees every request and answer: the idle
/// timeout and a graceful shutdown (which waits for the answer to a request being read) hold as for the router.
final class QuickPredictions: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let server: InferenceServer
    private var state = QuickPredictionsState<HTTPRequest>()
    /// The body of the request being read, kept outside `state` so that each part is appended in place (a copy
    /// of it held anywhere else would make every append copy all that came before).
    private var body = ByteBuffer()
    /// The Date header, remade once a second (per connection: no lock shared between event loops).
    private var date = HTTPDate()

    /// The prediction routes (`PredictionRoute.all`) by the path a request names them with, made once.
    private let routes: [(path: Substring, route: PredictionRoute)]

    init(server: InferenceServer) {
        self.server = server
        routes = PredictionRoute.all.map { (Substring($0.requestPath(model: server.model.name)), $0) }
    }

    /// Whether a Connection header asks to close after the answer (a token list, any case).
    static func asksToClose(_ connection: String) -> Bool {
        connection.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "close" }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if case .gather = state.head(head, route: route(head), now: .now) {
                body.clear()
            } else {
                context.fireChannelRead(data)
            }
        case .body(let chunk):
            switch state.body(fits: body.readableBytes + chunk.readableBytes <= server.limits.maxBody) {
            case .append:
                body.writeImmutableBuffer(chunk)
            case .handOver(let head):
                // Too large: the router refuses it with its message.
                hand(context, head, takeBody())
                context.fireChannelRead(data)
            case .forward:
                context.fireChannelRead(data)
            }
        case .end:
            guard case .answer(let route, let head, let started) = state.end() else { return context.fireChannelRead(data) }
            if !answer(context, route, head, body, started: started) {
                state.notAnswered()
                hand(context, head, takeBody())
                context.fireChannelRead(data)
            }
            // A large body's storage is not kept for the next request.
            if body.capacity > 1 << 16 { body = ByteBuffer() }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only the router's answers pass here (this handler writes its own towards the socket).
        if case .end = unwrapOutboundIn(data) { state.answerEnded() }
        context.write(data, promise: promise)
    }

    /// The route this handler may answer for `head`; nil for any other request.
    private func route(_ head: HTTPRequest) -> PredictionRoute? {
        guard head.method == .post, let path = head.path?.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first,
              let route = routes.first(where: { $0.path == path })?.route else { return nil }
        // Too large a body, or an expectation other than 100-continue, is the router's to refuse.
        if let expect = head.headerFields.first(.expect), expect.lowercased() != "100-continue" { return nil }
        if let length = head.headerFields.first(.contentLength).flatMap({ Int($0) }), length > server.limits.maxBody { return nil }
        return route
    }

    /// The gathered body, handed on whole (this handler keeps none of it).
    private func takeBody() -> ByteBuffer {
        defer { body = ByteBuffer() }
        return body
    }

    /// Hands a gathered request to the router (`state` has counted it): its head, then its body so far (the
    /// rest follows as it comes).
    private func hand(_ context: ChannelHandlerContext, _ head: HTTPRequest, _ body: ByteBuffer) {
        context.fireChannelRead(wrapInboundOut(.head(head)))
        if body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
    }

    /// Answers the request when its rows are in the usual shape and the model takes them as cells; false to
    /// leave it to the router.
    private func answer(_ context: ChannelHandlerContext, _ route: PredictionRoute, _ head: HTTPRequest, _ body: ByteBuffer, started: ContinuousClock.Instant) -> Bool {
        let protocols = server.protocols
        // A large request is the arrival-order queue's, which the router's handlers use.
        guard body.readableBytes <= server.limits.queueBytes,
              let rows = protocols.quickRows(Array(body.readableBytesView), contentType: head.headerFields.first(.contentType), accepts: route.quick),
              let batch = Batch(columns: server.model.inputs, cells: rows.cells), let outputs = try? server.model.predict(batch) else { return false }
        let bytes = JSONEmitter.compactBytes(route.encode(protocols, outputs))
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(bytes.count)
        fields[.date] = date.now
        fields[.server] = "proj"
        // A client that asked to close gets its answer, then the close, as the router does it.
        let closing = head.headerFields.first(.connection).map(Self.asksToClose) ?? false
        if closing { fields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: bytes))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closing { context.close(after: written) }
        let elapsed = ContinuousClock.now - started
        server.metrics.record(route: route.path, status: 200, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                              predicted: InferenceServer.labels(outputs))
        return true
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        state.reset()
        body = ByteBuffer()
    }
}
