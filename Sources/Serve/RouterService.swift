import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import UnixSignals
import Synchronization

/// The HTTP server around the router: what Hummingbird's `Application.run` does (each request through the
/// router, a `Date` and `Server` header on each answer, a 500 for an error no middleware turned into one),
/// with the `Date` header from `HTTPDate` rather than Hummingbird's date cache. That cache builds a Gregorian
/// `Calendar`, which loads ICU's time-zone code and data: about 5 MiB resident that a model server has no use for.
struct RouterService: Sendable {
    let responder: RouterResponder<BasicRequestContext>
    let server: HTTPServerBuilder
    let configuration: ServerConfiguration
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    let onServerRunning: @Sendable (any Channel) async -> Void

    /// An answer could not be written because the request turned out malformed; the connection is closed
    /// (an `HTTPParserError` here would make the channel write a second response).
    struct MalformedWhileWriting: Error {}

    /// Serves until one of `signals` arrives, then stops accepting and lets requests in flight finish.
    func run(gracefulShutdownSignals signals: [UnixSignal]) async throws {
        let date = Mutex(HTTPDate())
        let server = try server.buildServer(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger) {
            [responder, logger, serverName = configuration.serverName] request, writer, channel in
            let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                logger.debug("unhandled error: \(error)")
                response = Response(status: .internalServerError, body: .init())
            }
            response.headers[.date] = date.withLock { $0.now }
            if let serverName { response.headers[.server] = serverName }
            do {
                try await writer.write(response: response.head, body: response.body)
            } catch is HTTPParserError {
                throw MalformedWhileWriting()
            }
        } onServerRunning: { await onServerRunning($0) }
        try await ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: signals, logger: logger)).run()
    }
}
