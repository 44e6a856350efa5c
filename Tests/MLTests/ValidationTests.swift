import Bundle
import Foundation
@testable import ML
import Tabular
import Testing

let dataSchemaPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("stages/data-schema.yaml").path

@Suite struct ValidationTests {
    func schema() throws -> Schema {
        try Schema.parse(try String(contentsOfFile: dataSchemaPath, encoding: .utf8), file: "data-schema.yaml")
    }

    @Test func theWholeDatasetMatchesItsSchema() throws {
        let table = try Table.read(phishingCSV)
        let s = try schema()
        #expect(s.input.count + s.output.count == table.header.count)
        #expect(Validation.check(table, schema: s) == [])
    }

    @Test func violationsNameTheRowAndColumn() throws {
        var table = try Table.read(phishingCSV)
        let s = try schema()
        let length = table.header.firstIndex(of: "length_url")!, status = table.header.firstIndex(of: "status")!
        let ip = table.header.firstIndex(of: "ip")!
        table.rows[1][length] = "abc"
        table.rows[3][status] = "benign"
        table.rows[4][ip] = "2"
        table.rows[5][length] = ""
        let found = Validation.check(table, schema: s).map(\.text)
        #expect(found == [
            "row 3, column 'length_url': 'abc' is not an int",
            "row 5, column 'status': 'status' is benign, not one of [legitimate, phishing]",
            "row 6, column 'ip': 'ip' is 2, not one of [0, 1]",
            "row 7, column 'length_url': missing value",
        ])
        var missing = table
        missing.header[length] = "len_url"
        #expect(Validation.check(missing, schema: s).map(\.text) == [
            "row 1, column 'length_url': missing column (the schema lists 89 columns)",
            "row 1, column 'len_url': column not in the schema",
        ])
    }

    @Test func ksStatisticAndPValue() {
        #expect(Drift.statistic([1, 2, 3, 4], [3, 4, 5, 6]) == 0.5)
        #expect(Drift.statistic([1, 2, 3], [1, 2, 3]) == 0)
        #expect(Drift.pValue(0, 100, 100) == 1)
        let a = (0..<300).map { Double($0) }, b = (0..<300).map { Double($0) + 150 }
        let d = Drift.statistic(a, b)
        #expect(d == 0.5)
        #expect(Drift.pValue(d, 300, 300) < 1e-6)
        // scipy.stats.ks_2samp(range(100), range(10, 110), method='asymp') gives D = 0.1, p = 0.6623.
        let p = Drift.pValue(Drift.statistic((0..<100).map(Double.init), (10..<110).map(Double.init)), 100, 100)
        #expect(abs(p - 0.6623) < 0.02)
    }

    @Test func theSplitOfTheRealDataShowsLittleDrift() throws {
        let table = try Table.read(phishingCSV)
        let parts = Split.stratified(table, labelColumn: table.header.firstIndex(of: "status")!, testFraction: 0.2, seed: 42)
        let results = Drift.compare(parts.train, parts.test, schema: try schema(), threshold: 0.01)
        #expect(results.count == 87)
        #expect(results.filter(\.drifted).count <= 3)
    }
}
