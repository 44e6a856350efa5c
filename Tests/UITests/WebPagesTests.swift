import Foundation
import Testing
import Tracking
@testable import UI

/// The pages of `proj ui`, rendered from a real history: what the runs table shows for each ask, the
/// compare view's charts, a run's page, bad asks, hostile names, and a long series downsampled.
@Suite struct WebPagesTests {
    static func store() throws -> TrackingStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proj-web-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return try TrackingStore(path: dir + "/t.db")
    }

    /// A finished run with `rounds` as a param, an accuracy, and a loss curve of `steps` steps.
    @discardableResult
    static func run(_ store: TrackingStore, name: String, rounds: Int, accuracy: Double, started: Int64, steps: Int = 5) throws -> String {
        let id = try store.createRun(NewRun(experiment: "demo", name: name, source: "repro", startedMs: started, gitRevision: "abc", gitDirty: false,
                                            host: "h", pid: 0))
        try store.logParams(id, [("train.rounds", String(rounds)), ("train.seed", "7")])
        var points = [MetricPoint(key: "metrics/eval.json:accuracy", step: 0, timestampMs: started, value: accuracy)]
        for s in 1...steps {
            points.append(MetricPoint(key: "plots/train_curve.csv:train_loss", step: Int64(s), timestampMs: started, value: 1 / Double(s)))
            points.append(MetricPoint(key: "plots/train_curve.csv:val_loss", step: Int64(s), timestampMs: started, value: 1.2 / Double(s)))
        }
        try store.logMetrics(id, points)
        try store.finish(id, status: .succeeded, endedMs: started + 2500)
        return id
    }

    static func query(_ pairs: [(String, String)]) -> WebQuery { WebQuery(pairs: pairs) }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func theRunsTableSortsFiltersChoosesColumnsAndPages() throws {
        let store = try Self.store()
        let a = try Self.run(store, name: "a", rounds: 100, accuracy: 0.91, started: 1_000)
        let b = try Self.run(store, name: "b", rounds: 300, accuracy: 0.95, started: 2_000)
        let c = try Self.run(store, name: "c", rounds: 50, accuracy: 0.93, started: 3_000)
        let page = RunsPage(store: store)

        func order(_ html: String) -> [String] {
            html.matches(of: /<tr data-run="([0-9a-f]+)">/).map { String($0.1) }
        }
        // Newest first by default; the summary metric and both params are columns, the curves are not.
        let plain = page.render(Self.query([]))
        #expect(plain.status == 200)
        #expect(order(plain.html) == [c, b, a])
        #expect(plain.html.contains(">train.rounds") && plain.html.contains(">metrics/eval.json:accuracy"))
        #expect(!plain.html.contains("<th><a href=\"/?sort=metrics.plots%2Ftrain_curve.csv%3Atrain_loss"))
        #expect(plain.html.contains("3 runs · page 1 of 1"))

        // By a metric, both ways; by a param as a number.
        #expect(order(page.render(Self.query([("sort", "metrics.metrics/eval.json:accuracy")])).html) == [b, c, a])
        #expect(order(page.render(Self.query([("sort", "metrics.metrics/eval.json:accuracy"), ("order", "asc")])).html) == [a, c, b])
        #expect(order(page.render(Self.query([("sort", "params.train.rounds"), ("order", "asc")])).html) == [c, a, b])

        // MLflow's filter strings.
        let filtered = page.render(Self.query([("filter", "metrics.`metrics/eval.json:accuracy` > 0.92 AND params.train.rounds != '300'")]))
        #expect(order(filtered.html) == [c])
        #expect(filtered.html.contains("1 runs · page 1 of 1"))
        #expect(order(page.render(Self.query([("filter", "attributes.run_name LIKE 'b%'")])).html) == [b])

        // Pages of two.
        #expect(order(page.render(Self.query([("n", "2")])).html) == [c, b])
        let second = page.render(Self.query([("n", "2"), ("page", "2")]))
        #expect(order(second.html) == [a] && second.html.contains("page 2 of 2") && second.html.contains("rel=\"prev\""))

        // Only the columns that differ: train.seed is 7 everywhere.
        let changed = page.render(Self.query([("changed", "1")])).html
        #expect(changed.contains("<th><a href=\"/?changed=1&amp;sort=params.train.rounds"))
        #expect(!changed.contains("sort=params.train.seed"))
        // Columns chosen by hand.
        let chosen = page.render(Self.query([("col", "params.train.seed")])).html
        #expect(chosen.contains("sort=params.train.seed") && !chosen.contains("sort=params.train.rounds") && !chosen.contains("sort=metrics."))
    }

    @Test func aBadFilterIsNamedAndShowsNoRuns() throws {
        let store = try Self.store()
        try Self.run(store, name: "a", rounds: 1, accuracy: 0.5, started: 1)
        let page = RunsPage(store: store).render(Self.query([("filter", "metrics.acc >> 2")]))
        #expect(page.status == 400)
        #expect(page.html.contains("role=\"alert\">bad filter:"))
        #expect(!page.html.contains("<tr data-run="))
        let empty = RunsPage(store: try Self.store()).render(Self.query([]))
        #expect(empty.status == 200 && empty.html.contains("No runs yet"))
    }

    @Test func oddAsksAreBoundedAndEscaped() throws {
        let store = try Self.store()
        try Self.run(store, name: "a", rounds: 1, accuracy: 0.5, started: 1)
        let page = RunsPage(store: store)
        for ask in [[("n", "-5"), ("page", "0")], [("n", "99999999"), ("page", "99999999999999999999")], [("sort", "<script>x</script>"), ("order", "sideways")],
                    [("col", "<b>bold</b>"), ("col", "metrics.<i>")], [("filter", String(repeating: "a", count: 5000))], [("experiment", "'; DROP TABLE runs; --")]] {
            let answer = page.render(Self.query(ask))
            #expect([200, 400].contains(answer.status), "\(ask)")
            #expect(!answer.html.contains("<script>x") && !answer.html.contains("<b>bold") && !answer.html.contains("<i>"), "\(ask)")
        }
        #expect(page.render(Self.query([("filter", String(repeating: "a", count: 5000))])).html.contains("the filter is longer than 4096 bytes"))
        // The history is intact after all of them.
        #expect(try store.runCount() == 1)
        #expect(RunPage(store: store).render(String(repeating: "f", count: 10_000)).status == 404)
        #expect(RunPage(store: store).render("").status == 404)
    }

    @Test func hostileNamesAreEscapedEverywhere() throws {
        let store = try Self.store()
        let hostile = "<script>alert(1)</script>"
        let id = try store.createRun(NewRun(experiment: "demo", name: hostile, source: "api", startedMs: 1, gitRevision: nil, gitDirty: nil, host: "h", pid: 0))
        try store.logParams(id, [("\"><img src=x onerror=alert(2)>", "'&<b>")])
        try store.logMetrics(id, [MetricPoint(key: "<svg onload=alert(3)>", step: 0, timestampMs: 1, value: 1),
                                  MetricPoint(key: "x</text><script>", step: 3, timestampMs: 1, value: 2),
                                  MetricPoint(key: "x</text><script>", step: 4, timestampMs: 1, value: 3)])
        try store.finish(id, status: .succeeded, endedMs: 2)
        let pages = [RunsPage(store: store).render(Self.query([])).html, ComparePage(store: store).render(Self.query([("run", id)])).html,
                     RunPage(store: store).render(id).html]
        for html in pages {
            #expect(!html.contains("<script>") && !html.contains("<img") && !html.contains("<svg onload") && !html.contains("<b>"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
        #expect(pages[2].contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
    }

    @Test func theCompareViewOverlaysOneLinePerRunAndVariant() throws {
        let store = try Self.store()
        let a = try Self.run(store, name: "a", rounds: 100, accuracy: 0.91, started: 1_000)
        let b = try Self.run(store, name: "b", rounds: 300, accuracy: 0.95, started: 2_000)
        try store.logMetrics(b, [MetricPoint(key: "metrics/eval.json:confusion_matrix.tp", step: 0, timestampMs: 1, value: 40),
                                 MetricPoint(key: "metrics/eval.json:confusion_matrix.fp", step: 0, timestampMs: 1, value: 3),
                                 MetricPoint(key: "metrics/eval.json:confusion_matrix.tn", step: 0, timestampMs: 1, value: 50),
                                 MetricPoint(key: "metrics/eval.json:confusion_matrix.fn", step: 0, timestampMs: 1, value: 7)]
                             + (0..<4).flatMap { i in
                                 [MetricPoint(key: "plots/roc.csv:fpr", step: Int64(i), timestampMs: 1, value: Double(i) / 3),
                                  MetricPoint(key: "plots/roc.csv:tpr", step: Int64(i), timestampMs: 1, value: min(1, Double(i) / 2))]
                             })
        let page = ComparePage(store: store).render(Self.query([("run", a), ("run", String(b.prefix(10)))]))
        #expect(page.status == 200)
        let html = page.html
        // One loss panel: train and validation of both runs, validation dashed.
        #expect(Self.count("data-title=\"loss · plots/train_curve.csv\"", in: html) == 1)
        #expect(Self.count("<polyline class=\"series\" data-run=\"\(a)\"", in: html) == 2)
        #expect(Self.count("<polyline class=\"series\" data-run=\"\(b)\"", in: html) == 3) // train, val, ROC
        #expect(Self.count("stroke-dasharray", in: html) >= 2)
        // What differs: rounds and accuracy, not the seed.
        #expect(html.contains("param train.rounds") && html.contains(">metrics/eval.json:accuracy<") && !html.contains("param train.seed"))
        #expect(html.contains("data-title=\"ROC · plots/roc.csv\"") && !html.contains("data-title=\"fpr"))
        #expect(html.contains("<figure class=\"chart confusion\" data-run=\"\(b)\"") && html.contains("<td>40</td><td>7</td>"))
    }

    @Test func compareAsksOutsideItsBoundsAreRefused() throws {
        let store = try Self.store()
        let ids = try (0..<11).map { try Self.run(store, name: "r\($0)", rounds: $0, accuracy: 0.5, started: Int64($0), steps: 1) }
        let page = ComparePage(store: store)
        let none = page.render(Self.query([]))
        #expect(none.status == 400 && none.html.contains("Tick two or more runs"))
        let many = page.render(Self.query(ids.map { ("run", $0) }))
        #expect(many.status == 400 && many.html.contains("11 runs were asked for: compare at most 10 at once."))
        let missing = page.render(Self.query([("run", ids[0]), ("run", "ffffffff")]))
        #expect(missing.status == 404 && missing.html.contains("no run &#39;ffffffff&#39; in the run history"))
        #expect(RunPage(store: store).render("nope").status == 404)
    }

    @Test func aRunsPageShowsStagesTheDAGDriftAndTheBundle() throws {
        let store = try Self.store()
        let id = try Self.run(store, name: "full", rounds: 10, accuracy: 0.9, started: 5)
        try store.recordStages(id, [
            StageRecord(stage: "ingest", outcome: "restored", fingerprint: "aa11", reasons: [], seconds: 0.1, outs: ["data/raw.csv": "d1"], message: nil),
            StageRecord(stage: "validate", outcome: "ran", fingerprint: "bb22", reasons: ["dep data/raw.csv changed"], seconds: 0.5, outs: [:],
                        message: nil, upstream: ["ingest"]),
            StageRecord(stage: "train", outcome: "ran", fingerprint: "cc33", reasons: ["param train.rounds changed"], seconds: 3, outs: [:],
                        message: nil, upstream: ["ingest", "validate"]),
        ])
        try store.recordDocuments(id, [
            ("reports/drift.json", #"{"threshold": 0.05, "drifted": ["b"], "columns": {"a": {"ks_statistic": 0.01, "p_value": 0.9, "drifted": false}, "b": {"ks_statistic": 0.4, "p_value": 0.001, "drifted": true}}}"#),
            ("bundle", #"{"name": "demo", "version": "0.1.1-exp.12345678", "manifest_sha256": "ff00", "signed": true, "provenance": {"tool": "proj 0.9", "stages": {"train": {"fingerprint": "cc33"}}}}"#),
        ])
        let page = RunPage(store: store).render(String(id.prefix(12)))
        #expect(page.status == 200)
        let html = page.html
        #expect(Self.count("<g class=\"stage\"", in: html) == 3)
        #expect(Self.count("marker-end=\"url(#arrow)\"", in: html) == 3)
        // validate sits in the second column, train in the third.
        #expect(html.contains("<g class=\"stage\" data-stage=\"train\" data-outcome=\"ran\"><rect x=\"356.0\""))
        #expect(html.contains("<tr data-stage=\"train\"><td>train</td><td>ran</td><td class=\"num\">3.00</td>") && html.contains("param train.rounds changed"))
        #expect(html.contains("<h2>Drift · reports/drift.json</h2>") && Self.count("<tr class=\"drifted\">", in: html) == 1)
        #expect(html.contains("0.1.1-exp.12345678") && html.contains("<h2>Provenance</h2>") && html.contains("fingerprint: cc33"))
    }

    @Test func aMillionPointSeriesReachesTheChartAsMinMaxBuckets() throws {
        let store = try Self.store()
        let id = try store.createRun(NewRun(experiment: "demo", name: "long", source: "api", startedMs: 1, gitRevision: nil, gitDirty: nil, host: "h", pid: 0))
        let n = 1_000_000
        var points = [MetricPoint]()
        points.reserveCapacity(n)
        for s in 0..<n {
            // A slow wave with one spike and one dip that a plain every-k-th sample would miss, and a NaN.
            let value = s == 777_777 ? 50.0 : s == 123_457 ? -40.0 : s == 500_001 ? Double.nan : sin(Double(s) / 50_000)
            points.append(MetricPoint(key: "loss", step: Int64(s), timestampMs: 1, value: value))
        }
        try store.logMetrics(id, points)
        let series = try store.series(id, key: "loss", maxPoints: 1000)
        #expect(series.downsampled && series.total == n && series.nonFinite == 1)
        #expect(series.points.count <= 1000 && series.points.count >= 900)
        // Each extreme is drawn in the middle of its step range (2000 steps wide).
        #expect(series.points.contains { abs($0.step - 777_777) <= 1000 && $0.value == 50 })
        #expect(series.points.contains { abs($0.step - 123_457) <= 1000 && $0.value == -40 })
        #expect(zip(series.points, series.points.dropFirst()).allSatisfy { $0.step <= $1.step })
        let short = try store.series(id, key: "loss", maxPoints: 2_000_000)
        #expect(!short.downsampled && short.points.count == n - 1)

        let html = RunPage(store: store).render(id).html
        #expect(html.contains("of 1000000 points drawn (min/max per step range); 1 NaN or infinite points not drawn"))
        #expect(Self.count("<polyline class=\"series\"", in: html) == 1)
    }

    @Test func ticksAreRoundAndInsideTheRange() {
        #expect(LineChart.ticks(0...1).count == 6 && LineChart.ticks(0...1).first == 0 && LineChart.ticks(0...1).last == 1)
        #expect(LineChart.ticks(3...297) == [50, 100, 150, 200, 250])
        #expect(LineChart.ticks(-0.37 ... -0.31).allSatisfy { (-0.37 ... -0.31).contains($0) })
        #expect(LineChart.padded(2...2) == 1.8...2.2 && LineChart.padded(0...0) == -1...1)
        #expect(HTML.encode("a b/ü") == "a%20b%2F%C3%BC")
        // Query strings as a form sends them: + for spaces, escapes, repeated keys, a bad escape kept.
        #expect(WebQuery.decode("filter=metrics.acc+%3E+0.9&run=a&run=b&flag&bad=%ZZ+x").map { "\($0.0)=\($0.1)" }
                == ["filter=metrics.acc > 0.9", "run=a", "run=b", "flag=", "bad=%ZZ x"])
        #expect(WebQuery.decode("q=%2B1") .first?.1 == "+1")
    }
}
