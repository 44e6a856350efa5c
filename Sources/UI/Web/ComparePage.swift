import Tracking

/// `/compare?run=A&run=B...`: the ticked runs side by side: the params and metrics that differ, and their
/// charts overlaid (one color per run), their ROC curves and confusion matrices.
struct ComparePage {
    let store: TrackingStore
    static let maxRuns = 10

    func render(_ q: WebQuery) -> (status: Int, html: String) {
        var references: [String] = []
        for reference in q.all("run") where !references.contains(reference) { references.append(reference) }
        guard !references.isEmpty else { return problem(400, "Tick two or more runs in the runs table to compare them.") }
        guard references.count <= ComparePage.maxRuns else {
            return problem(400, "\(references.count) runs were asked for: compare at most \(ComparePage.maxRuns) at once.")
        }
        do {
            var runs: [RunSummary] = []
            for reference in references {
                let id: String
                do { id = try store.resolve(reference) } catch { return problem(404, error.description) }
                guard let detail = try store.run(id) else { return problem(404, "no run '\(reference)' in the run history") }
                runs.append(detail.summary)
            }
            var body = "<h1>Compare \(runs.count) runs</h1><p>"
            for (i, run) in runs.enumerated() {
                body += "<span class=\"legend\" data-run=\"\(HTML.escape(run.id))\"><span class=\"swatch\" style=\"background:\(LineChart.color(i))\"></span>"
                body += "<a href=\"/runs/\(HTML.encode(run.id))\">\(HTML.escape(RunCharts.label(run)))</a></span> "
            }
            body += "</p>" + ComparePage.differences(runs) + (try RunCharts(store: store).html(runs))
            return (200, Layout.page(title: "Compare runs", body: body))
        } catch {
            return problem(503, "The run history cannot be read: \(error)")
        }
    }

    func problem(_ status: Int, _ message: String) -> (status: Int, html: String) {
        (status, Layout.page(title: "Compare runs", body: "<h1>Compare runs</h1>" + Layout.problem(message) + "<p><a href=\"/\">Back to the runs</a></p>"))
    }

    /// The params and single-step metrics whose values differ between the runs (all of them for one run).
    static func differences(_ runs: [RunSummary]) -> String {
        let columns = RunTable.columns(runs, onlyChanged: runs.count > 1)
        let metrics = columns.metrics.filter { key in !runs.contains { ($0.metrics[key]?.step ?? 0) > 0 } }
        guard !columns.params.isEmpty || !metrics.isEmpty else { return "<p class=\"note\">The runs have the same params and metrics.</p>" }
        var out = "<h2>\(runs.count > 1 ? "What differs" : "Params and metrics")</h2><div class=\"scroll\"><table id=\"differences\"><thead><tr><th></th>"
        out += runs.map { "<th>\(HTML.escape(RunCharts.label($0)))</th>" }.joined() + "</tr></thead><tbody>"
        for key in columns.params {
            out += "<tr><th>param \(HTML.escape(key))</th>" + runs.map { "<td>\(HTML.escape($0.params[key] ?? "-"))</td>" }.joined() + "</tr>"
        }
        for key in metrics {
            out += "<tr><th>\(HTML.escape(key))</th>" + runs.map { "<td class=\"num\">\(HTML.escape(RunTable.text($0.metrics[key]?.value)))</td>" }.joined() + "</tr>"
        }
        return out + "</tbody></table></div>"
    }
}
