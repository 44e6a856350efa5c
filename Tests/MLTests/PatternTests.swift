import Foundation
@testable import ML
import Testing

/// The hand-written matchers against the dataset's own regular expressions (here as the reference), on a quarter
/// of the training URLs and on cases built to sit on each expression's edges.
@Suite struct PatternTests {
    nonisolated(unsafe) static let ip = try! Regex(
        #"(([01]?\d\d?|2[0-4]\d|25[0-5])\.([01]?\d\d?|2[0-4]\d|25[0-5])\.([01]?\d\d?|2[0-4]\d|25[0-5])\.([01]?\d\d?|2[0-4]\d|25[0-5])\/)|"#
        + #"((0x[0-9a-fA-F]{1,2})\.(0x[0-9a-fA-F]{1,2})\.(0x[0-9a-fA-F]{1,2})\.(0x[0-9a-fA-F]{1,2})\/)|"#
        + #"(?:[a-fA-F0-9]{1,4}:){7}[a-fA-F0-9]{1,4}|[0-9a-fA-F]{7}"#)
    nonisolated(unsafe) static let shortener = try! Regex(Patterns.shorteners.map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: ".", with: #"\."#) }.joined(separator: "|"))
    nonisolated(unsafe) static let abnormal = try! Regex(#"(http[s]?://(w[w]?|\d))([w]?(\d|-))"#)

    static let edges = [
        "http://1.2.3.4/", "http://1.2.3.4", "http://255.255.255.255/a", "http://256.1.1.1/", "http://999.1.1.1/", "http://1.256.1.1/",
        "http://1.2.3.299/", "http://1.2.3.199/", "http://01.002.3.4/", "http://1.2.3.4.5/", "http://1..2.3/", "x1.2.3.4/",
        "http://0x1.0xA.0xff.0x0/", "http://0x1.0xA.0xfff.0x0/", "http://0x.0x1.0x1.0x1/", "0x1.0x1.0x1.0x1",
        "http://[2001:db8:0:0:0:0:2:1]/", "http://[2001:db8::1]/", "a:b:c:d:e:f:1:2", "12345:1:1:1:1:1:1:1", "g:1:1:1:1:1:1:1",
        "1:1:1:1:1:1:1:g", "http://abcdef1.com", "http://abcdefg.com", "http://deadbeef.example", "http://abc123.com/12345678",
        "http://bit.ly/x", "https://BIT.LY/x", "https://BudURL.com/a", "http://budurl.com/a", "http://t.co", "http://t-co.com",
        "http://x.com", "http://tinyurlx.com", "http://www-1.a.com", "http://wwww-.a.com", "http://ww1.a.com", "http://w2-.a.com",
        "https://1a.com", "https://12.com", "http://w.com", "http://ww.com", "http://www.a.com", "http://wwww.a.com", "https://ww-a.com",
        "http://a.com/redirect?u=http://w1.b.com", "httpss://w1.com", "http//w1.com", "", "http://", "ftp://1.2.3.4/",
    ]

    @Test func matchersAgreeWithTheExpressions() throws {
        let table = try Table.read(phishingCSV)
        let u = try table.column("url", in: phishingCSV)
        // Every 4th training URL: the full file is already checked against the dataset's columns.
        for url in stride(from: 0, to: table.rows.count, by: 4).map({ table.rows[$0][u] }) + Self.edges {
            #expect(Patterns.ip(url) == url.contains(Self.ip), "ip: \(url)")
            #expect(Patterns.shortener(url) == url.contains(Self.shortener), "shortener: \(url)")
            #expect(Patterns.abnormalSubdomain(url) == url.contains(Self.abnormal), "abnormal_subdomain: \(url)")
        }
        #expect(Patterns.ip("http://1.2.3.4/") && !Patterns.ip("http://1.2.3.4") && Patterns.shortener("http://bit.ly/x"))
        #expect(Patterns.abnormalSubdomain("http://ww1.a.com") && !Patterns.abnormalSubdomain("http://www.a.com"))
    }
}
