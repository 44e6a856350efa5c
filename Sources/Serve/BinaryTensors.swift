import YAML

/// The Open Inference Protocol's binary tensor extension (Triton's, the default of its Python and C++
/// clients): the body is a JSON inference header of `Inference-Header-Content-Length` bytes followed by the
/// raw little-endian data of each input whose `parameters.binary_data_size` says how many bytes it takes, in
/// the inputs' order. The header comes back as the JSON request it stands for, each such input given its
/// `data`, so one code path checks both forms.
enum BinaryTensors {
    static let headerField = "Inference-Header-Content-Length"

    static func request(_ bytes: [UInt8], headerLength: Int) throws(ClientError) -> Value {
        guard headerLength >= 0, headerLength <= bytes.count else {
            throw ClientError("\(headerField) is \(headerLength) but the body has \(bytes.count) bytes", field: headerField)
        }
        let header: Value
        do { header = try JSONParser.parse(Array(bytes[0..<headerLength]), nonFinite: true) } catch {
            throw ClientError("the inference header is not valid JSON: \(error.description)")
        }
        guard case .map(var body) = header, let k = body.firstIndex(where: { $0.key == "inputs" }), case .list(var inputs) = body[k].value else {
            return header  // the JSON checks name what is missing
        }
        var offset = headerLength
        for (t, input) in inputs.enumerated() {
            guard case .map(var entries) = input, let size = input["parameters"]?["binary_data_size"] else { continue }
            let path = "inputs[\(t)]"
            guard case .int(let n) = size, n >= 0, n <= bytes.count - offset else {
                throw ClientError("'\(path).parameters.binary_data_size' must be a byte count within the \(bytes.count - offset) bytes left in the body", field: "\(path).parameters.binary_data_size")
            }
            guard input["data"] == nil else { throw ClientError("'\(path)' has both 'data' and binary data", field: path) }
            let datatype = input["datatype"]?.string ?? ""
            entries.append(.init("data", .list(try values(bytes[offset..<(offset + n)], datatype: datatype, path: path))))
            inputs[t] = .map(entries)
            offset += n
        }
        guard offset == bytes.count else {
            throw ClientError("\(bytes.count - offset) bytes of binary tensor data follow the inputs' binary_data_size", field: "inputs")
        }
        body[k] = .init("inputs", .list(inputs))
        return .map(body)
    }

    /// The tensor's elements, read little-endian by its datatype.
    static func values(_ data: ArraySlice<UInt8>, datatype: String, path: String) throws(ClientError) -> [Value] {
        let bytes = Array(data)
        /// Each `width`-byte little-endian word of the data.
        func words(_ width: Int) throws(ClientError) -> [UInt64] {
            guard bytes.count % width == 0 else {
                throw ClientError("'\(path)' has \(bytes.count) bytes of \(datatype) data, not a multiple of \(width)", field: path)
            }
            return stride(from: 0, to: bytes.count, by: width).map { start in
                (0..<width).reduce(UInt64(0)) { u, b in u | UInt64(bytes[start + b]) << (8 * UInt64(b)) }
            }
        }
        func integers(_ width: Int, signed: Bool) throws(ClientError) -> [Value] {
            try words(width).map { u in
                guard signed else { return u > UInt64(Int.max) ? .double(Double(u)) : .int(Int(u)) }
                let shift = UInt64(64 - 8 * width)  // sign-extends the narrower types
                return .int(Int(Int64(bitPattern: u << shift) >> shift))
            }
        }
        switch datatype {
        case "BOOL": return bytes.map { .bool($0 != 0) }
        case "INT8": return try integers(1, signed: true)
        case "INT16": return try integers(2, signed: true)
        case "INT32": return try integers(4, signed: true)
        case "INT64": return try integers(8, signed: true)
        case "UINT8": return try integers(1, signed: false)
        case "UINT16": return try integers(2, signed: false)
        case "UINT32": return try integers(4, signed: false)
        case "UINT64": return try integers(8, signed: false)
        case "FP32": return try words(4).map { .double(Double(Float(bitPattern: UInt32($0)))) }
        case "FP64": return try words(8).map { .double(Double(bitPattern: $0)) }
        case "BYTES":
            var out: [Value] = []
            var k = 0
            while k < bytes.count {
                guard k + 4 <= bytes.count else { throw ClientError("'\(path)' BYTES data ends inside an element's length", field: path) }
                let n = Int(bytes[k]) | Int(bytes[k + 1]) << 8 | Int(bytes[k + 2]) << 16 | Int(bytes[k + 3]) << 24
                k += 4
                guard n <= bytes.count - k, let s = String(validating: bytes[k..<(k + n)], as: UTF8.self) else {
                    throw ClientError("'\(path)' BYTES element \(out.count) is cut short or not UTF-8", field: path)
                }
                out.append(.string(s))
                k += n
            }
            return out
        default:
            throw ClientError("'\(path)' has datatype '\(datatype)', which has no binary form here (BOOL, INT8-64, UINT8-64, FP32, FP64, BYTES)", field: "\(path).datatype")
        }
    }
}
