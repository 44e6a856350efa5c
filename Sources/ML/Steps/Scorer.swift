import Bundle
import Fingerprint
import Tabular
import YAML

/// `proj predict`: scores every row of a CSV file with a verified bundle's model, in batches, writing
/// one output line per row, in the input's order, as soon as its batch and those before it are done.
public enum Scorer {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonl }

    /// Scores `input`; `write` receives output text in order, `progress` (rows done, total) after each batch.
    /// A shareable model scores several batches at once, each from its cells to its output text, so that
    /// every core works all the time, not only inside the model; the text is still written in order, and a
    /// bad cell fails after the batches before it are written, as one batch after another would.
    public static func score(input: String, model: Verifier.LoadedModel, format: Format, batch: Int = 1024,
                             write: (String) throws -> Void, progress: (Int, Int) -> Void) throws -> Int {
        let table = try Table.read(input)
        var indices: [Int] = []
        for column in model.schema.input {
            guard let i = table.header.firstIndex(of: column.name) else {
                throw MLError("\(input) has no column '\(column.name)', which the model takes (it takes \(model.schema.input.count) columns: \(model.schema.input.prefix(5).map(\.name).joined(separator: ", "))\(model.schema.input.count > 5 ? ", ..." : ""))")
            }
            indices.append(i)
        }
        let outputs = model.schema.output.map(\.name)
        if format == .csv { try write(outputs.joined(separator: ",") + "\n") }
        let total = table.rows.count, batches = (total + batch - 1) / batch
        // A model that is not shareable is used by one thread at a time: one batch after another.
        let window = model.predictor.isShareable ? 2 * Processors.available : 1
        nonisolated(unsafe) let predictor = model.predictor
        let job = BatchJob(input: input, table: table, columns: Array(zip(model.schema.input, indices)), outputs: outputs, format: format)
        var first = 0
        while first < batches {
            let count = min(window, batches - first), from = first
            // One job alone runs on this thread.
            let texts = Parallel.map(count) { k in
                Result { try job.text(predictor, rows: (from + k) * batch..<min(total, (from + k + 1) * batch)) }
            }
            for (k, text) in texts.enumerated() {
                try write(try text.get())
                progress(min(total, (from + k + 1) * batch), total)
            }
            first += count
        }
        return total
    }

    /// One batch's work, from the table's cells to the output text.
    private struct BatchJob: Sendable {
        let input: String
        let table: Table
        let columns: [(column: Schema.Column, index: Int)]
        let outputs: [String]
        let format: Format

        func text(_ predictor: any Predictor, rows: Range<Int>) throws -> String {
            var cells: [Value] = []
            cells.reserveCapacity(rows.count * columns.count)
            for r in rows {
                for (column, i) in columns {
                    let field = table.rows[r][i]
                    guard let value = column.value(from: field) else {
                        throw MLError("\(input): row \(r + 2), column '\(column.name)': '\(field)' is not \(column.type.withArticle)")
                    }
                    cells.append(value)
                }
            }
            guard let batch = Batch(columns: columns.map(\.column.name), cells: cells) else { throw MLError("\(input): the model takes no input columns") }
            var text = ""
            for result in try predictor.predict(batch) {
                let values = outputs.map { name in result.first { $0.key == name }?.value ?? .null }
                switch format {
                case .csv: text += values.map { $0 == .null ? "" : CSVRows.field($0.string ?? $0.inlineText) }.joined(separator: ",") + "\n"
                case .jsonl: text += "{" + zip(outputs, values).map { JSONEmitter.string($0) + ": " + JSONEmitter.emit($1).dropLast() }.joined(separator: ", ") + "}\n"
                }
            }
            return text
        }
    }
}
