import ArgumentParser
import Bundle
import Foundation
import Runner

/// `proj keys`.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage Ed25519 signing keys (~/.config/proj/keys/) and trusted public keys (~/.config/proj/trusted/).",
        subcommands: [Generate.self, List.self, Trust.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key pair NAME.key (mode 0600) and NAME.pub; never overwrites.")

        @Argument(help: "The key's name.")
        var name = "default"

        func run() throws {
            let store = KeyStore()
            do {
                let key = try store.generate(name: name)
                Output.line("created key '\(key.name)' (id \(key.id))")
                Output.line("  private  \(store.keysDirectory)/\(name).key")
                Output.line("  public   \(key.source)  (give this file to whoever verifies your bundles)")
            } catch { throw fail(error) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your signing keys and the public keys you trust.")

        func run() throws {
            let store = KeyStore()
            let keys: [PublicKey]
            do { keys = try store.trusted(extra: []) } catch { throw fail(error) }
            if keys.isEmpty { Output.line("no keys; create one with `proj keys generate NAME`") }
            for key in keys {
                let kind = key.source.hasPrefix(store.keysDirectory) ? "own    " : "trusted"
                Output.line("\(kind)  \(key.id)  \(key.name)  \(key.source)")
            }
        }
    }

    struct Trust: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Trust a public key file for verification from now on.")

        @Argument(help: "A .pub file from `proj keys generate`.")
        var file: String

        func run() throws {
            do {
                let key = try KeyStore().trust(file: file)
                Output.line("trusting key '\(key.name)' (id \(key.id))")
            } catch { throw fail(error) }
        }
    }
}
