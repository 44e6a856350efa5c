import HTTPTypes
import NIOCore
import NIOHTTPTypes
import YAML

/// A request's body on its connection: answers `Expect: 100-continue` (curl sends it for bodies over 1 MiB
/// and waits a second for it otherwise), and gives each request `timeout` from its head to the end of its
/// body. A client that has not sent the whole body by then gets 408 (JSON naming the limit) and the
/// connection is closed. The timer lives on the connection's event loop, and is only set for a request still
/// incomplete when a read ends: a request whose body came with its head (the usual case) costs no timer.
final class RequestBodyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let timeout: Duration
    let maxBody: Int
    private var timer: Scheduled<Void>?
    private var state = RequestBodyState<NIODeadline>()

    init(timeout: Duration, maxBody: Int) {
        self.timeout = timeout
        self.maxBody = maxBody
    }

    static func message(_ timeout: Duration) -> String {
        "the body did not arrive within \(timeout.components.seconds) s"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            stopTimer()
            // A body over the limit gets its 413 without being asked for.
            let expectsContinue = head.headerFields.first(.expect)?.lowercased() == "100-continue" && head.method != .head
                && (head.headerFields.first(.contentLength).flatMap { Int($0) } ?? 0) <= maxBody
            if state.head(deadline: .now() + TimeAmount(timeout), expectsContinue: expectsContinue) {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        case .end:
            stopTimer()
            state.end()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let deadline = state.timerDue(timerSet: timer != nil) {
            let loop = context.eventLoop.assumeIsolated()
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            timer = loop.scheduleTask(deadline: deadline) { [self] in fire(bound.value) }
        }
        context.fireChannelReadComplete()
    }

    private func stopTimer() {
        timer?.cancel()
        timer = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head = unwrapOutboundIn(data) { state.answerStarted() }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimer()
        state.stopped()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
        state.stopped()
    }

    private func fire(_ context: ChannelHandlerContext) {
        timer = nil
        guard state.timerFired() == .answer else { context.close(promise: nil); return }
        let body = ByteBuffer(string: JSONEmitter.compact(.map([.init("error", .string(Self.message(timeout)))])))
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .requestTimeout, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.close(after: context.writeAndFlush(wrapOutboundOut(.end(nil))))
    }
}
