import ArgumentParser
import Runner

/// `proj cache`: look after `.proj/cache`.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "Check the content-addressed cache.", subcommands: [Verify.self])

    /// `proj cache verify [--repair]`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hash every cache object against its name (exit 1 when one is damaged and not repaired).",
            discussion: "With --repair, damaged objects are moved to .proj/cache/corrupt and stored again from workspace outs that still hash right; the rest are made again by `proj repro`.")

        @OptionGroup var project: ProjectOptions
        @Flag(help: "Move damaged objects aside and store them again from the workspace where it still holds them.") var repair = false
        @Option(help: "Seconds to wait for another proj process in this project.") var wait: Int = 10

        func run() throws {
            let workspace = try project.workspace()
            let lock = try takeLock(workspace.root, wait: wait)
            let report = CacheCheck.run(workspace, repair: repair)
            withExtendedLifetime(lock) {}
            for (object, problem) in report.corrupt { Output.line("corrupt: \(object): \(problem)") }
            for object in report.restored { Output.line("repaired: \(object) (stored again from the workspace)") }
            for object in report.removed { Output.line("moved aside: \(object) (no good copy in the workspace; `proj repro` makes it again)") }
            let plural = report.checked == 1 ? "" : "s"
            if report.corrupt.isEmpty {
                Output.line("Checked \(report.checked) object\(plural): all match their digests.")
            } else if repair {
                Output.line("Checked \(report.checked) object\(plural): \(report.corrupt.count) damaged, \(report.restored.count) repaired, \(report.removed.count) moved aside.")
            } else {
                throw CommandFailure(message: "\(report.corrupt.count) of \(report.checked) cache objects are damaged; run `proj cache verify --repair`", code: 1)
            }
        }
    }
}
