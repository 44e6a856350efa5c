import ArgumentParser
import Export
import Fingerprint
import Foundation
import Remote
import Runner

extension ProjCommand {
    /// `proj export`: the pipeline written for another engine.
    struct ExportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: "Write the pipeline for another engine.", subcommands: [Airflow.self])

        /// `proj export airflow`: an Airflow DAG file whose tasks are the stages.
        struct Airflow: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write an Apache Airflow DAG: one task per stage, each in a fresh clone at the current commit, sharing the remote.",
                discussion: """
                    Each task clones the repository at the commit pinned in the file, restores the stages upstream of its \
                    stage from the remote's run-cache, reproduces its stage (restored when it was computed before) and pushes \
                    the outs and the run-cache entry. Commit (and push) the project first: the tasks see only what the commit \
                    holds. The file is the same for the same project and options; its header says how to write it again.
                    """)

            @OptionGroup var project: ProjectOptions
            @Option(help: "The remote the tasks share (default: the project's default remote).") var remote: String?
            @Option(help: "The tracking store the tasks record their runs in: postgres://USER@HOST:PORT/DB when the workers are several machines, or sqlite:PATH.")
            var tracking: String?
            @Option(name: [.short, .customLong("output")], help: "The DAG file (default: dags/<project name>.py).") var output: String?
            @Option(help: "What the workers `git clone` (default: the repository's `origin` URL, else its directory).") var repository: String?
            @Option(help: "The commit the tasks check out (default: HEAD).") var revision: String?
            @Option(name: .customLong("dag-id"), help: "The DAG's id (default: the project's name).") var dagID: String?

            func validate() throws {
                if let tracking, !(tracking.hasPrefix("sqlite:") || tracking.hasPrefix("postgres://") || tracking.hasPrefix("postgresql://")) {
                    throw ValidationError("--tracking must be sqlite:PATH or postgres://USER@HOST:PORT/DB, not '\(tracking)'")
                }
                if let tracking, let credentials = URLComponents(string: tracking)?.password, !credentials.isEmpty {
                    throw ValidationError("--tracking holds a password, which the DAG file would carry: give it to the workers in PGPASSWORD or ~/.pgpass instead")
                }
                if let dagID, dagID.isEmpty || dagID.count > 250 || !dagID.allSatisfy(AirflowDAG.isIDCharacter) {
                    throw ValidationError("--dag-id may hold letters, digits, '_', '-' and '.' (at most 250)")
                }
            }

            func run() async throws {
                let workspace = try project.workspace()
                let root = workspace.root
                if let remote { _ = try RemoteSupport.store(named: remote, root: root) }
                guard let top = await GitState.output(["rev-parse", "--show-toplevel"], root: root), !top.isEmpty else {
                    throw CommandFailure(message: "\(root) is not in a git repository: the DAG's tasks clone the project at a commit, so commit it first", code: 2)
                }
                let asked = revision ?? "HEAD"
                guard let commit = await GitState.output(["rev-parse", "--verify", "--quiet", asked + "^{commit}"], root: root), !commit.isEmpty else {
                    throw CommandFailure(message: revision == nil ? "the repository has no commit yet; commit the project first" : "no commit '\(asked)' in the repository", code: 2)
                }
                let topPath = URL(fileURLWithPath: top).resolvingSymlinksInPath().path
                let rootPath = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
                let directory = rootPath == topPath ? "" : String(rootPath.dropFirst(topPath.count + 1))
                let origin = await GitState.output(["remote", "get-url", "origin"], root: root)
                let clone = repository ?? (origin.flatMap { $0.isEmpty ? nil : $0 } ?? topPath)
                if let dirty = await GitState.output(["status", "--porcelain", "--untracked-files=no"], root: root), !dirty.isEmpty, revision == nil {
                    Output.line("warning: the DAG pins commit \(commit.prefix(12)); changes not committed are not in it", to: .err)
                }
                if repository == nil, let origin, !origin.isEmpty,
                   (await GitState.output(["branch", "-r", "--contains", commit], root: root) ?? "").isEmpty {
                    Output.line("warning: commit \(commit.prefix(12)) is not on any branch of origin yet: push it, or the workers will not find it", to: .err)
                }
                if let tracking, tracking.hasPrefix("sqlite:"), !tracking.dropFirst("sqlite:".count).hasPrefix("/") {
                    Output.line("warning: \(tracking) is relative: each task would record its run inside its own clone, which it then removes; give an absolute path every worker shares, or postgres://", to: .err)
                }
                let id = dagID ?? AirflowDAG.dagID(for: workspace.project.name)
                let path = output ?? "dags/\(id).py"
                var again = ["proj export airflow"]
                if project.directory != "." { again.append("-C " + Shell.quote(project.directory)) }
                if let remote { again.append("--remote " + Shell.quote(remote)) }
                if let tracking { again.append("--tracking " + Shell.quote(tracking)) }
                if let repository { again.append("--repository " + Shell.quote(repository)) }
                if let revision { again.append("--revision " + Shell.quote(revision)) }
                if let dagID { again.append("--dag-id " + Shell.quote(dagID)) }
                again.append("-o " + Shell.quote(path))
                let dag = AirflowDAG(project: workspace.project, options: .init(
                    dagID: id, repository: clone, revision: commit, directory: directory, remote: remote, tracking: tracking,
                    regenerate: again.joined(separator: " ")))
                let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
                do throws(FingerprintError) {
                    try FileSystem.makeDirectories(TemporaryPath.split(absolute).0)
                    let file = try OutputFile(absolute)
                    try file.write(Array(dag.text.utf8)[...])
                    try file.commit()
                } catch { throw fail(RunnerError.file(error)) }
                Output.line("wrote \(path): DAG '\(id)', \(workspace.project.stages.count) task\(workspace.project.stages.count == 1 ? "" : "s"), commit \(commit.prefix(12))")
            }
        }
    }
}

/// Words for a shell command line.
enum Shell {
    /// `word` as one shell word: as is when it is plain, else in single quotes.
    static func quote(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-./:=@%+,".contains($0)) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
