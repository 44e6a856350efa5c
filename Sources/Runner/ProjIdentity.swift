import Foundation
import ProjectModel

/// proj's own identity in the fingerprint of a stage whose command runs proj: a version of the
/// behaviour of what it runs (`proj ml` -> the ML steps' behaviour version), the same for the same
/// source on every machine; never a digest of the binary, which differs between machines.
public enum ProjIdentity {
    /// The proj tools the commands run, with their identity, sorted by name: `[("proj ml", "1")]`.
    public static func of(_ commands: [String]) -> [(name: String, value: String)] {
        var found: [String: String] = [:]
        for subcommand in ProjInvocation.subcommands(commands) {
            let (name, value) = identity(subcommand: subcommand)
            found[name] = override(name) ?? value
        }
        return found.keys.sorted().map { ($0, found[$0]!) }
    }

    /// The names proj's identities go by.
    static let names: Set<String> = ["proj", "proj ml", "proj bundle"]

    /// How a reason names a tool: proj's identity as is (`proj ml`), a declared command quoted.
    static func label(_ name: String) -> String {
        names.contains(name) ? name : "'\(Paths.printable(name))'"
    }

    /// The identity of a proj subcommand.
    static func identity(subcommand: String?) -> (String, String) {
        switch subcommand {
        case "ml", "predict": return ("proj ml", String(ToolVersion.mlBehaviour))
        case "bundle": return ("proj bundle", ToolVersion.bundleBehaviour)
        default: return ("proj", ToolVersion.current)
        }
    }

    /// A test's stand-in identity (`PROJ_TEST_IDENTITY="proj ml=2"`), read by debug builds only: a
    /// release build always reports its own.
    static func override(_ name: String) -> String? {
        #if DEBUG
        guard let spec = ProcessInfo.processInfo.environment["PROJ_TEST_IDENTITY"] else { return nil }
        for item in spec.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return String(parts[1]) }
        }
        #endif
        return nil
    }
}
