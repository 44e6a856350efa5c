@testable import Serve
import Testing

/// `RequestBodyHandler`'s state machine on its own: a deadline from each head to its end, a timer only for a
/// request still incomplete when a read ends, and a timeout that answers 408 only before the answer began.
@Suite struct RequestBodyStateTests {
    @Test func aCompleteRequestNeedsNoTimer() {
        var state = RequestBodyState<Int>()
        #expect(state.timerDue(timerSet: false) == nil)
        let answersContinue = state.head(deadline: 10, expectsContinue: false)
        #expect(!answersContinue)
        state.end()
        #expect(state.timerDue(timerSet: false) == nil)
    }

    @Test func anIncompleteBodyGetsOneTimerAndA408() {
        var state = RequestBodyState<Int>()
        let answersContinue = state.head(deadline: 10, expectsContinue: true)
        #expect(answersContinue, "100-continue is to be answered")
        #expect(state.timerDue(timerSet: false) == 10)
        #expect(state.timerDue(timerSet: true) == nil, "a second timer while one is set")
        var timeout = state.timerFired()
        #expect(timeout == .answer)
        #expect(state.deadline == nil && state.answering)
        // Fired again (a late timer): the answer has begun, so it only closes.
        timeout = state.timerFired()
        #expect(timeout == .close)
    }

    @Test func aTimeoutAfterTheAnswerBeganOnlyCloses() {
        var state = RequestBodyState<Int>()
        _ = state.head(deadline: 5, expectsContinue: false)
        state.answerStarted()
        var timeout = state.timerFired()
        #expect(timeout == .close)
        // The next request starts afresh: its own deadline, its answer not begun.
        _ = state.head(deadline: 20, expectsContinue: false)
        #expect(state.deadline == 20 && !state.answering)
        timeout = state.timerFired()
        #expect(timeout == .answer)
    }

    @Test func aClosedConnectionHasNothingDue() {
        var state = RequestBodyState<Int>()
        _ = state.head(deadline: 5, expectsContinue: false)
        state.stopped()
        #expect(state.timerDue(timerSet: false) == nil)
    }
}
