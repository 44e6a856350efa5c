import Foundation
import Tracking

/// The runs table (`/`): filter (MLflow's filter strings), sort by any column, choose columns or only
/// those that differ, a page at a time; ticked runs go to the compare view.
struct RunsPage {
    let store: TrackingStore

    /// What the page asks for, read from its query.
    struct Ask {
        var experiment: String?
        var filterText: String
        var sort: String
        var descending: Bool
        var columns: [String]
        var onlyChanged: Bool
        var page: Int
        var size: Int

        init(_ q: WebQuery) {
            experiment = q.first("experiment").flatMap { $0.isEmpty ? nil : $0 }
            filterText = q.first("filter") ?? ""
            sort = q.first("sort").flatMap { $0.isEmpty ? nil : $0 } ?? "started"
            descending = q.first("order") != "asc"
            columns = q.all("col")
            onlyChanged = q.first("changed") == "1"
            page = q.int("page", 1, in: 1...1_000_000)
            size = q.int("n", 50, in: 1...500)
        }
    }

    func render(_ q: WebQuery) -> (status: Int, html: String) {
        let ask = Ask(q)
        do {
            let filter: RunFilter?
            do { filter = try RunFilter.given(ask.filterText) } catch { return problem(ask, q, error.message) }
            let (runs, total) = try page(ask, filter)
            let columns = RunsPage.columns(ask, runs: runs)
            return (200, Layout.page(title: "Runs", body: controls(ask, q, columns: columns) + table(ask, q, runs: runs, total: total, shown: columns.shown)))
        } catch {
            return (503, Layout.page(title: "Runs", body: Layout.problem("The run history cannot be read: \(error)")))
        }
    }

    func problem(_ ask: Ask, _ q: WebQuery, _ message: String) -> (status: Int, html: String) {
        (400, Layout.page(title: "Runs", body: controls(ask, q, columns: RunsPage.columns(ask, runs: [])) + Layout.problem(message)))
    }

    /// The runs on the asked page and how many match. The newest first, unfiltered, is one page read by the
    /// database; anything else reads every run with only the keys the filter and the sort need, filters and
    /// sorts them here, and reads the page's runs in full.
    func page(_ ask: Ask, _ filter: RunFilter?) throws(TrackingError) -> (runs: [RunSummary], total: Int) {
        let offset = (ask.page - 1) * ask.size
        if filter == nil && ask.sort == "started" && ask.descending {
            return (try store.runs(experiment: ask.experiment, limit: ask.size, offset: offset), try store.runCount(experiment: ask.experiment))
        }
        var sortKeys: (params: Set<String>, metrics: Set<String>) = ([], [])
        if ask.sort.hasPrefix("params.") { sortKeys.params.insert(String(ask.sort.dropFirst(7))) }
        if ask.sort.hasPrefix("metrics.") { sortKeys.metrics.insert(String(ask.sort.dropFirst(8))) }
        // No filter keeps every run: the one that matches all.
        let runs = RunsPage.sorted(try (filter ?? RunFilter.all).matching(store, experiment: ask.experiment, also: sortKeys),
                                   by: ask.sort, descending: ask.descending)
        return (try store.runs(ids: runs.dropFirst(offset).prefix(ask.size).map(\.id)), runs.count)
    }

    static func sorted(_ runs: [RunSummary], by column: String, descending: Bool) -> [RunSummary] {
        func order<T: Comparable>(_ key: (RunSummary) -> T) -> [RunSummary] {
            runs.enumerated().sorted { a, b in
                let x = key(a.element), y = key(b.element)
                return x == y ? a.offset < b.offset : (descending ? x > y : x < y)
            }.map(\.element)
        }
        switch column {
        case "started": return order(\.startedMs)
        case "name": return order(\.name)
        case "status": return order(\.status.rawValue)
        case "duration": return order { ($0.endedMs ?? $0.startedMs) - $0.startedMs }
        default:
            let key = column.hasPrefix("params.") ? String(column.dropFirst(7)) : column.hasPrefix("metrics.") ? String(column.dropFirst(8)) : column
            return RunTable.sorted(runs, by: key, descending: descending)
        }
    }

    /// The columns shown: those asked for, else every param and every metric with a single step (the
    /// summaries: per-step series are charts); with `onlyChanged`, only those whose value differs.
    static func columns(_ ask: Ask, runs: [RunSummary]) -> (available: RunTable.Columns, shown: RunTable.Columns) {
        let available = RunTable.columns(runs, onlyChanged: false)
        var shown = available
        if ask.columns.isEmpty {
            shown.metrics = available.metrics.filter { key in !runs.contains { ($0.metrics[key]?.step ?? 0) > 0 } }
        } else {
            shown.params = ask.columns.filter { $0.hasPrefix("params.") }.map { String($0.dropFirst(7)) }
            shown.metrics = ask.columns.filter { $0.hasPrefix("metrics.") }.map { String($0.dropFirst(8)) }
        }
        if ask.onlyChanged {
            let changed = RunTable.columns(runs, onlyChanged: true)
            shown.params = shown.params.filter(changed.params.contains)
            shown.metrics = shown.metrics.filter(changed.metrics.contains)
        }
        return (available, shown)
    }

    func controls(_ ask: Ask, _ q: WebQuery, columns: (available: RunTable.Columns, shown: RunTable.Columns)) -> String {
        let (available, shown) = columns
        var out = "<h1>Runs</h1><form class=\"bar\" method=\"get\" action=\"/\">"
        out += "<input type=\"text\" name=\"filter\" placeholder=\"metrics.`metrics/eval.json:accuracy` &gt; 0.9 AND params.train.rounds = '100'\" value=\"\(HTML.escape(ask.filterText))\">"
        out += "<input type=\"text\" name=\"experiment\" placeholder=\"experiment\" style=\"width:160px\" value=\"\(HTML.escape(ask.experiment ?? ""))\">"
        out += "<label><input type=\"checkbox\" name=\"changed\" value=\"1\"\(ask.onlyChanged ? " checked" : "")> only columns that differ</label>"
        out += "<label>per page <input type=\"number\" name=\"n\" min=\"1\" max=\"500\" value=\"\(ask.size)\" style=\"width:60px\"></label>"
        if ask.sort != "started" { out += "<input type=\"hidden\" name=\"sort\" value=\"\(HTML.escape(ask.sort))\">" }
        if !ask.descending { out += "<input type=\"hidden\" name=\"order\" value=\"asc\">" }
        out += "<button type=\"submit\">Apply</button>"
        out += "<details class=\"columns\" style=\"flex-basis:100%\"><summary>Columns</summary>"
        for (prefix, keys, chosen) in [("params.", available.params, shown.params), ("metrics.", available.metrics, shown.metrics)] {
            for key in keys {
                let checked = chosen.contains(key) ? " checked" : ""
                out += "<label><input type=\"checkbox\" name=\"col\" value=\"\(HTML.escape(prefix + key))\"\(checked)>\(HTML.escape(prefix + key))</label>"
            }
        }
        return out + "</details></form>"
    }

    func table(_ ask: Ask, _ q: WebQuery, runs: [RunSummary], total: Int, shown: RunTable.Columns) -> String {
        guard total > 0 else {
            let none = ask.filterText.isEmpty ? "No runs yet: `proj repro` and `proj exp run` record one each." : "No run matches the filter."
            return "<p class=\"empty\">\(HTML.escape(none))</p>"
        }
        let pages = (total + ask.size - 1) / ask.size
        var out = "<form method=\"get\" action=\"/compare\"><div class=\"bar\"><button type=\"submit\">Compare selected</button>"
        out += "<span class=\"note\">\(total) runs · page \(min(ask.page, pages)) of \(pages)</span></div><div class=\"scroll\"><table id=\"runs\"><thead><tr><th></th>"
        func header(_ column: String, _ title: String) -> String {
            let descending = ask.sort == column ? !ask.descending : true
            let mark = ask.sort == column ? (ask.descending ? " ▼" : " ▲") : ""
            let href = HTML.link("/", WebQuery(pairs: q.with("sort", column)).with("order", descending ? "desc" : "asc").filter { $0.0 != "page" })
            return "<th><a href=\"\(HTML.escape(href))\">\(HTML.escape(title))\(mark)</a></th>"
        }
        out += header("name", "Run") + header("status", "Status") + header("started", "Started") + header("duration", "Duration") + "<th>Bundle</th>"
        out += shown.params.map { header("params." + $0, $0) }.joined() + shown.metrics.map { header("metrics." + $0, $0) }.joined()
        out += "</tr></thead><tbody>"
        for run in runs {
            let status = run.status == .failed ? "failed" + (run.failedStage.map { " at \($0)" } ?? "") : run.status.rawValue
            let duration = run.endedMs.map { String(format: "%.1f s", Double($0 - run.startedMs) / 1000) } ?? "-"
            out += "<tr data-run=\"\(HTML.escape(run.id))\"><td><input type=\"checkbox\" name=\"run\" value=\"\(HTML.escape(run.id))\"></td>"
            out += "<td><a href=\"/runs/\(HTML.encode(run.id))\">\(HTML.escape(RunCharts.label(run)))</a></td>"
            out += "<td class=\"status-\(run.status.rawValue)\">\(HTML.escape(status))</td><td>\(HTML.escape(RunTable.time(run.startedMs)))</td><td class=\"num\">\(duration)</td>"
            out += "<td>\(HTML.escape(run.bundle.map { "\($0.name) \($0.version)" } ?? "-"))</td>"
            out += shown.params.map { "<td>\(HTML.escape(run.params[$0] ?? "-"))</td>" }.joined()
            out += shown.metrics.map { "<td class=\"num\">\(HTML.escape(RunTable.text(run.metrics[$0]?.value)))</td>" }.joined()
            out += "</tr>"
        }
        out += "</tbody></table></div></form><div class=\"pager\">"
        if ask.page > 1 { out += "<a rel=\"prev\" href=\"\(HTML.escape(HTML.link("/", q.with("page", String(ask.page - 1)))))\">← previous</a>" }
        if ask.page < pages { out += "<a rel=\"next\" href=\"\(HTML.escape(HTML.link("/", q.with("page", String(ask.page + 1)))))\">next →</a>" }
        return out + "</div>"
    }
}
