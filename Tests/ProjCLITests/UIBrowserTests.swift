import Foundation
import Testing

/// `proj ui` in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run` installs) loads the
/// pages from the server the test starts, and the test reads the DOM it rendered.
@Suite(.serialized) struct UIBrowserTests {
    /// A pipeline that writes a metric and a per-step curve from its `train.lr` param.
    static let project = [
        "project.yaml": """
            name: demo
            stages:
              train:
                cmd: >-
                  awk -v lr=${params.train.lr} 'BEGIN { print "step,train_loss,val_loss";
                  for (i = 1; i <= 6; i++) printf "%d,%.4f,%.4f\\n", i, lr / i, 1.3 * lr / i;
                  printf "{\\"accuracy\\": %.4f}\\n", 1 - lr / 10 > "metrics.json" }' > curve.csv
                params: [train]
                metrics: [metrics.json]
                plots: [curve.csv]

            """,
        "params.yaml": "train:\n  lr: 0.5\n",
    ]

    /// Chromium's DOM of `url` after it loaded the page (a fresh profile each time, killed if it hangs).
    static func dom(_ url: String, in dir: String) throws -> String {
        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "headless Chromium is needed: apt-get install chromium (.ci/run installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(dir)/chromium-profile",
                             "--virtual-time-budget=5000", "--dump-dom", url]
        let out = dir + "/dom.html"
        FileManager.default.createFile(atPath: out, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = FileHandle.nullDevice
        try process.run()
        let finished = eventually(90) { !process.isRunning }
        if !finished {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        try #require(finished, "chromium did not finish loading \(url) in 90 s")
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func chromiumRendersTheRunsTableAndTheCompareView() throws {
        let p = try TempProject(Self.project)
        #expect(try p.proj("repro").code == 0)
        #expect(try p.proj("repro", "-S", "train.lr=0.9").code == 0)
        let server = try p.start(["ui", "--port", "0"])
        defer {
            if server.process.isRunning { kill(server.process.processIdentifier, SIGTERM) }
            server.process.waitUntilExit()
        }
        let base = "http://127.0.0.1:" + (try MLflowClientTests.port(of: server))

        let table = try Self.dom(base + "/", in: p.root)
        let ids = table.matches(of: /<tr data-run="([0-9a-f]{32})">/).map { String($0.1) }
        #expect(ids.count == 2, "\(table.prefix(2000))")
        #expect(table.contains(">metrics.json:accuracy") && table.contains(">train.lr"))
        #expect(table.contains("<td class=\"num\">0.91</td>") && table.contains("<td class=\"num\">0.95</td>"))

        // The filter as the page's form sends it (spaces as +): one run left.
        let filtered = try Self.dom(base + "/?filter=metrics.%60metrics.json%3Aaccuracy%60+%3E+0.93", in: p.root)
        #expect(filtered.matches(of: /<tr data-run="([0-9a-f]{32})">/).count == 1, "\(filtered.prefix(3000))")
        #expect(filtered.contains("1 runs · page 1 of 1"))

        // The compare view: one loss panel with train and validation lines for each run.
        let compare = try Self.dom(base + "/compare?run=\(ids[0])&run=\(ids[1])", in: p.root)
        #expect(compare.contains("data-title=\"loss · curve.csv\" data-lines=\"4\""), "\(compare.prefix(3000))")
        for id in ids {
            #expect(Self.count("<polyline class=\"series\" data-run=\"\(id)\"", in: compare) == 2)
        }
        #expect(compare.contains("param train.lr"))

        // A run's page: its stage in the DAG.
        let run = try Self.dom(base + "/runs/\(ids[0])", in: p.root)
        #expect(run.contains("<g class=\"stage\" data-stage=\"train\" data-outcome=\"ran\">"))
    }
}
