/// The frame of every page of `proj ui`: its style sheet (embedded: the UI works offline) and navigation.
enum Layout {
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · proj</title><style>\(style)</style></head>
        <body><header><a class="brand" href="/">proj</a><nav><a href="/">Runs</a></nav></header>
        <main>\(body)</main></body></html>
        """
    }

    /// A box saying what went wrong (a bad filter, a run that is not there).
    static func problem(_ message: String) -> String {
        "<p class=\"problem\" role=\"alert\">\(HTML.escape(message))</p>"
    }

    static let style = """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
        header{display:flex;gap:24px;align-items:center;padding:10px 24px;background:#17324d;color:#fff}
        header a{color:#fff;text-decoration:none}.brand{font-weight:700;font-size:18px}
        main{padding:16px 24px}h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:20px 0 8px}
        a{color:#1f5fa8}table{border-collapse:collapse;background:#fff;font-size:13px}
        th,td{border:1px solid #dde2e8;padding:4px 8px;text-align:left;white-space:nowrap}
        th{background:#eef1f5;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums}
        tr:hover td{background:#f3f8ff}.scroll{overflow:auto;max-height:70vh;border:1px solid #dde2e8}
        form.bar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:10px}
        input[type=text]{width:420px;padding:4px 6px}button{padding:4px 12px}
        details.columns{margin:4px 0 10px}details.columns label{display:inline-block;margin:2px 10px 2px 0;font-size:12px}
        .problem{background:#fdecea;border:1px solid #f5c2bd;padding:8px 12px;color:#8a1c12}
        .status-succeeded{color:#1b7f3b}.status-failed{color:#b3261e}.status-interrupted{color:#a15c00}.status-running{color:#1f5fa8}
        .charts{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #dde2e8;margin:0;padding-bottom:6px}
        figcaption{padding:0 8px;font-size:12px}
        .chart text{font-size:11px;fill:#4a5560}.chart .title{font-size:12px;font-weight:600;fill:#1d2733}
        .chart .grid{stroke:#edf0f3}.chart .axis{stroke:#9aa5b1}.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:middle;margin-right:4px}
        .note{color:#5b6670;font-size:12px}.pager{margin:8px 0;display:flex;gap:12px}
        table.confusion td{text-align:center;min-width:60px}.drifted td{background:#fff4e5}
        dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:0}dl.facts dt{color:#5b6670}dl.facts dd{margin:0}
        code{font-size:12px}
        """
}
