import Foundation
@testable import Serve
import Synchronization
import Testing

/// When the server gives a burst's memory back: once per burst, after a look that saw no new answers;
/// never under steady load, never before the first request, never twice for the same quiet spell.
@Suite struct QuietReleaseTests {
    @Test func theWatchReleasesOnceAfterEachBurstHasGoneQuiet() {
        var watch = QuietRelease.Watch()
        // The answered count at each look, and whether that look releases:
        let looks: [(answered: Int, releases: Bool)] = [
            // idle from the start: nothing to give back;
            (0, false), (0, false),
            // a burst, answers at every look: no release while it lasts;
            (40, false), (95, false), (180, false),
            // the first look with no new answers releases, the quiet looks after it do not;
            (180, true), (180, false), (180, false),
            // one more request, then quiet: one more release.
            (181, false), (181, true), (181, false),
        ]
        let got = looks.map { watch.look(answered: $0.answered) }
        #expect(got == looks.map(\.releases))
    }

    @Test func theTimerReleasesAfterABurstAndNotBeforeIt() {
        let answered = Atomic<Int>(0), releases = Atomic<Int>(0)
        let quiet = QuietRelease(interval: .milliseconds(20), answered: { answered.load(ordering: .relaxed) },
                                 release: { releases.add(1, ordering: .relaxed) })
        defer { quiet.cancel() }
        func waitFor(_ count: Int) -> Bool {
            var waited = 0
            while releases.load(ordering: .relaxed) < count, waited < 500 {
                usleep(10_000)
                waited += 1
            }
            return releases.load(ordering: .relaxed) == count
        }
        // Several looks with nothing answered: no release.
        usleep(150_000)
        #expect(releases.load(ordering: .relaxed) == 0)
        answered.store(12, ordering: .relaxed)
        #expect(waitFor(1), "no release after the first burst")
        // Quiet for many more looks: still one.
        usleep(150_000)
        #expect(releases.load(ordering: .relaxed) == 1)
        answered.store(30, ordering: .relaxed)
        #expect(waitFor(2), "no release after the second burst")
    }
}
