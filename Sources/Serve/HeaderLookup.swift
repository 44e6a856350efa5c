import HTTPTypes

extension HTTPFields {
    /// The first value of the field `name`, or nil. Unlike the subscript, which joins every value of the field
    /// into a new string, this allocates nothing: it is what the per-request paths use for a single-valued
    /// field (Content-Length, Content-Type, Connection, Expect).
    func first(_ name: HTTPField.Name) -> String? {
        for field in self where field.name == name { return field.value }
        return nil
    }
}
