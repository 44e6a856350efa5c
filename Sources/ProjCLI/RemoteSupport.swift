import ArgumentParser
import Bundle
import Foundation
import Remote
import Runner

/// Which remote a command uses: `-r NAME`, else the default one.
struct RemoteOptions: ParsableArguments {
    @Option(name: [.customShort("r"), .customLong("remote")], help: "The remote to use (default: the project's default remote).")
    var remote: String?

    @Option(name: .short, help: "Transfers at once.")
    var jobs: Int = 8

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("-j must be from 1 to 64") }
    }
}

enum RemoteSupport {
    /// The object store of the remote `name` (the default when nil) of the project at `root`.
    static func store(named name: String?, root: String) throws -> any ObjectStore {
        do {
            let spec = try RemoteConfig.read(root: root).pick(name)
            return try ObjectStores.open(spec, root: root)
        } catch { throw fail(error) }
    }

    /// The store a bundle command names: a configured remote's name, an `s3://` URL, a `file://` URL or a
    /// directory; nil means the default remote. Outside a project only URLs and directories are known.
    static func bundleStore(_ text: String?, project: String) throws -> BundleStore {
        let root = URL(fileURLWithPath: project).standardizedFileURL.path
        do {
            let config = FileManager.default.fileExists(atPath: root + "/" + RemoteConfig.file) ? try RemoteConfig.read(root: root) : RemoteConfig()
            let spec: RemoteSpec
            if let text, let named = config.remote(text) {
                spec = named
            } else if let text {
                spec = RemoteSpec(name: text, url: text)
            } else {
                spec = try config.pick(nil)
            }
            let cwd = FileManager.default.currentDirectoryPath
            return BundleStore(try ObjectStores.open(spec, root: config.remote(spec.name) == nil ? cwd : root))
        } catch { throw fail(error) }
    }

    /// The default remote's data sync for `proj repro`, when the project has one; a remote that cannot be
    /// opened is said and left out (repro goes on with the local run-cache).
    /// `named` picks another remote, which must exist and open (an error otherwise).
    static func runCacheSync(_ workspace: Workspace, console: Console, named: String? = nil) throws -> DataSync? {
        if let named {
            do {
                let spec = try RemoteConfig.read(root: workspace.root).pick(named)
                return DataSync(workspace: workspace, store: try ObjectStores.open(spec, root: workspace.root))
            } catch { throw fail(error) }
        }
        guard let config = try? RemoteConfig.read(root: workspace.root), let name = config.defaultName, let spec = config.remote(name) else { return nil }
        do { return DataSync(workspace: workspace, store: try ObjectStores.open(spec, root: workspace.root)) } catch {
            console.warn("remote '\(name)' is not used: \(error)")
            return nil
        }
    }

    /// Runs `work` in a task that Ctrl-C (or SIGTERM) cancels; transfers stop, and nothing half-sent is recorded.
    static func interruptible<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await work() }
        let signals = Interrupts.forward(to: task)
        defer { withExtendedLifetime(signals) {} }
        let value = try await task.value
        if task.isCancelled { throw fail(RemoteError.interrupted) }
        return value
    }
}
