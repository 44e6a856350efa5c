import Foundation

/// Little-endian float arrays, the storage of fitted weights: exact, compact and the same bytes on every machine.
enum BinaryFloats {
    static func encode(_ values: [Double]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    static func decode(_ bytes: [UInt8], name: String) throws(MLError) -> [Double] {
        guard bytes.count % 8 == 0 else { throw MLError("\(name): \(bytes.count) bytes is not a whole number of 8-byte floats") }
        var out: [Double] = []
        out.reserveCapacity(bytes.count / 8)
        var i = 0
        while i < bytes.count {
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            out.append(Double(bitPattern: bits))
            i += 8
        }
        return out
    }
}
