import ArgumentParser
import Bundle
import Foundation
import ML

/// `proj predict`.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a CSV file with a bundle's model: label and probability per row (CSV or JSONL).",
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

    @OptionGroup var trust: TrustOptions

    func run() throws {
        let model: Verifier.LoadedModel
        do { model = try Verifier.load(bundle, options: try trust.options()) } catch let error as BundleError { throw fail(error) }
        let handle: FileHandle
        if output == "-" {
            handle = .standardOutput
        } else {
            guard FileManager.default.createFile(atPath: output, contents: nil), let h = FileHandle(forWritingAtPath: output) else {
                throw fail(BundleError.file(.unwritable(path: output, reason: "cannot create")))
            }
            handle = h
        }
        let showProgress = isatty(2) == 1
        let started = Date()
        let rows = try runStep {
            try Scorer.score(input: input, model: model, format: format, write: { handle.write(Data($0.utf8)) }, progress: { done, total in
                guard showProgress else { return }
                let width = 30, filled = total == 0 ? width : done * width / total
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) rows".utf8))
            })
        }
        if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        if output != "-" {
            try? handle.close()
            print(String(format: "scored %d rows with %@ %@ -> %@ (%.2f s)", rows, model.manifest.name, model.manifest.version, output, Date().timeIntervalSince(started)))
        }
    }
}

extension Scorer.Format: ExpressibleByArgument {}
