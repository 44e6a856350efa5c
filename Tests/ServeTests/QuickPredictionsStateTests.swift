@testable import Serve
import Testing

/// `QuickPredictions`' state machine on its own: which parts are gathered for the event loop, which go on to
/// the router, and that nothing is gathered while the router still owes an answer (so answers keep the
/// requests' order).
@Suite struct QuickPredictionsStateTests {
    let route = PredictionRoute.all[0]
    let now = ContinuousClock.now

    func answered(_ action: QuickPredictionsState<String>.EndAction) -> String? {
        if case .answer(_, let head, _) = action { return head }
        return nil
    }

    @Test func aRequestOnAPredictionRouteIsGatheredAndGivenToTheEventLoop() {
        var state = QuickPredictionsState<String>()
        guard case .gather = state.head("a", route: route, now: now) else { Issue.record("not gathered"); return }
        guard case .append = state.body(fits: true) else { Issue.record("body not appended"); return }
        guard case .append = state.body(fits: true) else { Issue.record("second part not appended"); return }
        #expect(answered(state.end()) == "a")
        #expect(state.routed == 0)
        // The next request is gathered too.
        guard case .gather = state.head("b", route: route, now: now) else { Issue.record("next not gathered"); return }
    }

    @Test func otherRequestsGoToTheRouterAndHoldBackLaterOnesUntilAnswered() {
        var state = QuickPredictionsState<String>()
        guard case .forward = state.head("GET /metrics", route: nil, now: now) else { Issue.record("gathered a request with no route"); return }
        #expect(state.routed == 1)
        guard case .forward = state.body(fits: true) else { Issue.record("a routed body was gathered"); return }
        #expect(answered(state.end()) == nil)
        // Pipelined behind it, a prediction request must wait its turn: it goes to the router as well.
        guard case .forward = state.head("b", route: route, now: now) else { Issue.record("gathered while the router owes an answer"); return }
        #expect(answered(state.end()) == nil)
        #expect(state.routed == 2)
        state.answerEnded()
        state.answerEnded()
        state.answerEnded()  // never below zero
        #expect(state.routed == 0)
        guard case .gather = state.head("c", route: route, now: now) else { Issue.record("not gathered once the router caught up"); return }
    }

    @Test func aBodyOverTheLimitIsHandedOverWithItsHead() {
        var state = QuickPredictionsState<String>()
        _ = state.head("big", route: route, now: now)
        guard case .append = state.body(fits: true) else { Issue.record("first part not appended"); return }
        guard case .handOver(let head) = state.body(fits: false) else { Issue.record("not handed over"); return }
        #expect(head == "big" && state.routed == 1)
        // The rest of it follows to the router.
        guard case .forward = state.body(fits: true) else { Issue.record("rest gathered"); return }
        #expect(answered(state.end()) == nil)
    }

    @Test func anUnansweredRequestIsCountedAsTheRoutersAndResetForgetsAHalfRead() {
        var state = QuickPredictionsState<String>()
        _ = state.head("odd shape", route: route, now: now)
        #expect(answered(state.end()) == "odd shape")
        state.notAnswered()
        #expect(state.routed == 1)
        guard case .forward = state.head("next", route: route, now: now) else { Issue.record("gathered while the router owes an answer"); return }
        var fresh = QuickPredictionsState<String>()
        _ = fresh.head("half", route: route, now: now)
        fresh.reset()
        #expect(answered(fresh.end()) == nil)
    }
}
