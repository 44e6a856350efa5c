import Foundation
import Tracking

/// The charts of one or more runs, overlaid run by run: a panel per per-step metric (train and validation
/// variants of one metric share a panel, validation dashed), a ROC curve per file that has `fpr` and `tpr`
/// columns, and each run's confusion matrix. Series come from the store downsampled to `maxPoints`.
struct RunCharts {
    let store: TrackingStore
    var maxPoints = 1000
    /// At most this many metric panels on a page.
    var maxPanels = 24

    /// Prefixes that name a variant of a metric; those after the first three are drawn dashed.
    static let variants = ["train_", "training_", "trn_", "val_", "validation_", "valid_", "test_", "eval_"]
    /// Panels in this order first (the old system's), then by name.
    static let preferred = ["loss", "accuracy", "acc", "precision", "recall", "f1", "auc"]

    struct Panel {
        var file: String
        var metric: String
        var keys: [(key: String, variant: String)] = []
    }

    func html(_ runs: [RunSummary]) throws(TrackingError) -> String {
        var out = ""
        let (panels, roc, skipped) = RunCharts.layout(runs)
        if !panels.isEmpty {
            out += "<h2>Per step</h2><div class=\"charts\">"
            for panel in panels.prefix(maxPanels) { out += try chart(panel, runs) }
            out += "</div>"
            if panels.count > maxPanels { out += "<p class=\"note\">\(panels.count - maxPanels) more panels are not drawn.</p>" }
        }
        if skipped > 0 { out += "<p class=\"note\">\(skipped) series hold a single step and are in the metrics table.</p>" }
        if !roc.isEmpty {
            out += "<h2>ROC curve</h2><div class=\"charts\">"
            for file in roc { out += try rocChart(file, runs) }
            out += "</div>"
        }
        let matrices = runs.enumerated().compactMap { i, run in RunCharts.confusion(run).map { (i, run, $0) } }
        if !matrices.isEmpty {
            out += "<h2>Confusion matrix</h2><div class=\"charts\">"
            for (i, run, cells) in matrices { out += RunCharts.confusionTable(run, color: LineChart.color(i), cells) }
            out += "</div>"
        }
        return out
    }

    /// The panels for `runs`' per-step metrics (latest step above 0), the files with a ROC curve, and how
    /// many keys were left out for holding one step.
    static func layout(_ runs: [RunSummary]) -> (panels: [Panel], roc: [String], skipped: Int) {
        var keys = Set<String>(), all = Set<String>()
        for run in runs {
            for (key, point) in run.metrics {
                all.insert(key)
                if point.step > 0 { keys.insert(key) }
            }
        }
        let roc = Set(keys.compactMap { key -> String? in
            let (file, name) = split(key)
            return name == "fpr" && keys.contains(file + ":tpr") ? file : nil
        })
        var panels: [String: Panel] = [:]
        for key in keys.sorted() {
            let (file, name) = split(key)
            if roc.contains(file) && ["fpr", "tpr", "threshold", "thresholds"].contains(name) { continue }
            var variant = "", metric = name
            if let prefix = variants.first(where: { name.hasPrefix($0) && name.count > $0.count }) {
                variant = String(prefix.dropLast())
                metric = String(name.dropFirst(prefix.count))
            }
            panels[file + "\u{0}" + metric, default: Panel(file: file, metric: metric)].keys.append((key, variant))
        }
        let ordered = panels.values.sorted { a, b in
            let ra = preferred.firstIndex(of: a.metric) ?? preferred.count, rb = preferred.firstIndex(of: b.metric) ?? preferred.count
            return (ra, a.file, a.metric) < (rb, b.file, b.metric)
        }
        let multiStep = Set(ordered.flatMap { $0.keys.map(\.key) }).union(roc.flatMap { [$0 + ":fpr", $0 + ":tpr"] })
        let skipped = all.filter { key in !multiStep.contains(key) && runs.contains { ($0.metrics[key]?.step ?? 0) > 0 } }.count
        return (ordered, roc.sorted(), skipped)
    }

    /// `file:name` split at its last colon (a key without one is its own name).
    static func split(_ key: String) -> (file: String, name: String) {
        guard let colon = key.lastIndex(of: ":") else { return ("", key) }
        return (String(key[..<colon]), String(key[key.index(after: colon)...]))
    }

    static func label(_ run: RunSummary) -> String { run.name.isEmpty ? String(run.id.prefix(8)) : run.name }

    func chart(_ panel: Panel, _ runs: [RunSummary]) throws(TrackingError) -> String {
        var lines: [LineChart.Line] = []
        var drawn = 0, total = 0, nonFinite = 0
        for (i, run) in runs.enumerated() {
            for (key, variant) in panel.keys where run.metrics[key] != nil {
                let series = try store.series(run.id, key: key, maxPoints: maxPoints)
                drawn += series.points.count
                total += series.total
                nonFinite += series.nonFinite
                let dashed = !variant.isEmpty && !RunCharts.variants.prefix(3).contains(variant + "_")
                lines.append(LineChart.Line(label: RunCharts.label(run) + (variant.isEmpty ? "" : " " + variant), run: run.id,
                                            color: LineChart.color(i), dashed: dashed,
                                            points: series.points.map { (Double($0.step), $0.value) }))
            }
        }
        var notes: [String] = []
        if drawn < total - nonFinite { notes.append("\(drawn) of \(total) points drawn (min/max per step range)") }
        if nonFinite > 0 { notes.append("\(nonFinite) NaN or infinite points not drawn") }
        let title = panel.file.isEmpty ? panel.metric : "\(panel.metric) · \(panel.file)"
        return LineChart(title: title, xLabel: "step", lines: lines, note: notes.isEmpty ? nil : notes.joined(separator: "; ")).html()
    }

    func rocChart(_ file: String, _ runs: [RunSummary]) throws(TrackingError) -> String {
        var lines: [LineChart.Line] = []
        for (i, run) in runs.enumerated() where run.metrics[file + ":fpr"] != nil {
            let fpr = try store.series(run.id, key: file + ":fpr", maxPoints: 100_000)
            let tpr = Dictionary(try store.series(run.id, key: file + ":tpr", maxPoints: 100_000).points.map { ($0.step, $0.value) },
                                 uniquingKeysWith: { $1 })
            let points = fpr.points.compactMap { p in tpr[p.step].map { (x: p.value, y: $0) } }
            let auc = run.metrics.first { RunCharts.split($0.key).name == "roc_auc" }?.value.value
            lines.append(LineChart.Line(label: RunCharts.label(run) + (auc.map { " (AUC \(HTML.number($0)))" } ?? ""), run: run.id,
                                        color: LineChart.color(i), dashed: false, points: points))
        }
        lines.append(LineChart.Line(label: "chance", run: "", color: "#c3c9d0", dashed: true, points: [(0, 0), (1, 1)]))
        return LineChart(title: "ROC · \(file)", xLabel: "false positive rate", lines: lines, note: nil, xRange: 0...1, yRange: 0...1).html()
    }

    /// The four cells of a run's confusion matrix (`…confusion_matrix.tp/fp/tn/fn` metrics), or nil.
    static func confusion(_ run: RunSummary) -> (tp: Double, fp: Double, tn: Double, fn: Double)? {
        guard let key = run.metrics.keys.sorted().first(where: { $0.hasSuffix("confusion_matrix.tp") }) else { return nil }
        let prefix = String(key.dropLast(2))
        guard let tp = run.metrics[prefix + "tp"]?.value, let fp = run.metrics[prefix + "fp"]?.value,
              let tn = run.metrics[prefix + "tn"]?.value, let fn = run.metrics[prefix + "fn"]?.value else { return nil }
        return (tp, fp, tn, fn)
    }

    static func confusionTable(_ run: RunSummary, color: String, _ c: (tp: Double, fp: Double, tn: Double, fn: Double)) -> String {
        """
        <figure class="chart confusion" data-run="\(HTML.escape(run.id))"><table class="confusion">\
        <caption><span class="swatch" style="background:\(color)"></span>\(HTML.escape(label(run)))</caption>\
        <tr><th></th><th>predicted positive</th><th>predicted negative</th></tr>\
        <tr><th>actual positive</th><td>\(HTML.number(c.tp))</td><td>\(HTML.number(c.fn))</td></tr>\
        <tr><th>actual negative</th><td>\(HTML.number(c.fp))</td><td>\(HTML.number(c.tn))</td></tr></table></figure>
        """
    }
}
