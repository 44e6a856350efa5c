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
        /// The model a curve belongs to (`xgboost` of `xgboost/val_loss`), or empty.
        var model: String
        var metric: String
        var keys: [(key: String, variant: String)] = []

        var title: String { ([metric, model, file].filter { !$0.isEmpty }).joined(separator: " · ") }
    }

    func html(_ runs: [RunSummary]) throws(TrackingError) -> String {
        var out = ""
        let (panels, roc) = RunCharts.layout(runs)
        var charts: [String] = [], single: [(key: String, values: [Double?])] = []
        var undrawn = 0
        for panel in panels {
            // Past the page's share of panels nothing more is read.
            guard charts.count < maxPanels else {
                undrawn += 1
                continue
            }
            let lines = try self.lines(panel, runs)
            if lines.contains(where: { $0.line.points.count > 1 }) {
                charts.append(RunCharts.chart(panel, lines))
            } else {
                // A curve of one step (a linear model, a single forest) is a value, not a chart.
                for (key, _) in panel.keys {
                    single.append((key, runs.map { run in lines.first { $0.line.run == run.id && $0.key == key }?.line.points.first?.y }))
                }
            }
        }
        if !charts.isEmpty {
            out += "<h2>Per step</h2><div class=\"charts\">" + charts.joined() + "</div>"
            if undrawn > 0 { out += "<p class=\"note\">\(undrawn) more panels are not drawn.</p>" }
        }
        if !single.isEmpty {
            out += "<h2>Curves of one step</h2><div class=\"scroll\"><table id=\"single-step\"><thead><tr><th></th>"
            out += runs.map { "<th>\(HTML.escape(RunCharts.label($0)))</th>" }.joined() + "</tr></thead><tbody>"
            for (key, values) in single {
                out += "<tr><th>\(HTML.escape(key))</th>" + values.map { "<td class=\"num\">\(HTML.escape(RunTable.text($0)))</td>" }.joined() + "</tr>"
            }
            out += "</tbody></table></div>"
        }
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

    /// The panels for `runs`' per-step metrics (latest step above 0) and the files with a ROC curve.
    static func layout(_ runs: [RunSummary]) -> (panels: [Panel], roc: [String]) {
        var keys = Set<String>()
        for run in runs {
            for (key, point) in run.metrics where point.step > 0 { keys.insert(key) }
        }
        let roc = Set(keys.compactMap { key -> String? in
            let (file, name) = split(key)
            return name == "fpr" && keys.contains(file + ":tpr") ? file : nil
        })
        var panels: [String: Panel] = [:]
        for key in keys.sorted() {
            let (file, fullName) = split(key)
            if roc.contains(file) && ["fpr", "tpr", "threshold", "thresholds"].contains(fullName) { continue }
            let slash = fullName.lastIndex(of: "/")
            let model = slash.map { String(fullName[..<$0]) } ?? "", name = slash.map { String(fullName[fullName.index(after: $0)...]) } ?? fullName
            var variant = "", metric = name
            if let prefix = variants.first(where: { name.hasPrefix($0) && name.count > $0.count }) {
                variant = String(prefix.dropLast())
                metric = String(name.dropFirst(prefix.count))
            }
            panels[file + "\u{0}" + model + "\u{0}" + metric, default: Panel(file: file, model: model, metric: metric)].keys.append((key, variant))
        }
        let ordered = panels.values.sorted { a, b in
            let ra = preferred.firstIndex(of: a.metric) ?? preferred.count, rb = preferred.firstIndex(of: b.metric) ?? preferred.count
            return (a.file, a.model, ra, a.metric) < (b.file, b.model, rb, b.metric)
        }
        return (ordered, roc.sorted())
    }

    /// `file:name` split at its last colon (a key without one is its own name).
    static func split(_ key: String) -> (file: String, name: String) {
        guard let colon = key.lastIndex(of: ":") else { return ("", key) }
        return (String(key[..<colon]), String(key[key.index(after: colon)...]))
    }

    static func label(_ run: RunSummary) -> String { run.name.isEmpty ? String(run.id.prefix(8)) : run.name }

    /// One line of a panel: the key it draws, and how many points it stands for (all of them, and the NaN or infinite ones).
    struct Drawn {
        var key: String
        var line: LineChart.Line
        var total: Int
        var nonFinite: Int
    }

    /// A panel's lines, one per run and variant.
    func lines(_ panel: Panel, _ runs: [RunSummary]) throws(TrackingError) -> [Drawn] {
        var lines: [Drawn] = []
        for (i, run) in runs.enumerated() {
            for (key, variant) in panel.keys where run.metrics[key] != nil {
                let series = try store.series(run.id, key: key, maxPoints: maxPoints)
                let dashed = !variant.isEmpty && !RunCharts.variants.prefix(3).contains(variant + "_")
                lines.append(Drawn(key: key, line: LineChart.Line(label: RunCharts.label(run) + (variant.isEmpty ? "" : " " + variant), run: run.id,
                                                  color: LineChart.color(i), dashed: dashed,
                                                  points: series.points.map { (Double($0.step), $0.value) }), total: series.total, nonFinite: series.nonFinite))
            }
        }
        return lines
    }

    static func chart(_ panel: Panel, _ lines: [Drawn]) -> String {
        let drawn = lines.reduce(0) { $0 + $1.line.points.count }, total = lines.reduce(0) { $0 + $1.total }
        let nonFinite = lines.reduce(0) { $0 + $1.nonFinite }
        var notes: [String] = []
        if drawn < total - nonFinite { notes.append("\(drawn) of \(total) points drawn (min/max per step range)") }
        if nonFinite > 0 { notes.append("\(nonFinite) NaN or infinite points not drawn") }
        return LineChart(title: panel.title, xLabel: "step", lines: lines.map(\.line), note: notes.isEmpty ? nil : notes.joined(separator: "; ")).html()
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
