import Foundation
import ProjectModel
import Synchronization

/// The machine a stage ran on, as its lock records it: proj's version, the CPU architecture, the
/// operating system and, for stages that run `proj ml`, libxgboost's version. Information, not
/// fingerprint: `proj status` warns once when the machine differs from the one that wrote a lock.
public enum Platform {
    /// Versions of libraries loaded on demand (libxgboost), registered by the layers that own them.
    private static let libraries = Mutex<[String: @Sendable () -> String?]>([:])
    private static let known = Mutex<[String: String?]>([:])

    /// Registers how to read a library's version (`"xgboost"`); it is read only when a lock needs it.
    public static func register(_ name: String, version: @escaping @Sendable () -> String?) {
        libraries.withLock { $0[name] = version }
    }

    /// The platform to record for a stage running `commands`.
    public static func current(for commands: [String]) -> [String: String] {
        var result = ["proj": ToolVersion.current, "arch": architecture, "os": operatingSystem]
        if ProjIdentity.of(commands).contains(where: { $0.name == "proj ml" }), let version = library("xgboost") {
            result["xgboost"] = version
        }
        return result
    }

    /// A library's version, read once.
    static func library(_ name: String) -> String? {
        if let seen = known.withLock({ $0[name] }) { return seen }
        let read = libraries.withLock { $0[name] }?() ?? nil
        known.withLock { $0[name] = read }
        return read
    }

    /// `x86_64`, `aarch64`.
    static let architecture: String = {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "aarch64"
        #elseif arch(s390x)
        return "s390x"
        #elseif arch(powerpc64le)
        return "ppc64le"
        #elseif arch(riscv64)
        return "riscv64"
        #else
        return "unknown"
        #endif
    }()

    /// `Debian GNU/Linux 12 (bookworm)` from os-release, else the kernel's name.
    static let operatingSystem: String = {
        for path in ["/etc/os-release", "/usr/lib/os-release"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
                return line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }
        }
        return "Linux"
    }()

    /// The keys both platforms record whose values differ, with both values.
    static func differences(recorded: [String: String], here: [String: String]) -> [(key: String, recorded: String, here: String)] {
        recorded.keys.sorted().compactMap { key in
            guard let old = recorded[key], let new = here[key], old != new else { return nil }
            return (key, old, new)
        }
    }

    /// One warning for the stages of `results` (from `Status.evaluate`) whose locks were written on
    /// another kind of machine, or nil.
    public static func warning(_ workspace: Workspace, results: [StageResult]) -> String? {
        var others: [String] = []
        var first: [(key: String, recorded: String, here: String)] = []
        for result in results where !result.platform.isEmpty {
            guard let i = workspace.project.graph.index[result.name] else { continue }
            let found = differences(recorded: result.platform, here: current(for: workspace.project.stages[i].cmd))
            if found.isEmpty { continue }
            if first.isEmpty { first = found }
            others.append(Workspace.lockPath(result.name))
        }
        guard let head = others.first else { return nil }
        let what = first.map { "\($0.key) \($0.recorded) there, \($0.here) here" }.joined(separator: "; ")
        let more = others.count > 1 ? " and \(others.count - 1) other lock\(others.count == 2 ? "" : "s")" : ""
        return "\(head)\(more) \(others.count == 1 ? "was" : "were") written on another machine (\(what)): outputs made here may differ from the recorded ones"
    }
}
