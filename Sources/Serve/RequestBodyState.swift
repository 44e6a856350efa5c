/// `RequestBodyHandler`'s states apart from its channel: the current request's deadline (from its head until
/// its end), whether its answer has begun, when a timer is due, and what a timer that fires must do. Pure and
/// generic over the clock's instant, so each transition is unit-tested on its own.
struct RequestBodyState<Instant> {
    /// When the current request's body must be in; nil once it is (or before any request).
    private(set) var deadline: Instant?
    /// Whether the answer to the current request has begun (then a timeout can only close).
    private(set) var answering = false

    enum Timeout: Equatable {
        /// Answer 408 naming the limit, then close.
        case answer
        /// The answer has begun: only close.
        case close
    }

    /// A request's head: its body is due by `deadline`. True when `Expect: 100-continue` is to be answered.
    mutating func head(deadline: Instant, expectsContinue: Bool) -> Bool {
        answering = false
        self.deadline = deadline
        return expectsContinue
    }

    /// The request's end: no deadline any more.
    mutating func end() { deadline = nil }

    /// A read ended: the instant a timer must be set for, when the request is still incomplete and none is set.
    func timerDue(timerSet: Bool) -> Instant? { timerSet ? nil : deadline }

    /// The answer's head was written.
    mutating func answerStarted() { answering = true }

    /// The timer fired.
    mutating func timerFired() -> Timeout {
        deadline = nil
        guard !answering else { return .close }
        answering = true
        return .answer
    }

    /// The connection closed or the handler left: nothing is due.
    mutating func stopped() { deadline = nil }
}
