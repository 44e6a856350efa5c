import HummingbirdCore
import Logging
import NIOCore

/// HTTP/1 connections whose request handling runs on the connection's own event-loop thread: reading the
/// body, checking it, predicting and writing the answer happen on the thread that owns the socket, with no
/// hop to the shared task pool and back for each request. A request's work is short and CPU-bound, and there
/// is one event loop per core, so this is how the cores are shared.
struct LoopBoundHTTP1Channel: ServerChildChannel {
    let inner: HTTP1Channel
    /// A handler for each connection, put after Hummingbird's own (its connection state), just before the router.
    let last: @Sendable () -> any ChannelHandler

    static func builder(_ configuration: HTTP1Channel.Configuration, last: @escaping @Sendable () -> any ChannelHandler) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in LoopBoundHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: configuration), last: last) }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(last(), position: .after(try pipeline.handler(type: HTTPConnectionStateHandler.self)))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(loop: value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

/// Runs a task's jobs on one event loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension ChannelHandlerContext {
    /// Closes the channel once `written` completes; called on the context's event loop.
    func close(after written: EventLoopFuture<Void>) {
        let context = NIOLoopBound(self, eventLoop: eventLoop)
        written.whenComplete { _ in context.value.close(promise: nil) }
    }
}
