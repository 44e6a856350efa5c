/// The proj commands in a stage's shell commands: `a && proj ml train ... | tee log` runs `proj ml`.
/// A reading of the shell's grammar good enough for the commands of a pipeline (proj's identity in the
/// fingerprint and exporters use it); it runs nothing.
public enum ProjInvocation {
    /// The proj subcommands `commands` run, in order (`ml`, `bundle`; nil for a bare `proj` or one with
    /// options only).
    public static func subcommands(_ commands: [String]) -> [String?] {
        commands.flatMap { invocations($0).map(subcommand) }
    }

    /// The words of each simple command in `command` that runs `proj` (or `.../proj`), after its
    /// variable assignments and wrappers such as `env` or `time`.
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

    /// The first word after proj's own options (`-C DIR`, `--project DIR`), nil for a bare `proj`.
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

extension Stage {
    /// Whether the stage's commands run `proj bundle`.
    public var runsProjBundle: Bool { ProjInvocation.subcommands(cmd).contains("bundle") }
}
