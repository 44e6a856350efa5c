import ProjectModel

/// How a tool's output changed, in a few words for a reason.
enum ToolDifference {
    /// The most of a line a reason shows.
    static let width = 80

    /// A reading in one line: its text when it is one line, else its size.
    static func summary(_ reading: ToolReading) -> String {
        guard let text = reading.text else { return "sha256 \(reading.sha256.prefix(12))" }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        return lines.count == 1 ? clip(text) : "\(lines.count) lines"
    }

    /// `Python 3.11.7 -> Python 3.12.1`; for outputs of several lines, the lines that differ
    /// (`numpy==1.26.0 -> numpy==2.0.0`, or `-a, +b, +c`), or the digests when the old text is not known.
    static func detail(_ old: ToolReading, _ new: ToolReading) -> String {
        guard let oldText = old.text, let newText = new.text else {
            return "sha256 \(old.sha256.prefix(12)) -> \(new.sha256.prefix(12))"
        }
        let before = oldText.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        let after = newText.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        if before.count == 1 && after.count == 1 { return "\(clip(oldText)) -> \(clip(newText))" }
        let kept = Set(before).intersection(after)
        let removed = before.filter { !kept.contains($0) }, added = after.filter { !kept.contains($0) }
        if removed.count == 1 && added.count == 1 { return "\(clip(removed[0])) -> \(clip(added[0]))" }
        let changes = removed.map { "-" + clip($0) } + added.map { "+" + clip($0) }
        if changes.isEmpty { return "lines reordered" }
        let shown = changes.prefix(3).joined(separator: ", ")
        return changes.count > 3 ? shown + " (\(changes.count) lines differ)" : shown
    }

    /// A line shortened to `width` and safe to print (a tool's colours or a hostile lock cannot reach the terminal).
    static func clip(_ line: String) -> String {
        Paths.printable(line.count <= width ? line : String(line.prefix(width - 1)) + "…")
    }
}
