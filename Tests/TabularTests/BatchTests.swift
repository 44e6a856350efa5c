import Tabular
import Testing
import YAML

/// The one shape a predictor takes: cells row after row in the schema's column order.
@Suite struct BatchTests {
    @Test func keyedRowsBecomeCellsInTheColumnsOrder() {
        let rows: [[Value.Entry]] = [
            [.init("a", .int(1)), .init("b", .string("x"))],
            [.init("b", .string("y")), .init("a", .int(2))],  // another order
            [.init("a", .int(3))],  // b missing: null
        ]
        let batch = Batch(rows: rows, columns: ["a", "b"])
        #expect(batch.count == 3)
        #expect(batch.cells == [.int(1), .string("x"), .int(2), .string("y"), .int(3), .null])
        #expect(Array(batch.row(1)) == [.int(2), .string("y")])
        #expect(batch.rows[1] == [.init("a", .int(2)), .init("b", .string("y"))])
        #expect(Batch(columns: ["a", "b"], cells: batch.cells) == batch)
    }

    @Test func cellsThatAreNotWholeRowsAreRefused() {
        #expect(Batch(columns: ["a", "b"], cells: [.int(1), .int(2), .int(3)]) == nil)
        #expect(Batch(columns: [], cells: []) == nil)
        #expect(Batch(columns: ["url"], cells: [.string("http://a"), .string("http://b")])?.count == 2)
    }
}
