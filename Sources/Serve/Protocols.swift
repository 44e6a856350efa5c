import Tabular
import YAML

/// The request and response shapes of each protocol, over a served model. Pure: bytes and a content type
/// in, a JSON value out (or a `ClientError`), so every shape is tested without a socket.
struct Protocols: Sendable {
    let model: ServedModel
    let maxRows: Int
    let rows: Rows
    /// The input columns in order: rows that list their features so are read without a duplicate-key check.
    let expectedKeys: JSONParser.ExpectedKeys?

    /// The input columns: rows in the usual shape are read straight into cells (`quickRows`), strings (a raw
    /// URL) as well as numbers.
    let quickColumns: JSONParser.ExpectedKeys?
    /// Each input column's limits, and whether it lists allowed values, for `quickRows`' per-cell checks.
    let quickLimits: [Schema.Column.Limits]
    let listsValues: [Bool]

    init(model: ServedModel, maxRows: Int) {
        self.model = model
        self.maxRows = maxRows
        rows = Rows(schema: model.schema, maxRows: maxRows)
        expectedKeys = JSONParser.ExpectedKeys(model.schema.input.map(\.name))
        quickColumns = expectedKeys
        identity = .map([.init("name", .string(model.name)), .init("version", .string(model.version)), .init("digest", .string("sha256:" + model.digest))])
        quickLimits = model.schema.input.map(\.limits)
        listsValues = model.schema.input.map { $0.values != nil }
    }

    enum Body { case json(Value), csv(String) }

    /// The media type of a Content-Type header, lowercased, without its parameters; JSON when there is none.
    static func media(_ contentType: String?) -> String {
        if contentType == "application/json" { return "application/json" }  // as nearly every client sends it
        return contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "application/json"
    }

    /// The body by its content type: JSON (also when none is given) or, where `csv` is allowed, CSV.
    static func body(_ bytes: [UInt8], contentType: String?, csv: Bool, expected: JSONParser.ExpectedKeys? = nil) throws(ClientError) -> Body {
        let media = media(contentType)
        switch media {
        case "application/json":
            do { return .json(try JSONParser.parse(bytes, expected: expected, nonFinite: true)) } catch { throw ClientError("the body is not valid JSON: \(error.description)") }
        case "text/csv" where csv:
            guard let text = String(validating: bytes, as: UTF8.self) else { throw ClientError("the CSV body is not valid UTF-8") }
            return .csv(text)
        default:
            throw ClientError(.unsupportedMediaType, "content type '\(media)' is not accepted here: send application/json\(csv ? " or text/csv" : "")")
        }
    }

    /// A JSON body's rows when it is in the usual shape (`JSONParser.rows`), under a key and shape that
    /// `accepts` allows, with every cell as the schema wants it (ints and doubles converted as `Rows` does):
    /// the same cells the full reader would give, without a tree of values. Nil for any other body, and for
    /// any cell the schema refuses: the full reader then reads it again and names the problem.
    func quickRows(_ bytes: [UInt8], contentType: String?, accepts: (String, JSONRows.Shape) -> Bool) -> JSONRows? {
        guard let quickColumns, Protocols.media(contentType) == "application/json",
              var batch = JSONParser.rows(bytes, columns: quickColumns, maxRows: maxRows, nonFinite: true), accepts(batch.key, batch.shape) else { return nil }
        // Each cell is checked against its column's limits (no reference counting per cell), and against the
        // whole column only when it lists allowed values: the same checks as `Rows.cell`.
        let columns = model.schema.input
        for k in batch.cells.indices {
            let c = k % quickLimits.count
            let cell = Rows.converted(batch.cells[k], to: quickLimits[c].type)
            guard quickLimits[c].problem(cell) == nil, !listsValues[c] || Schema.mismatch(cell, columns[c]) == nil else { return nil }
            batch.cells[k] = cell
        }
        return batch
    }

    /// The keys and shapes `quickRows` takes for proj's own API (and KServe v1's predict): `instances` records.
    static func v1Quick(_ key: String, _ shape: JSONRows.Shape) -> Bool { key == "instances" && shape == .records }

    /// ... and for MLflow's scoring protocol: a `dataframe_split`, or records under any of its record keys.
    static func mlflowQuick(_ key: String, _ shape: JSONRows.Shape) -> Bool {
        shape == .split ? key == "dataframe_split" : ["dataframe_records", "instances", "inputs"].contains(key)
    }

    func object(_ value: Value) throws(ClientError) -> [Value.Entry] {
        guard case .map(let entries) = value else { throw ClientError("the body must be a JSON object") }
        return entries
    }

    /// The model's identity, as every response carries it (made once).
    let identity: Value

    // MARK: - proj's own: POST /v1/predict

    /// `{"instances": [{...}]}`, `{"urls": [...]}` or a CSV body -> the rows.
    func v1Rows(_ body: Body) throws(ClientError) -> [[Value.Entry]] {
        switch body {
        case .csv(let text): return try rows.csv(text)
        case .json(let value):
            let entries = try object(value)
            let keys = entries.map(\.key)
            guard keys.count == 1 else {
                throw ClientError("the body must hold exactly one of 'instances'\(model.takesURL ? " or 'urls'" : ""), not \(keys.isEmpty ? "nothing" : keys.map { "'\($0)'" }.joined(separator: ", "))")
            }
            switch keys[0] {
            case "instances":
                if model.takesURL, case .list(let items) = entries[0].value, items.allSatisfy({ $0.string != nil }) {
                    return try rows.urls(entries[0].value, path: "instances")
                }
                return try rows.records(entries[0].value, path: "instances")
            case "urls": return try rows.urls(entries[0].value, path: "urls")
            default: throw ClientError("unknown key '\(keys[0])': send 'instances'\(model.takesURL ? " or 'urls'" : "")", field: keys[0])
            }
        }
    }

    func v1Response(_ outputs: [[Value.Entry]]) -> Value {
        .map([.init("predictions", .list(outputs.map(Value.map))), .init("model", identity)])
    }

    // MARK: - MLflow scoring server: POST /invocations

    /// `dataframe_split`, `dataframe_records`, `instances` or `inputs` (optionally with `params`), or CSV.
    func mlflowRows(_ body: Body) throws(ClientError) -> [[Value.Entry]] {
        guard case .json(let value) = body else {
            guard case .csv(let text) = body else { fatalError("unreachable") }
            return try rows.csv(text)
        }
        let entries = try object(value).filter { $0.key != "params" }
        let formats = ["dataframe_split", "dataframe_records", "instances", "inputs"]
        guard entries.count == 1, formats.contains(entries[0].key) else {
            throw ClientError("the body must hold exactly one of \(formats.map { "'\($0)'" }.joined(separator: ", ")) (got \(entries.map { "'\($0.key)'" }.joined(separator: ", ")))")
        }
        let key = entries[0].key, payload = entries[0].value
        switch key {
        case "dataframe_split":
            guard case .map(let split) = payload, case .list(let columns)? = split.first(where: { $0.key == "columns" })?.value,
                  let data = split.first(where: { $0.key == "data" })?.value else {
                throw ClientError("'dataframe_split' needs 'columns' and 'data'", field: key)
            }
            let names = columns.compactMap(\.string)
            guard names.count == columns.count else { throw ClientError("'dataframe_split.columns' must be strings", field: "dataframe_split.columns") }
            return try rows.table(columns: names, data: data, path: "dataframe_split.data")
        case "dataframe_records":
            return try rows.records(payload, path: key)
        default:
            return try tensorRows(payload, path: key)
        }
    }

    /// Tensor-style input (TensorFlow Serving's `instances` and `inputs`, as MLflow and KServe v1 take them):
    /// a list of records, a list of rows of values in the schema's order, raw URLs, or columns.
    func tensorRows(_ payload: Value, path: String) throws(ClientError) -> [[Value.Entry]] {
        switch payload {
        case .map(let columns): return try rows.columnar(columns, path: path)
        case .list(let items) where items.first.map({ if case .list = $0 { return true } else { return false } }) == true:
            return try rows.table(columns: model.schema.input.map(\.name), data: payload, path: path)
        case .list(let items) where model.takesURL && items.allSatisfy({ $0.string != nil }):
            return try rows.urls(payload, path: path)
        default: return try rows.records(payload, path: path)
        }
    }

    // MARK: - KServe v1: POST /v1/models/NAME:predict

    /// `{"instances": [...]}` or `{"inputs": ...}`, as KServe's v1 servers take them: rows of values in the
    /// schema's order (what its clients send), records, raw URLs, or columns.
    func kserveV1Rows(_ body: Body) throws(ClientError) -> [[Value.Entry]] {
        guard case .json(let value) = body else { throw ClientError(.unsupportedMediaType, "send application/json") }
        let entries = try object(value)
        guard entries.count == 1, entries[0].key == "instances" || entries[0].key == "inputs" else {
            throw ClientError("the body must hold exactly one of 'instances', 'inputs' (got \(entries.isEmpty ? "nothing" : entries.map { "'\($0.key)'" }.joined(separator: ", ")))")
        }
        return try tensorRows(entries[0].value, path: entries[0].key)
    }

    /// `{"predictions": [...]}`: MLflow's answer, and KServe v1's.
    func mlflowResponse(_ outputs: [[Value.Entry]]) -> Value { .map([.init("predictions", .list(outputs.map(Value.map)))]) }

    // MARK: - Open Inference Protocol (KServe v2)

    static func datatype(_ type: Schema.ColumnType) -> String {
        switch type {
        case .string: return "BYTES"
        case .int: return "INT64"
        case .double: return "FP64"
        case .bool: return "BOOL"
        }
    }

    static let numericTypes: Set<String> = ["INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "FP16", "FP32", "FP64"]

    /// `GET /v2/models/{name}`.
    var v2Metadata: Value {
        func tensor(_ c: Schema.Column) -> Value { .map([.init("name", .string(c.name)), .init("datatype", .string(Protocols.datatype(c.type))), .init("shape", .list([.int(-1)]))]) }
        return .map([.init("name", .string(model.name)), .init("versions", .list([.string(model.version)])), .init("platform", .string("proj-\(model.flavor)")),
                     .init("inputs", .list(model.schema.input.map(tensor))), .init("outputs", .list(model.schema.output.map(tensor)))])
    }

    /// An inference request: one tensor per input column (shape [n] or [n, 1]), or one [n, k] tensor with
    /// the k inputs in the schema's order. Returns the rows, the request id and the outputs asked for.
    func v2Rows(_ value: Value) throws(ClientError) -> (rows: [[Value.Entry]], id: Value?, outputs: [String]?) {
        let body = try object(value)
        guard case .list(let tensors)? = body.first(where: { $0.key == "inputs" })?.value, !tensors.isEmpty else {
            throw ClientError("the body needs 'inputs': a list of tensors {name, shape, datatype, data}", field: "inputs")
        }
        var columns: [Value.Entry] = []
        var table: (data: [Value], width: Int)?
        for (t, tensor) in tensors.enumerated() {
            let path = "inputs[\(t)]"
            guard case .map = tensor, let name = tensor["name"]?.string, let datatype = tensor["datatype"]?.string,
                  case .list(let shape)? = tensor["shape"], let data = tensor["data"] else {
                throw ClientError("'\(path)' must be an object with 'name', 'shape', 'datatype' and 'data'", field: path)
            }
            let dims = shape.compactMap { if case .int(let d) = $0 { return d } else { return nil } }
            guard dims.count == shape.count, !dims.isEmpty, dims.count <= 2, dims.allSatisfy({ $0 >= 0 }) else {
                throw ClientError("'\(path).shape' must be [rows] or [rows, columns] of non-negative integers", field: "\(path).shape")
            }
            let flat = flatten(data)
            guard flat.count == dims.reduce(1, *) else {
                throw ClientError("'\(path)' holds \(flat.count) values but its shape \(Value.list(shape).inlineText) needs \(dims.reduce(1, *))", field: "\(path).data")
            }
            if let column = model.schema.input.first(where: { $0.name == name }), dims.count == 1 || dims[1] == 1 {
                try checkType(datatype, column.type, path: path)
                columns.append(.init(name, .list(flat)))
            } else if tensors.count == 1, dims.count == 2, dims[1] == model.schema.input.count {
                for column in model.schema.input { try checkType(datatype, column.type, path: path) }
                table = (flat, dims[1])
            } else {
                throw ClientError("'\(path)' named '\(name)' is neither an input of the model (\(rows.names)) with shape [n] or [n, 1], nor one [n, \(model.schema.input.count)] tensor of all inputs", field: path)
            }
        }
        var out: [[Value.Entry]]
        if let table {
            var data: [Value] = []
            var k = 0
            while k < table.data.count { data.append(.list(Array(table.data[k..<(k + table.width)]))); k += table.width }
            out = try rows.table(columns: model.schema.input.map(\.name), data: .list(data), path: "inputs[0].data")
        } else {
            out = try rows.columnar(columns, path: "inputs")
        }
        var wanted: [String]?
        if case .list(let requested)? = body.first(where: { $0.key == "outputs" })?.value {
            wanted = []
            for (o, item) in requested.enumerated() {
                guard let name = item["name"]?.string, model.schema.output.contains(where: { $0.name == name }) else {
                    throw ClientError("'outputs[\(o)]' must name an output of the model (\(model.schema.output.map(\.name).joined(separator: ", ")))", field: "outputs[\(o)]")
                }
                wanted!.append(name)
            }
        }
        let id = body.first(where: { $0.key == "id" })?.value
        if let id, id.string == nil { throw ClientError("'id' must be a string", field: "id") }
        return (out, id, wanted)
    }

    func checkType(_ datatype: String, _ type: Schema.ColumnType, path: String) throws(ClientError) {
        let ok: Bool
        switch type {
        case .string: ok = datatype == "BYTES"
        case .bool: ok = datatype == "BOOL"
        case .int: ok = Protocols.numericTypes.contains(datatype) && !datatype.hasPrefix("FP")
        case .double: ok = Protocols.numericTypes.contains(datatype)
        }
        guard ok else { throw ClientError("'\(path).datatype' is \(datatype), the model's input is \(Protocols.datatype(type))", field: "\(path).datatype") }
    }

    func flatten(_ value: Value) -> [Value] {
        guard case .list(let items) = value else { return [value] }
        return items.flatMap(flatten)
    }

    func v2Response(_ outputs: [[Value.Entry]], id: Value?, wanted: [String]?) -> Value {
        let columns = model.schema.output.filter { wanted?.contains($0.name) ?? true }
        var entries: [Value.Entry] = [.init("model_name", .string(model.name)), .init("model_version", .string(model.version))]
        if let id { entries.append(.init("id", id)) }
        entries.append(.init("outputs", .list(columns.map { column in
            .map([.init("name", .string(column.name)), .init("datatype", .string(Protocols.datatype(column.type))), .init("shape", .list([.int(outputs.count)])),
                  .init("data", .list(outputs.map { row in row.first { $0.key == column.name }?.value ?? .null }))])
        })))
        return .map(entries)
    }
}
