import Fingerprint
import Foundation
import ProjectModel
import Runner
import Tabular
import YAML

/// Everything a bundle holds besides its manifest and model card, read from the workspace.
struct BundleContents {
    var files: [BundleFile]
    var modelEntry: String
    var schema: Schema
    var metrics: Value
    var params: Value
    var locks: Value

    static func collect(_ workspace: Workspace, spec: BundleSpec, loaders: ModelLoaders) throws(BundleError) -> BundleContents {
        var files: [BundleFile] = []
        let modelEntry = "model/" + URL(fileURLWithPath: spec.model).lastPathComponent
        files += try entries(workspace, path: spec.model, as: modelEntry, what: "bundle.model")
        for path in spec.include { files += try entries(workspace, path: path, as: "extra/" + path, what: "bundle.include") }

        let schemaBytes = try read(workspace, spec.schema, what: "bundle.schema")
        let schema: Schema
        do { schema = try Schema.parse(String(decoding: schemaBytes, as: UTF8.self), file: spec.schema) } catch { throw .config(error) }
        files.append(generated("schema.yaml", schemaBytes))

        var metrics: [Value.Entry] = []
        for path in spec.metrics {
            let bytes = try read(workspace, path, what: "bundle.metrics")
            do {
                metrics.append(.init(path, try YAMLParser.parse(String(decoding: bytes, as: UTF8.self), file: path)?.value ?? .null))
            } catch { throw .config(error) }
        }
        files.append(generated("metrics.json", Array(JSONEmitter.emit(.map(metrics)).utf8)))

        let selftest = try makeSelftest(workspace, spec: spec, schema: schema, modelEntry: modelEntry, files: files, loaders: loaders)
        files.append(generated("selftest.json", Array(selftest.json.utf8)))

        var locks: [Value.Entry] = []
        var params: [String: Value] = [:]
        let relevant = Set(relevantStages(workspace, spec: spec))
        for i in workspace.project.graph.order where relevant.contains(i) {
            let stage = workspace.project.stages[i]
            let name = stage.name
            guard case .success(var lock?) = workspace.lock(of: name) else { continue }
            // Provenance keeps the artifacts (outs) and the metrics the bundle carries; other metrics
            // and plots (timings, curves) do not make the bundle and would only make it unreproducible.
            let artifacts = Set(stage.outs.filter { $0.kind == .out || spec.metrics.contains($0.path) }.map(\.path))
            lock.outs = lock.outs.filter { artifacts.contains($0.key) }
            // The machine that ran a stage differs between machines; the bundle's bytes must not.
            lock.platform = [:]
            let text = lock.yaml
            guard case .map(let entries)? = try? YAMLParser.parse(text, file: Workspace.lockPath(name))?.value else { continue }
            locks.append(.init(name, .map(entries.filter { $0.key != "stage" })))
            for (key, value) in lock.params { params[key] = value }
        }
        for name in files.map(\.name) {
            if let problem = Paths.problem(name) { throw .usage("cannot bundle '\(name)': \(problem)") }
        }
        let duplicates = Dictionary(grouping: files, by: \.name).filter { $0.value.count > 1 }.keys.sorted()
        if let first = duplicates.first { throw .usage("two files would be stored as '\(first)' in the bundle; rename one") }
        return BundleContents(files: files, modelEntry: modelEntry, schema: schema, metrics: .map(metrics),
                              params: .map(params.keys.sorted().map { .init($0, params[$0]!) }), locks: .map(locks))
    }

    /// The stages that produced what the bundle holds, and everything upstream of them, in run order:
    /// the bundle's provenance, and the stages that must be fresh to bundle.
    static func relevantStages(_ workspace: Workspace, spec: BundleSpec) -> [Int] {
        let sources = [spec.model, spec.schema, spec.selftestData] + spec.metrics + spec.include
        let producers = workspace.project.stages.indices.filter { i in
            workspace.project.stages[i].outs.contains { out in sources.contains { Paths.overlap($0, out.path) } }
        }
        let closure = workspace.project.graph.closure(upstreamOf: producers)
        return workspace.project.graph.order.filter { closure.contains($0) }
    }

    static func generated(_ name: String, _ bytes: [UInt8]) -> BundleFile {
        BundleFile(name: name, source: .bytes(bytes), sha256: Hex.sha256(bytes), size: Int64(bytes.count), executable: false)
    }

    static func read(_ workspace: Workspace, _ path: String, what: String) throws(BundleError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: workspace.root + "/" + path) else {
            throw .usage("\(what): cannot read \(path) (run `proj repro` to produce it?)")
        }
        return [UInt8](data)
    }

    /// The bundle entries for a workspace file or directory (regular files only), digests from the stat cache.
    static func entries(_ workspace: Workspace, path: String, as name: String, what: String) throws(BundleError) -> [BundleFile] {
        let absolute = workspace.root + "/" + path
        guard let st = FileSystem.stat(absolute) else { throw .usage("\(what): \(path) does not exist (run `proj repro` to produce it?)") }
        do {
            switch st.kind {
            case .file:
                guard let digest = try workspace.fingerprinter.digest(path) else { throw BundleError.usage("\(what): \(path) vanished") }
                return [BundleFile(name: name, source: .file(absolute), sha256: digest.sha256, size: digest.size, executable: st.mode & 0o111 != 0)]
            case .directory:
                return try workspace.fingerprinter.manifest(path).map { entry in
                    let file = absolute + "/" + entry.path
                    let exec = (FileSystem.stat(file)?.mode ?? 0) & 0o111 != 0
                    return BundleFile(name: name + "/" + entry.path, source: .file(file), sha256: entry.sha256, size: entry.size, executable: exec)
                }
            case .other:
                throw BundleError.usage("\(what): \(path) is neither a regular file nor a directory")
            }
        } catch let error as BundleError {
            throw error
        } catch let error as FingerprintError {
            throw .file(error)
        } catch {
            throw .usage(FileSystem.describe(error))
        }
    }

    /// The first rows of the selftest data (typed by the schema) and, when a loader exists, the model's outputs.
    static func makeSelftest(_ workspace: Workspace, spec: BundleSpec, schema: Schema, modelEntry: String,
                             files: [BundleFile], loaders: ModelLoaders) throws(BundleError) -> Selftest {
        let bytes = try read(workspace, spec.selftestData, what: "bundle.selftest.data")
        let header: [String], rows: [[String]]
        do { (header, rows) = try CSVRows.parse(bytes, limit: spec.selftestRows) } catch { throw .usage("bundle.selftest.data: \(spec.selftestData): \(error)") }
        guard !rows.isEmpty else { throw .usage("bundle.selftest.data: \(spec.selftestData) has no data rows") }
        var inputs: [[Value.Entry]] = []
        for (r, row) in rows.enumerated() {
            var entries: [Value.Entry] = []
            for column in schema.input {
                guard let i = header.firstIndex(of: column.name) else {
                    throw .usage("bundle.selftest.data: \(spec.selftestData) has no column '\(column.name)' (the schema's input)\(Suggestion.hint(for: column.name, in: header))")
                }
                let field = i < row.count ? row[i] : ""
                guard let value = column.value(from: field) else {
                    throw .usage("bundle.selftest.data: \(spec.selftestData) row \(r + 1), column '\(column.name)': '\(field)' is not \(column.type.withArticle)")
                }
                if let problem = Schema.mismatch(value, column) { throw .usage("bundle.selftest.data: \(spec.selftestData) row \(r + 1): \(problem)") }
                entries.append(.init(column.name, value))
            }
            inputs.append(entries)
        }
        guard let loader = loaders.byFlavor[spec.flavor] else { return Selftest(inputs: inputs, outputs: nil) }
        var model: [String: [UInt8]] = [:]
        for f in files where f.name == modelEntry || f.name.hasPrefix(modelEntry + "/") {
            if case .file(let path) = f.source { model[f.name] = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? [] }
        }
        do {
            let outputs = try loader.load(entry: modelEntry, files: model, schema: schema).predict(Batch(rows: inputs, columns: schema.input.map(\.name)))
            return Selftest(inputs: inputs, outputs: outputs)
        } catch {
            throw .usage("the \(spec.flavor) loader could not run the selftest rows: \(error)")
        }
    }
}
