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
        // Predictions go to standard output, or to `output` as an OutputFile: a file beside it renamed onto it
        // at the end (a device or pipe such as /dev/null is written in place).
        let file: OutputFile?
        if output != "-" {
            do { file = try OutputFile(output) } catch { throw fail(BundleError.file(error)) }
        } else {
            file = nil
        }
        let write: (String) throws -> Void = { text in
            guard let file else {
                Output.write(text)
                if let failure = Output.failure, failure.stream == .out { throw CommandFailure(message: failure.description, code: 1) }
                return
            }
            do throws(FingerprintError) { try file.write(Array(text.utf8)[...]) } catch { throw CommandFailure(message: error.description, code: 1) }
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
        if let file {
            do { try file.commit() } catch { throw CommandFailure(message: error.description, code: 1) }
            Output.line(String(format: "scored %d rows with %@ %@ -> %@ (%.2f s)", rows, model.manifest.name, model.manifest.version, output, Date().timeIntervalSince(started)))
        }
    }
}

extension Scorer.Format: ExpressibleByArgument {}
