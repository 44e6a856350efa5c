import ArgumentParser
import Bundle
import Foundation
import Runner

/// `proj bundle`: builds (alone), or shares bundles through a store (`push`, `pull`, `list`).
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Build a bundle (`proj bundle` alone), or share bundles through a store: push, pull, list.",
        subcommands: [Build.self, BundlePush.self, BundlePull.self, BundleList.self],
        defaultSubcommand: Build.self
    )
}

/// `proj bundle [build]`.
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pack the model, schema, metrics, selftest and provenance into bundles/<name>-<version>.tar.",
        discussion: "Refuses a stale pipeline unless --allow-stale. Released versions are immutable: other content under project.yaml's version, once released, becomes an experiment's pre-release (1.2.1-exp.<content>); --bump makes a new release."
    )

    @OptionGroup var project: ProjectOptions

    @Flag(help: "Compress with zstd (.tar.zst).")
    var zstd = false

    @Option(help: "Sign with this key from ~/.config/proj/keys/ (see `proj keys generate`).")
    var sign: String?

    @Flag(name: .customLong("allow-stale"), help: "Bundle even if stages are stale; the bundle records which.")
    var allowStale = false

    @Option(help: "Bump the version in project.yaml first: patch, minor or major.")
    var bump: String?

    @Option(help: "Seconds to wait for another proj process working in this project.")
    var wait = 10

    func run() throws {
        let root = URL(fileURLWithPath: project.directory).standardizedFileURL.path
        let lock = try takeLock(root, wait: wait)
        defer { withExtendedLifetime(lock) {} }
        var options = BuildOptions()
        options.zstd = zstd
        options.sign = sign
        options.allowStale = allowStale
        options.loaders = ModelLoaders.available
        if let bump {
            guard let part = SemVer.Part(rawValue: bump) else { throw fail(BundleError.usage("--bump takes patch, minor or major, not '\(bump)'")) }
            options.bump = part
        }
        let result: BuildResult
        do { result = try Builder.build(root: project.directory, options: options) } catch { throw fail(error) }
        let m = result.manifest
        let relative = "bundles/" + URL(fileURLWithPath: result.path).lastPathComponent
        if let from = result.bumpedFrom { Output.line("version \(from) -> \(m.version) (project.yaml updated)") }
        if let released = result.experimentOf {
            Output.line("\(m.name) \(released) is released with other content: this is the experiment \(m.version) (a release needs --bump patch|minor|major)")
        }
        if !m.stale.isEmpty { Output.line("warning: built from a stale pipeline (\(m.stale.joined(separator: ", "))); the bundle says so") }
        if result.unchanged {
            Output.line("\(m.name) \(m.version) is unchanged: \(relative) already holds this content")
        } else {
            Output.line("built \(relative) (\(m.files.count + 1 + (result.signedBy == nil ? 0 : 1)) entries, \(result.size) bytes)")
        }
        Output.line("  sha256    \(result.sha256)")
        Output.line("  manifest  \(result.manifestDigest)")
        if let key = result.signedBy { Output.line("  signed    key \(key.id) (\(key.name))") }
    }
}

/// `proj verify`.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a bundle: format, every file's size and sha256, signature, schema and selftest.",
        discussion: "Exits 0 when every check passes, 1 naming the first entry that failed."
    )

    @Argument(help: "The bundle (.tar or .tar.zst).")
    var bundle: String

    @OptionGroup var trust: TrustOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let report = Verifier.verify(bundle, options: try trust.options())
        if json { printJSON(ReportOutput.value(report)) } else { Output.write(ReportOutput.text(report)) }
        if let failure = report.failure {
            if !json { Output.write("Error: \(failure.description)\n", to: .err) }
            throw ExitCode(1)
        }
    }
}

/// `proj inspect`.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a bundle's manifest, metrics, params and provenance without extracting it.")

    @Argument(help: "The bundle (.tar or .tar.zst).")
    var bundle: String

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        let info: BundleInfo
        do { info = try BundleInfo.read(bundle) } catch { throw fail(error) }
        if json { printJSON(info.value) } else { Output.write(info.text) }
    }
}

/// `proj extract`.
struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a bundle and unpack it into a new directory.",
        discussion: "Nothing is written unless every check passes; DIR must not exist or be empty."
    )

    @Argument(help: "The bundle (.tar or .tar.zst).")
    var bundle: String

    @Argument(help: "The directory to create.")
    var directory: String

    @OptionGroup var trust: TrustOptions

    func run() throws {
        let report = Extractor.extract(bundle, to: directory, options: try trust.options())
        if let failure = report.failure {
            if !report.checks.isEmpty { Output.write(ReportOutput.text(report)) }
            throw fail(failure)
        }
        Output.line("extracted \(report.manifest?.files.count ?? 0) files of \(report.manifest?.name ?? "") \(report.manifest?.version ?? "") into \(directory)")
    }
}
