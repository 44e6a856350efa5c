import Foundation

/// Text made safe for HTML and SVG, and links built from query parameters.
enum HTML {
    /// `text` with `& < > " '` as entities: safe in element content and in quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `path?k=v&...`, every key and value percent-encoded (attribute-safe once escaped).
    static func link(_ path: String, _ parameters: [(String, String)]) -> String {
        guard !parameters.isEmpty else { return path }
        return path + "?" + parameters.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// Percent-encoding of everything but unreserved characters.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// A number as a chart or table shows it: up to 6 significant digits.
    static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : (value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf"))
    }
}

/// A page's query parameters, in order, keys repeated as a form sends them (`run=a&run=b`).
struct WebQuery: Sendable {
    var pairs: [(String, String)]

    func first(_ key: String) -> String? { pairs.first { $0.0 == key }?.1 }
    func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }

    /// A whole number in `range`, `fallback` when absent or not one.
    func int(_ key: String, _ fallback: Int, in range: ClosedRange<Int>) -> Int {
        guard let text = first(key), let n = Int(text) else { return fallback }
        return min(max(n, range.lowerBound), range.upperBound)
    }

    /// The pairs of a raw query string (`a=1&b=x+y&b=%3E`): `+` is a space, percent-escapes are decoded (a
    /// malformed escape is kept as it came), a name without `=` has an empty value.
    static func decode(_ query: String) -> [(String, String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func text(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (text(pieces[0]), pieces.count > 1 ? text(pieces[1]) : "")
        }
    }

    /// These parameters with `key` set to `value` (every earlier value of `key` dropped; nil drops it).
    func with(_ key: String, _ value: String?) -> [(String, String)] {
        pairs.filter { $0.0 != key } + (value.map { [(key, $0)] } ?? [])
    }
}
