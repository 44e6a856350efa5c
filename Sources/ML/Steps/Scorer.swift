import Bundle
import Tabular
import YAML

/// `proj predict`: scores every row of a CSV file with a verified bundle's model, in batches, writing
/// one output line per row as soon as its batch is done.
public enum Scorer {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonl }

    /// Scores `input`; `write` receives output text in order, `progress` (rows done, total) after each batch.
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
        var start = 0
        while start < table.rows.count {
            let end = min(start + batch, table.rows.count)
            var cells: [Value] = []
            cells.reserveCapacity((end - start) * indices.count)
            for r in start..<end {
                for (column, i) in zip(model.schema.input, indices) {
                    let field = table.rows[r][i]
                    guard let value = column.value(from: field) else {
                        throw MLError("\(input): row \(r + 2), column '\(column.name)': '\(field)' is not \(column.type.withArticle)")
                    }
                    cells.append(value)
                }
            }
            guard let batch = Batch(columns: model.schema.input.map(\.name), cells: cells) else { throw MLError("\(input): the model takes no input columns") }
            var text = ""
            for result in try model.predictor.predict(batch) {
                let values = outputs.map { name in result.first { $0.key == name }?.value ?? .null }
                switch format {
                case .csv: text += values.map { $0 == .null ? "" : CSVRows.field($0.string ?? $0.inlineText) }.joined(separator: ",") + "\n"
                case .jsonl: text += "{" + zip(outputs, values).map { JSONEmitter.string($0) + ": " + JSONEmitter.emit($1).dropLast() }.joined(separator: ", ") + "}\n"
                }
            }
            try write(text)
            start = end
            progress(start, table.rows.count)
        }
        return table.rows.count
    }
}
