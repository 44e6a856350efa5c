import ArgumentParser
import Foundation
import ML
import Runner

/// `proj ml`: the ML steps pipeline stages run.
struct MLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ml",
        abstract: "ML steps for pipeline stages: ingest (CSV, pinned URL or database table, then split), fetch (pinned by sha256), load-db and read-db (SQLite, PostgreSQL), split, validate (schema and KS drift), transform (impute, scale), train (model factory), evaluate.",
        subcommands: [IngestStep.self, FetchStep.self, LoadDBStep.self, ReadDBStep.self, SplitStep.self, ValidateStep.self, TransformStep.self, TrainStep.self, EvaluateStep.self]
    )
}

/// The label column and its two class names, shared by the steps: the project names them, nothing is assumed.
struct TargetOptions: ParsableArguments {
    @Option(help: "The label column.")
    var target: String
    @Option(help: "The class counted as positive (1): the one whose probability the model gives.")
    var positive: String
    @Option(help: "The class counted as negative (0).")
    var negative: String

    var value: Target { Target(column: target, positive: positive, negative: negative) }
}


/// The split options `split` and `ingest` share, and the split itself.
struct SplitOptions: ParsableArguments {
    @Option(help: "The label column (kept in proportion in both parts).") var target: String
    @Option(name: .customLong("test-fraction"), help: "Share of rows for the test part.") var testFraction = 0.2
    @Option(help: "Shuffle seed.") var seed: UInt64 = 42
    @Option(help: "Where to write the train part.") var train: String
    @Option(help: "Where to write the test part.") var test: String

    func split(_ input: String) throws {
        let (a, b) = try runStep { try Steps.split(input: input, target: target, testFraction: testFraction, seed: seed, train: train, test: test) }
        Output.line("split \(input): \(a) train rows -> \(train), \(b) test rows -> \(test)")
    }
}

struct SplitStep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "split", abstract: "Stratified, seeded train/test split of a CSV file.")
    @Option(help: "The CSV file to split.") var input: String
    @OptionGroup var split: SplitOptions

    func run() throws { try split.split(input) }
}

struct ValidateStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check train and test CSVs against a data schema, and report KS drift per numeric column.",
        discussion: "Fails naming the row and column of the first violations; the schema's input columns are the features, its output the label."
    )
    @Option(help: "Training CSV.") var train: String
    @Option(help: "Test CSV.") var test: String
    @Option(help: "The data schema (input/output columns, as in a bundle's schema.yaml).") var schema: String
    @Option(help: "Drift when the KS p-value is below this.") var threshold = 0.05
    @Option(help: "Validation report output (.json).") var report: String
    @Option(help: "Drift report output (.json).") var drift: String

    func run() throws {
        let (rows, results) = try runStep {
            try Steps.validate(train: train, test: test, schemaPath: schema, threshold: threshold, report: report, drift: drift)
        }
        let drifted = results.filter(\.drifted).map(\.column)
        Output.line("validated \(rows) rows against \(schema); drift (KS, p < \(threshold)) in \(drifted.count) of \(results.count) numeric columns\(drifted.isEmpty ? "" : ": " + drifted.prefix(8).joined(separator: ", "))")
    }
}

struct FetchStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Get a file pinned by SHA-256: from the project cache, else from the first mirror that serves exactly those bytes.",
        discussion: "Mirrors are tried in order (http, https, file URLs or paths); one serving other bytes is refused and the next tried."
    )
    @Option(help: "The file's SHA-256.") var sha256: String
    @Option(name: .customLong("url"), help: "A mirror (repeat the option; tried in order).") var urls: [String] = []
    @Option(help: "Where to put the file.") var output: String
    @Option(help: "The cache directory (the project's .proj/cache).") var cache = ".proj/cache"

    func run() throws {
        let outcome = try runStep {
            try Fetch.run(sha256: sha256, mirrors: urls, output: output, cacheDirectory: cache) { Output.line($0, to: .err) }
        }
        switch outcome {
        case .cached: Output.line("\(output): sha256 \(sha256.prefix(12)) from the cache")
        case .downloaded(let mirror): Output.line("\(output): sha256 \(sha256.prefix(12)) from \(mirror)")
        }
    }
}

struct IngestStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read the pipeline's source into a raw CSV, then split it into train and test (stratified, seeded).",
        discussion: """
            --source is a CSV path or file:// URL (pinned when --sha256 is given), an http(s) URL (must be pinned; \
            --mirror adds fallbacks, tried in order, used only when the pinned file is not in the cache), or a \
            database: sqlite:PATH or postgres://USER@HOST:PORT/DB with --table.
            """
    )
    @Option(help: "A CSV path, a file:// or http(s) URL, sqlite:PATH or a postgres:// URL.") var source: String
    @Option(help: "The source file's SHA-256 (required for http(s); empty means unpinned).") var sha256: String?
    @Option(name: .customLong("mirror"), help: "Another URL or path serving the pinned file (repeat; tried in order after --source).") var mirrors: [String] = []
    @Option(help: "The table, for a database source.") var table: String?
    @Option(help: "The cache directory (the project's .proj/cache).") var cache = ".proj/cache"
    @Option(help: "Where to write the source's rows as they came.") var raw: String
    @OptionGroup var split: SplitOptions

    func run() throws {
        let line = try runStep {
            try Ingest.run(try Source.parse(source, sha256: sha256, mirrors: mirrors, table: table), raw: raw, cacheDirectory: cache) {
                Output.line($0, to: .err)
            }
        }
        Output.line(line)
        try split.split(raw)
    }
}
