import ArgumentParser
import Bundle
import Foundation
import Runner
import YAML

/// What names a bundle store on the command line.
struct StoreArgument: ParsableArguments {
    @Argument(help: "The store: a remote's name, s3://BUCKET/PREFIX, file:///PATH or a directory (default: the default remote).")
    var store: String?

    @Option(name: [.customShort("C"), .customLong("project")], help: "The project whose remotes to use.")
    var directory: String = "."

    func open() throws -> BundleStore { try RemoteSupport.bundleStore(store, project: directory) }

    /// How the store is named in messages.
    func name(_ opened: BundleStore) -> String { store ?? opened.location }
}

/// `proj bundle push`.
struct BundlePush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Upload a bundle to a store after checking its integrity.",
        discussion: "Objects are stored by sha256; pushing a version that the store holds with different content is refused."
    )

    @Argument(help: "The bundle file.")
    var bundle: String

    @OptionGroup var store: StoreArgument

    @OptionGroup var trust: TrustOptions

    func run() async throws {
        let options = try trust.options()
        let opened = try store.open()
        do {
            let (entry, label, outcome) = try await StoreClient.push(bundle, to: opened, options: options)
            switch outcome {
            case .added: Output.line("pushed \(label) to \(store.name(opened)) (sha256 \(entry.sha256), \(entry.size) bytes)")
            case .alreadyPresent: Output.line("\(label) is already in \(store.name(opened)) with the same content (sha256 \(entry.sha256))")
            }
        } catch { throw fail(error) }
    }
}

/// `proj bundle pull`.
struct BundlePull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download NAME[@VERSION] (newest when no version) from a store; it is verified before it lands."
    )

    @Argument(help: "NAME or NAME@VERSION.")
    var reference: String

    @OptionGroup var store: StoreArgument

    @Option(name: .shortAndLong, help: "Directory to put the bundle in.")
    var output = "."

    @OptionGroup var trust: TrustOptions

    func run() async throws {
        let options = try trust.options()
        let opened = try store.open()
        do {
            let result = try await StoreClient.pull(reference, from: opened, into: output, options: options)
            Output.line("pulled \(result.report.manifest?.name ?? reference)@\(result.version) -> \(result.path) (sha256 \(result.entry.sha256), verified)")
        } catch { throw fail(error) }
    }
}

/// `proj bundle list`.
struct BundleList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the bundles in a store.")

    @OptionGroup var store: StoreArgument

    @Flag(help: "Print as JSON.")
    var json = false

    func run() async throws {
        let index: StoreIndex
        let opened = try store.open()
        do { index = try await opened.readIndex() } catch { throw fail(error) }
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
        if index.bundles.isEmpty { Output.line("no bundles in \(store.name(opened))") }
        for name in index.bundles.keys.sorted() {
            for version in index.versions(of: name) {
                let e = index.bundles[name]![version]!
                Output.line("\(name)  \(version)  \(e.size) bytes  sha256 \(e.sha256.prefix(12))  \(e.signedBy.map { "signed " + $0 } ?? "unsigned")  \(e.file)")
            }
        }
    }
}
