import YAML

extension Value {
    /// A number as a double: an int or a double; nil for anything else (a numeric string stays a string).
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
