import ArgumentParser
import Bundle
import Foundation
import Runner
import YAML

/// `proj push`.
struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload a bundle to a store (a directory or file:// URL) after checking its integrity.",
        discussion: "Objects are stored by sha256; pushing a version that the store holds with different content is refused."
    )

    @Argument(help: "The bundle file.")
    var bundle: String

    @Argument(help: "The store: a directory or a file:// URL.")
    var store: String

    @OptionGroup var trust: TrustOptions

    func run() throws {
        let options = try trust.options()
        do {
            let (entry, label, outcome) = try StoreClient.push(bundle, to: try Stores.open(store), options: options)
            switch outcome {
            case .added: Output.line("pushed \(label) to \(store) (sha256 \(entry.sha256), \(entry.size) bytes)")
            case .alreadyPresent: Output.line("\(label) is already in \(store) with the same content (sha256 \(entry.sha256))")
            }
        } catch { throw fail(error) }
    }
}

/// `proj pull`.
struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download NAME[@VERSION] (newest when no version) from a store; it is verified before it lands."
    )

    @Argument(help: "NAME or NAME@VERSION.")
    var reference: String

    @Argument(help: "The store: a directory or a file:// URL.")
    var store: String

    @Option(name: .shortAndLong, help: "Directory to put the bundle in.")
    var output = "."

    @OptionGroup var trust: TrustOptions

    func run() throws {
        let options = try trust.options()
        do {
            let result = try StoreClient.pull(reference, from: try Stores.open(store), into: output, options: options)
            Output.line("pulled \(result.report.manifest?.name ?? reference)@\(result.version) -> \(result.path) (sha256 \(result.entry.sha256), verified)")
        } catch { throw fail(error) }
    }
}

/// `proj list`.
struct ListStore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the bundles in a store.")

    @Argument(help: "The store: a directory or a file:// URL.")
    var store: String

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        let index: StoreIndex
        do { index = try Stores.open(store).readIndex() } catch { throw fail(error) }
        if json {
            printJSON(.list(index.bundles.keys.sorted().flatMap { name in
                index.versions(of: name).map { version in
                    let e = index.bundles[name]![version]!
                    var fields: [Value.Entry] = [.init("name", .string(name)), .init("version", .string(version)), .init("file", .string(e.file)),
                                                 .init("sha256", .string(e.sha256)), .init("size", .int(Int(e.size))), .init("manifest_sha256", .string(e.manifest))]
                    if let s = e.signedBy { fields.append(.init("signed_by", .string(s))) }
                    return Value.map(fields)
                }
            }))
            return
        }
        if index.bundles.isEmpty { Output.line("no bundles in \(store)") }
        for name in index.bundles.keys.sorted() {
            for version in index.versions(of: name) {
                let e = index.bundles[name]![version]!
                Output.line("\(name)  \(version)  \(e.size) bytes  sha256 \(e.sha256.prefix(12))  \(e.signedBy.map { "signed " + $0 } ?? "unsigned")  \(e.file)")
            }
        }
    }
}
