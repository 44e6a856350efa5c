import Foundation
@testable import ML
import Testing

let suffixListPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("stages/public_suffix_list.dat").path

func suffixList() throws -> PublicSuffixList { try PublicSuffixList.read(suffixListPath) }

@Suite struct URLStructureTests {
    /// Every implemented feature, computed from the raw URL of all 7658 training rows, against the dataset's own column.
    @Test func featuresAgreeWithTheDatasetColumns() throws {
        let table = try Table.read(phishingCSV)
        let url = try table.column("url", in: phishingCSV)
        let suffixes = try suffixList()
        let names = URLStructure.names + URLStructure.domainNames
        let columns = try names.map { try table.column($0, in: phishingCSV) }
        var agree = [Int](repeating: 0, count: columns.count)
        var firstMiss = [String?](repeating: nil, count: columns.count)
        for row in table.rows {
            let values = URLStructure.features(row[url]) + URLStructure.domainFeatures(row[url], suffixes: suffixes)
            for (k, value) in values.enumerated() {
                if abs(value - (Double(row[columns[k]]) ?? .nan)) < 1e-6 { agree[k] += 1 }
                else if firstMiss[k] == nil { firstMiss[k] = "\(row[url]): \(value) vs \(row[columns[k]])" }
            }
        }
        var report = ""
        for (k, name) in names.enumerated() {
            let rate = Double(agree[k]) / Double(table.rows.count)
            report += String(format: "%@ %.4f", name, rate) + (firstMiss[k].map { " (first miss \($0))" } ?? "") + "\n"
            #expect(rate >= 0.99, "\(name) agrees on \(agree[k]) of \(table.rows.count) rows")
        }
        print(report)
    }

    @Test func examples() {
        let f = Dictionary(uniqueKeysWithValues: zip(URLStructure.names, URLStructure.features("http://user@a-b.example.com:8080/x/y-z/?q=1&r=2")))
        #expect(f["port"] == 1)
        #expect(f["prefix_suffix"] == 1)
        #expect(f["https_token"] == 1)
        #expect(f["length_hostname"] == Double("user@a-b.example.com:8080".count))
        #expect(f["nb_subdomains"] == 2)
        #expect(f["nb_qm"] == 1 && f["nb_and"] == 1 && f["nb_eq"] == 2)
        let g = Dictionary(uniqueKeysWithValues: zip(URLStructure.names, URLStructure.features("https://xn--80ak6aa92e.com/")))
        #expect(g["punycode"] == 1 && g["https_token"] == 0 && g["port"] == 0)
    }
}
