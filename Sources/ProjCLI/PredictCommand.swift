import ArgumentParser
import Bundle
import Fingerprint
import Foundation
import ML
import Runner

/// `proj predict`.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a CSV file with a bundle's model: class name and the positive class's probability per row (CSV or JSONL).",
        discussion: "The bundle is verified first (files, signature, schema, selftest); the CSV needs the schema's input columns."
    )

    @Argument(help: "The bundle.")
    var bundle: String

    @Option(help: "The CSV file to score.")
    var input: String

    @Option(help: "Where to write the predictions ('-' for standard output).")
    var output = "-"

    @Option(help: "csv or jsonl.")
    var format: Scorer.Format = .csv

    @Flag(name: .customLong("label-index"), help: "Write each label as its class's index (0 negative, 1 positive) instead of the class name.")
    var labelIndex = false

    @OptionGroup var trust: TrustOptions

    func run() throws {
        var model: Verifier.LoadedModel
        do { model = try Verifier.load(bundle, options: try trust.options()) } catch let error as BundleError { throw fail(error) }
        if labelIndex { model = model.labelsAsIndices() }
        // Predictions go to standard output, or to a file written beside `output` and renamed onto it at the end.
        var file: Int32 = -1
        let temp = output == "-" ? "" : TemporaryPath.beside(output)
        if output != "-" {
            TemporaryPath.removeAbandoned(beside: output)
            do { file = try FileSystem.createExclusive(temp) } catch {
                // Name the output the user gave, not the temporary file beside it.
                guard case .unwritable(_, let reason) = error else { throw fail(BundleError.file(error)) }
                throw fail(BundleError.file(.unwritable(path: output, reason: reason)))
            }
        }
        defer { if file >= 0 { close(file); unlink(temp) } }
        let write: (String) throws -> Void = { text in
            if file < 0 {
                Output.write(text)
                if let failure = Output.failure, failure.stream == .out { throw CommandFailure(message: failure.description, code: 1) }
            } else if !FileSystem.writeAll(file, Array(text.utf8)[...]) {
                throw CommandFailure(message: FingerprintError.unwritable(path: output, reason: FileSystem.errorText()).description, code: 1)
            }
        }
        let showProgress = isatty(2) == 1
        let started = Date()
        let rows = try runStep {
            try Scorer.score(input: input, model: model, format: format, write: write, progress: { done, total in
                guard showProgress else { return }
                let width = 30, filled = total == 0 ? width : done * width / total
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                Output.write("\r[\(bar)] \(done)/\(total) rows", to: .err)
            })
        }
        if showProgress { Output.write("\n", to: .err) }
        if output != "-" {
            guard fsync(file) == 0, rename(temp, output) == 0 else {
                throw CommandFailure(message: FingerprintError.unwritable(path: output, reason: FileSystem.errorText()).description, code: 1)
            }
            Output.line(String(format: "scored %d rows with %@ %@ -> %@ (%.2f s)", rows, model.manifest.name, model.manifest.version, output, Date().timeIntervalSince(started)))
        }
    }
}

extension Scorer.Format: ExpressibleByArgument {}
