import Foundation
import ProjectModel

/// proj's own identity in the fingerprint of a stage whose command runs proj: a version of the
/// behaviour of what it runs (`proj ml` -> the ML steps' behaviour version), the same for the same
/// source on every machine; never a digest of the binary, which differs between machines.
public enum ProjIdentity {
    /// The proj tools the commands run, with their identity, sorted by name: `[("proj ml", "1")]`.
    public static func of(_ commands: [String]) -> [(name: String, value: String)] {
        var found: [String: String] = [:]
        for command in commands {
            for words in invocations(command) {
                let (name, value) = identity(subcommand: subcommand(words))
                found[name] = override(name) ?? value
            }
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

    /// The words of each simple command in `command` that runs `proj` (or `.../proj`), after its
    /// variable assignments and wrappers such as `env` or `time`. A reading of the shell's grammar
    /// good enough for the commands of a pipeline: `a && proj ml train ... | tee log`.
    static func invocations(_ command: String) -> [[String]] {
        var result: [[String]] = []
        for segment in segments(command) {
            var words = segment.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { unquote(String($0)) }
            while let first = words.first, isAssignment(first) || wrappers.contains(first) { words.removeFirst() }
            guard let program = words.first, program == "proj" || program.hasSuffix("/proj") else { continue }
            result.append(words)
        }
        return result
    }

    static let wrappers: Set<String> = ["env", "exec", "time", "nice", "command", "nohup", "!", "{", "then", "do", "else"]

    /// The first word after proj's own options (`-C DIR`, `--project DIR`).
    static func subcommand(_ words: [String]) -> String? {
        var i = 1
        while i < words.count {
            let word = words[i]
            if word == "-C" || word == "--project" { i += 2; continue }
            if word.hasPrefix("-") { i += 1; continue }
            return word
        }
        return nil
    }

    /// The command split at `;`, `&`, `|`, newlines and parentheses, outside quotes.
    static func segments(_ command: String) -> [String] {
        var segments: [String] = [], current = ""
        var quote: Character?
        for c in command {
            if let q = quote {
                if c == q { quote = nil }
                current.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                current.append(c)
            } else if ";&|\n()`".contains(c) {
                segments.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        segments.append(current)
        return segments
    }

    static func unquote(_ word: String) -> String {
        word.filter { $0 != "'" && $0 != "\"" }
    }

    static func isAssignment(_ word: String) -> Bool {
        guard let eq = word.firstIndex(of: "="), eq != word.startIndex else { return false }
        return word[..<eq].allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }
}
