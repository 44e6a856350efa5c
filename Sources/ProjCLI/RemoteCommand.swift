import ArgumentParser
import Foundation
import Remote
import Runner
import YAML

/// A remote error as a command failure (2 for a bad name, URL or configuration, 1 for what could not be read or written).
func fail(_ error: RemoteError) -> CommandFailure {
    CommandFailure(message: error.description, code: error.exitCode)
}

/// `proj remote`: the places the project shares its data through, kept in `.projconfig.yaml`.
struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote", abstract: "The project's remotes (S3 buckets or directories), kept in .projconfig.yaml.",
        discussion: "Credentials are never stored there: they are read as the AWS CLI reads them (AWS_ACCESS_KEY_ID, AWS_PROFILE, ~/.aws/credentials).",
        subcommands: [Add.self, List.self, Remove.self, Default.self])

    /// The project's root and its remotes.
    static func load(_ project: ProjectOptions) throws -> (root: String, config: RemoteConfig) {
        let root = try project.workspace().root
        do { return (root, try RemoteConfig.read(root: root)) } catch { throw fail(error) }
    }

    static func save(_ config: RemoteConfig, root: String) throws {
        do { try config.write(root: root) } catch { throw fail(error) }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a remote: s3://BUCKET[/PREFIX], file:///PATH or a directory.")
        @OptionGroup var project: ProjectOptions
        @Argument(help: "A name for it (letters, digits, - and _).") var name: String
        @Argument(help: "s3://BUCKET[/PREFIX], file:///PATH or a directory (relative to the project).") var url: String
        @Option(help: "An S3-compatible server's address (http://HOST:PORT), when not AWS's.") var endpoint: String?
        @Option(help: "The bucket's region (default AWS_REGION, the profile's, else us-east-1).") var region: String?
        @Flag(name: .customLong("default"), help: "Make it the default remote (the first one added is).") var makeDefault = false

        func run() throws {
            var (root, config) = try RemoteCommand.load(project)
            do { try config.add(RemoteSpec(name: name, url: url, endpoint: endpoint, region: region), makeDefault: makeDefault, root: root) } catch {
                throw fail(error)
            }
            try RemoteCommand.save(config, root: root)
            Output.line("Added remote '\(name)' (\(url))\(config.defaultName == name ? ", the default" : "").")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the remotes (* marks the default).")
        @OptionGroup var project: ProjectOptions
        @Flag(help: "As JSON.") var json = false

        func run() throws {
            let (_, config) = try RemoteCommand.load(project)
            if json {
                printJSON(.list(config.remotes.map { r in
                    .map([.init("name", .string(r.name)), .init("url", .string(r.url)), .init("endpoint", r.endpoint.map(Value.string) ?? .null),
                          .init("region", r.region.map(Value.string) ?? .null), .init("default", .bool(config.defaultName == r.name))])
                }))
                return
            }
            guard !config.remotes.isEmpty else {
                Output.line("No remotes: `proj remote add NAME URL` adds one.")
                return
            }
            var rows = [["", "Name", "URL", "Endpoint", "Region"]]
            for r in config.remotes { rows.append([config.defaultName == r.name ? "*" : "", r.name, r.url, r.endpoint ?? "-", r.region ?? "-"]) }
            Table.print(rows)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a remote from the project (its data stays where it is).")
        @OptionGroup var project: ProjectOptions
        @Argument(help: "The remote's name.") var name: String

        func run() throws {
            var (root, config) = try RemoteCommand.load(project)
            do { try config.remove(name) } catch { throw fail(error) }
            try RemoteCommand.save(config, root: root)
            Output.line("Removed remote '\(name)'.")
        }
    }

    struct Default: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the default remote, or make NAME the default.")
        @OptionGroup var project: ProjectOptions
        @Argument(help: "The remote to make the default.") var name: String?

        func run() throws {
            var (root, config) = try RemoteCommand.load(project)
            guard let name else {
                do { Output.line(try config.pick(nil).name) } catch { throw fail(error) }
                return
            }
            do { _ = try config.pick(name) } catch { throw fail(error) }
            config.defaultName = name
            try RemoteCommand.save(config, root: root)
            Output.line("The default remote is now '\(name)'.")
        }
    }
}
