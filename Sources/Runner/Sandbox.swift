import Fingerprint
import Foundation
import ProjectModel
import Synchronization

/// A stage's command in a mount namespace made by bubblewrap, where the project directory holds only
/// what the stage declares: its deps, code and params file read-only, its outs' parent directories
/// writable. The rest of the system stays readable (and /tmp writable); the network is off unless the stage says
/// `network: true`. An undeclared project file is simply not there, so a command that reads one
/// fails, and proj names the file from what the command wrote to stderr.
///
/// The project directory itself is a scratch directory under `.proj/sandbox/`: what the command
/// writes at the top of the project lands there. Declared outs at the top (a `bundles` directory
/// that does not exist yet, a file) are moved into the project after a successful run; anything
/// else written there is reported and discarded.
public final class Sandbox: Sendable {
    let root: String
    let stage: Stage
    let scratch: String
    /// The bubblewrap executable.
    let program: String
    /// Root-relative paths visible in the sandbox, with whether the command may write them.
    let mounts: [(path: String, writable: Bool)]
    /// Undeclared project files the command's stderr named.
    private let named = Mutex<[String]>([])

    /// The bubblewrap program (`PROJ_BWRAP`, else `bwrap` on PATH), or why no sandbox can be made on this
    /// machine (checked once per process).
    static let bubblewrap: Result<String, SandboxUnavailable> = probe()

    /// A sandbox made by `program` (bubblewrap) for `stage` in the project at `root`; `executables` are
    /// directories of programs the command needs that lie inside the project (proj itself, a virtualenv on PATH).
    init(stage: Stage, in project: Project, root: String, program: String, executables: [String]) {
        self.root = root
        self.stage = stage
        self.program = program
        scratch = TemporaryPath.beside(root + "/.proj/sandbox/" + stage.name.replacingOccurrences(of: "/", with: "_"))
        var mounts: [String: Bool] = [:]
        for ref in stage.inputs { mounts[ref.path] = false }
        if !stage.params.isEmpty { mounts[ProjectLoader.paramsFile] = false }
        for path in Sandbox.knownReads(stage, in: project) { mounts[path] = false }
        for path in executables { mounts[path] = false }
        for out in stage.outs {
            let parent = TemporaryPath.split(out.path).0
            if out.path.contains("/") {
                mounts[parent] = true
            } else if FileSystem.stat(root + "/" + out.path)?.kind == .directory {
                mounts[out.path] = true
            }
        }
        // Shallower first, so that a deeper mount lies on top: a dep inside an out's directory stays
        // read-only, an out's directory inside a dep directory stays writable.
        self.mounts = mounts.map { ($0.key, $0.value) }.sorted {
            let a = $0.path.split(separator: "/").count, b = $1.path.split(separator: "/").count
            return a != b ? a < b : $0.path < $1.path
        }
    }

    /// What proj's own commands are known to read beyond their arguments. `proj bundle` loads the
    /// project and checks that the stages it packs are fresh: it reads project.yaml, params.yaml, the
    /// locks, and every path the stages declare (but not the outs it writes itself).
    static func knownReads(_ stage: Stage, in project: Project) -> [String] {
        guard stage.runsProjBundle else { return [] }
        let own = Set(stage.outs.map(\.path))
        let declared = project.stages.flatMap { $0.inputs.map(\.path) + $0.outs.map(\.path) }.filter { !own.contains($0) }
        return [ProjectLoader.projectFile, ProjectLoader.paramsFile, "lockfiles"] + declared
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ paths: [String]) -> String {
        paths.count <= 1 ? paths.joined() : paths.dropLast().joined(separator: ", ") + " and " + paths.last!
    }

    /// Makes the scratch directory and the command's working directory in it.
    func prepare() throws(FingerprintError) {
        try FileSystem.makeDirectories(scratch + (stage.wdir.isEmpty ? "" : "/" + stage.wdir))
    }

    /// bubblewrap's arguments for running `command` (after `bwrap`).
    func arguments(_ command: String) -> [String] {
        // /tmp stays the machine's, writable (as in Bazel's classic sandbox): a project kept under /tmp may
        // read data beside it there, and tools write their temporary files where they expect.
        var args = ["--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind-try", "/tmp", "/tmp",
                    "--bind", scratch, root]
        for mount in mounts {
            let absolute = root + "/" + mount.path
            args += [mount.writable ? "--bind-try" : "--ro-bind-try", absolute, absolute]
        }
        if !stage.network { args.append("--unshare-net") }
        args += ["--chdir", stage.wdir.isEmpty ? root : root + "/" + stage.wdir, "--", "/bin/sh", "-c", command]
        return args
    }

    /// Notes the undeclared project files a line of the command's stderr names.
    func notice(_ line: String) {
        let found = UndeclaredReads.named(in: line, root: root, wdir: stage.wdir, visible: { self.isVisible($0) })
        if found.isEmpty { return }
        named.withLock { for path in found where !$0.contains(path) { $0.append(path) } }
    }

    /// The undeclared project files the command's stderr named, in the order first seen.
    var undeclaredReads: [String] { named.withLock { $0 } }

    /// Whether the root-relative `path` is inside the sandbox's view of the project.
    func isVisible(_ path: String) -> Bool {
        mounts.contains { path == $0.path || path.hasPrefix($0.path + "/") }
            || stage.outs.contains { $0.path == path || path.hasPrefix($0.path + "/") }
    }

    /// After the command: on success, moves the top-level outs written into the scratch directory into
    /// the project. Returns what the command wrote elsewhere in the scratch directory (discarded), and
    /// removes it.
    func finish(succeeded: Bool) throws(FingerprintError) -> [String] {
        defer { FileSystem.removeTree(scratch) }
        if succeeded {
            for out in stage.outs where !out.path.contains("/") && !mounts.contains(where: { $0.path == out.path }) {
                let written = scratch + "/" + out.path
                guard FileSystem.stat(written) != nil else { continue }
                let target = root + "/" + out.path
                if FileSystem.stat(target) != nil || FileSystem.isSymlink(target) { FileSystem.removeTree(target) }
                guard rename(written, target) == 0 else {
                    throw .unwritable(path: out.path, reason: FileSystem.errorText())
                }
            }
        }
        var stray: [String] = []
        collectStray("", into: &stray)
        return stray
    }

    /// Files under the scratch directory that are neither mount points nor ancestors of one, nor
    /// proj's own `.proj` (a proj command run by the stage may keep state there).
    private func collectStray(_ relative: String, into stray: inout [String]) {
        for name in FileSystem.list(relative.isEmpty ? scratch : scratch + "/" + relative).sorted() {
            let path = relative.isEmpty ? name : relative + "/" + name
            if relative.isEmpty && name == ".proj" { continue }
            if mounts.contains(where: { $0.path == path }) { continue }
            if mounts.contains(where: { $0.path.hasPrefix(path + "/") }) {
                collectStray(path, into: &stray)
            } else if stray.count < 20 {
                stray.append(path)
            }
        }
    }

    /// Directories inside the project at `root` holding programs a command may run: the running proj's
    /// own, and each `PATH` entry (a virtualenv's whole directory when the entry is its `bin`).
    static func executables(root: String) -> [String] {
        var found: [String] = []
        var candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { candidates.append(TemporaryPath.split(exe).0) }
        for directory in candidates where directory.hasPrefix(root + "/") {
            guard var relative = Paths.normalize(String(directory.dropFirst(root.count + 1))), !relative.isEmpty else { continue }
            let parent = TemporaryPath.split(relative).0
            if relative.hasSuffix("/bin"), FileSystem.stat(root + "/" + parent + "/pyvenv.cfg") != nil { relative = parent }
            if !found.contains(relative) { found.append(relative) }
        }
        return found
    }

    static func probe() -> Result<String, SandboxUnavailable> {
        let environment = ProcessInfo.processInfo.environment
        let path: String
        if let configured = environment["PROJ_BWRAP"], !configured.isEmpty {
            guard access(configured, X_OK) == 0 else { return .failure(.init(reason: "PROJ_BWRAP names \(configured), which is not an executable")) }
            path = configured
        } else {
            let found = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { String($0) + "/bwrap" }.first { access($0, X_OK) == 0 }
            guard let found else { return .failure(.init(reason: "bubblewrap (bwrap) is not installed; install it with `apt-get install bubblewrap`")) }
            path = found
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net", "--", "/bin/true"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { return .failure(.init(reason: "\(path) could not start: \(error)")) }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let why = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "exit code \(process.terminationStatus)"
            return .failure(.init(reason: "bubblewrap cannot make namespaces here (\(why))"))
        }
        return .success(path)
    }
}

/// Why no sandbox can be made on this machine.
public struct SandboxUnavailable: Error, Sendable, Equatable {
    public var reason: String
}

/// Project files named in a command's error output that the sandbox hid from it.
enum UndeclaredReads {
    /// Characters that end a path in an error message.
    static let separators: Set<Character> = [" ", "\t", "'", "\"", "`", ":", ",", "(", ")", "[", "]", "<", ">", "=", ";"]

    /// The root-relative paths of existing project files that `line` names (relative to the working
    /// directory, to the project, or absolute) and that `visible` says the sandbox did not show.
    static func named(in line: String, root: String, wdir: String, visible: (String) -> Bool) -> [String] {
        var found: [String] = []
        for token in line.split(whereSeparator: { separators.contains($0) }) {
            var word = String(token)
            while let last = word.last, ".!?".contains(last) && word.count > 1 && FileSystem.stat(root + "/" + word) == nil { word.removeLast() }
            let relative: String?
            if word.hasPrefix(root + "/") {
                relative = Paths.normalize(String(word.dropFirst(root.count + 1)))
            } else if word.hasPrefix("/") {
                relative = nil
            } else {
                relative = Paths.normalize(word, wdir: wdir)
            }
            guard let path = relative, !path.isEmpty, !path.hasPrefix(".proj"), !visible(path),
                  let kind = FileSystem.stat(root + "/" + path)?.kind, kind != .directory, !found.contains(path) else { continue }
            found.append(path)
        }
        return found
    }
}
