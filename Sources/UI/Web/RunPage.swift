import Foundation
import Tracking
import YAML

/// `/runs/ID`: one run: what it was (git, times, outcome), its stages with fingerprints, reasons and
/// durations, the DAG, its params and metrics, its charts, the drift report per column and the bundle it
/// built with its provenance.
struct RunPage {
    let store: TrackingStore

    func render(_ reference: String) -> (status: Int, html: String) {
        do {
            let id: String
            do { id = try store.resolve(reference) } catch { return problem(404, error.description) }
            guard let detail = try store.run(id) else { return problem(404, "no run '\(reference)' in the run history") }
            let run = detail.summary
            var body = "<h1>Run \(HTML.escape(RunCharts.label(run))) <span class=\"status-\(run.status.rawValue)\">\(run.status.rawValue)</span></h1>"
            body += RunPage.facts(run)
            body += RunPage.stages(detail.stages)
            body += ComparePage.differences([run])
            body += try RunCharts(store: store).html([run])
            let documents = try store.documents(id)
            for document in documents where document.name != "bundle" {
                guard let value = try? JSONParser.parse(Array(document.content.utf8), nonFinite: true) else { continue }
                if let drift = RunPage.drift(document.name, value) { body += drift }
            }
            if let bundle = documents.first(where: { $0.name == "bundle" }), let value = try? JSONParser.parse(Array(bundle.content.utf8)) {
                body += RunPage.bundle(value)
            }
            return (200, Layout.page(title: "Run \(RunCharts.label(run))", body: body))
        } catch {
            return problem(503, "The run history cannot be read: \(error)")
        }
    }

    func problem(_ status: Int, _ message: String) -> (status: Int, html: String) {
        (status, Layout.page(title: "Run", body: "<h1>Run</h1>" + Layout.problem(message) + "<p><a href=\"/\">Back to the runs</a></p>"))
    }

    static func facts(_ run: RunSummary) -> String {
        var facts: [(String, String)] = [("id", run.id), ("experiment", run.experiment), ("source", run.source), ("started", RunTable.time(run.startedMs))]
        if let ended = run.endedMs {
            facts.append(("ended", RunTable.time(ended)))
            facts.append(("duration", String(format: "%.1f s", Double(ended - run.startedMs) / 1000)))
        }
        if let revision = run.gitRevision { facts.append(("git", revision + (run.gitDirty == true ? " (with uncommitted changes)" : ""))) }
        if let stage = run.failedStage { facts.append(("failed at", stage)) }
        if let message = run.message { facts.append(("message", message)) }
        if let bundle = run.bundle { facts.append(("bundle", "\(bundle.name) \(bundle.version) · manifest \(bundle.digest)")) }
        return "<dl class=\"facts\">" + facts.map { "<dt>\(HTML.escape($0.0))</dt><dd>\(HTML.escape($0.1))</dd>" }.joined() + "</dl>"
    }

    static func stages(_ stages: [StageRecord]) -> String {
        guard !stages.isEmpty else { return "" }
        var out = "<h2>Stages</h2>" + StageDAG.svg(stages)
        out += "<div class=\"scroll\"><table id=\"stages\"><thead><tr><th>Stage</th><th>Outcome</th><th>Seconds</th><th>Fingerprint</th><th>Why</th><th>Outs</th></tr></thead><tbody>"
        for s in stages {
            let why = ([s.message].compactMap { $0 } + s.reasons).map(HTML.escape).joined(separator: "<br>")
            let outs = s.outs.keys.sorted().map { "<code title=\"\(HTML.escape(s.outs[$0]!))\">\(HTML.escape($0))</code>" }.joined(separator: "<br>")
            out += "<tr data-stage=\"\(HTML.escape(s.stage))\"><td>\(HTML.escape(s.stage))</td><td>\(HTML.escape(s.outcome))</td>"
            out += "<td class=\"num\">\(String(format: "%.2f", s.seconds))</td><td><code title=\"\(HTML.escape(s.fingerprint ?? ""))\">\(HTML.escape(String((s.fingerprint ?? "-").prefix(12))))</code></td>"
            out += "<td>\(why)</td><td>\(outs)</td></tr>"
        }
        return out + "</tbody></table></div>"
    }

    /// A drift report (a `columns` map of per-column statistics, as `proj ml validate --drift` writes) as a
    /// table, drifted columns marked; nil for any other document.
    static func drift(_ name: String, _ value: Value) -> String? {
        guard case .map(let columns)? = value["columns"], !columns.isEmpty,
              columns.allSatisfy({ if case .map = $0.value { true } else { false } }) else { return nil }
        var fields: [String] = []
        for column in columns { if case .map(let entries) = column.value { for e in entries where !fields.contains(e.key) { fields.append(e.key) } } }
        var out = "<h2>Drift · \(HTML.escape(name))</h2>"
        if let threshold = value["threshold"] { out += "<p class=\"note\">threshold \(HTML.escape(RunPage.text(threshold)))</p>" }
        out += "<div class=\"scroll\"><table class=\"drift\"><thead><tr><th>column</th>" + fields.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for column in columns {
            let drifted = column.value["drifted"] == .bool(true)
            out += "<tr\(drifted ? " class=\"drifted\"" : "")><td>\(HTML.escape(column.key))</td>"
            out += fields.map { "<td class=\"num\">\(HTML.escape(column.value[$0].map(RunPage.text) ?? "-"))</td>" }.joined() + "</tr>"
        }
        return out + "</tbody></table></div>"
    }

    /// The bundle the run built: what it is, and its provenance (stages, fingerprints, tool) as YAML.
    static func bundle(_ value: Value) -> String {
        var out = "<h2>Bundle</h2><dl class=\"facts\">"
        for key in ["name", "version", "flavor", "manifest_sha256", "signed", "compression"] {
            if let v = value[key] { out += "<dt>\(HTML.escape(key))</dt><dd>\(HTML.escape(RunPage.text(v)))</dd>" }
        }
        out += "</dl>"
        if let provenance = value["provenance"] { out += "<h2>Provenance</h2><pre>\(HTML.escape(YAMLEmitter.emit(provenance)))</pre>" }
        return out
    }

    static func text(_ value: Value) -> String {
        switch value {
        case .null: "-"
        case .bool(let b): b ? "yes" : "no"
        case .int(let i): String(i)
        case .double(let d): HTML.number(d)
        case .string(let s): s
        case .list, .map: JSONEmitter.compact(value)
        }
    }
}
