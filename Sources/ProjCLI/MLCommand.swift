import ArgumentParser
import Foundation
import ML

/// `proj ml`: the ML steps pipeline stages run.
struct MLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ml",
        abstract: "ML steps for pipeline stages: fetch (pinned by sha256), load-db and read-db (SQLite, PostgreSQL), split, validate (schema and KS drift), transform (impute, scale), train (model factory), evaluate.",
        subcommands: [FetchStep.self, LoadDBStep.self, ReadDBStep.self, SplitStep.self, ValidateStep.self, TransformStep.self, TrainStep.self, EvaluateStep.self]
    )
}

/// The label column and its values, shared by the steps.
struct TargetOptions: ParsableArguments {
    @Option(help: "The label column.")
    var target = "status"
    @Option(help: "The label value counted as positive (1).")
    var positive = "phishing"
    @Option(help: "The label value counted as negative (0).")
    var negative = "legitimate"

    var value: Target { Target(column: target, positive: positive, negative: negative) }
}

func runStep<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch {
        FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

struct SplitStep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "split", abstract: "Stratified, seeded train/test split of a CSV file.")
    @Option(help: "The CSV file to split.") var input: String
    @Option(help: "The label column (kept in proportion in both parts).") var target = "status"
    @Option(name: .customLong("test-fraction"), help: "Share of rows for the test part.") var testFraction = 0.2
    @Option(help: "Shuffle seed.") var seed: UInt64 = 42
    @Option(help: "Where to write the train part.") var train: String
    @Option(help: "Where to write the test part.") var test: String

    func run() throws {
        let (a, b) = try runStep { try Steps.split(input: input, target: target, testFraction: testFraction, seed: seed, train: train, test: test) }
        print("split \(input): \(a) train rows -> \(train), \(b) test rows -> \(test)")
    }
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
        print("validated \(rows) rows against \(schema); drift (KS, p < \(threshold)) in \(drifted.count) of \(results.count) numeric columns\(drifted.isEmpty ? "" : ": " + drifted.prefix(8).joined(separator: ", "))")
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
            try Fetch.run(sha256: sha256, mirrors: urls, output: output, cacheDirectory: cache) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        }
        switch outcome {
        case .cached: print("\(output): sha256 \(sha256.prefix(12)) from the cache")
        case .downloaded(let mirror): print("\(output): sha256 \(sha256.prefix(12)) from \(mirror)")
        }
    }
}
