/// The request-level states of `QuickPredictions`, apart from its channel: where each part of a request goes
/// (gathered for the event loop, or on to the router) and how many answers the router still owes, which keeps
/// answers in the requests' order. Pure and generic over the request head, so each transition is unit-tested
/// on its own (as Hummingbird's `HTTPConnectionStateHandler` keeps its state machine apart).
struct QuickPredictionsState<Head> {
    private enum State {
        case idle
        /// A request the event loop may answer, its body being gathered.
        case reading(PredictionRoute, Head, started: ContinuousClock.Instant)
        /// A request handed to the router, its parts passed on as they come.
        case passing
    }

    private var state = State.idle
    /// Requests handed to the router whose answers have not ended yet.
    private(set) var routed = 0

    enum HeadAction { case gather, forward }
    enum BodyAction {
        case append
        /// Over the size limit: the head and the body so far go to the router, then this part.
        case handOver(Head)
        case forward
    }
    enum EndAction {
        case answer(PredictionRoute, Head, started: ContinuousClock.Instant)
        case forward
    }

    /// A request's head; `route` is the prediction route the event loop could answer it on (nil: none). It is
    /// gathered only when nothing handed to the router is still being answered, so answers keep their order.
    mutating func head(_ head: Head, route: PredictionRoute?, now: ContinuousClock.Instant) -> HeadAction {
        guard case .idle = state else { return .forward }
        if routed == 0, let route {
            state = .reading(route, head, started: now)
            return .gather
        }
        routed += 1
        state = .passing
        return .forward
    }

    /// A part of the body; `fits` when the body gathered so far and this part are within the size limit.
    mutating func body(fits: Bool) -> BodyAction {
        guard case .reading(_, let head, _) = state else { return .forward }
        if fits { return .append }
        routed += 1
        state = .passing
        return .handOver(head)
    }

    /// The request's end: a gathered request is the event loop's to answer.
    mutating func end() -> EndAction {
        switch state {
        case .reading(let route, let head, let started):
            state = .idle
            return .answer(route, head, started: started)
        case .passing:
            state = .idle
            return .forward
        case .idle:
            return .forward
        }
    }

    /// The event loop did not answer the request `end()` gave it: it went to the router whole.
    mutating func notAnswered() { routed += 1 }

    /// The router finished an answer.
    mutating func answerEnded() { routed = max(0, routed - 1) }

    /// The handler left the pipeline.
    mutating func reset() { state = .idle }
}
