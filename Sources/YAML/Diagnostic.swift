/// An error located in a source file: `file:line:column: message`, then the line and a caret.
public struct SourceError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file as the user named it (relative to the project when possible).
    public var file: String
    /// Where in the file, when known.
    public var mark: Mark?
    /// What is wrong and what was expected.
    public var message: String
    /// The source line at `mark`, shown with a caret under the column.
    public var sourceLine: String?

    /// Creates an error; `source` is the file's text, used to quote the line at `mark`.
    public init(file: String, mark: Mark?, message: String, source: String? = nil) {
        self.file = file
        self.mark = mark
        self.message = message
        if let mark, let source {
            sourceLine = SourceError.line(mark.line, of: source)
        }
    }

    /// The first line alone: `file:line:column: message`.
    public var headline: String {
        if let mark { return "\(file):\(mark.line):\(mark.column): \(message)" }
        return "\(file): \(message)"
    }

    public var description: String {
        guard let mark, let sourceLine else { return headline }
        let pad = String(repeating: " ", count: max(0, mark.column - 1))
        return "\(headline)\n  \(sourceLine)\n  \(pad)^"
    }

    static func line(_ number: Int, of source: String) -> String? {
        var current = 1
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == number { return String(line.hasSuffix("\r") ? line.dropLast() : line) }
            current += 1
        }
        return nil
    }
}
