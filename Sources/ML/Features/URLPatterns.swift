/// The dataset's regular-expression features, matched by hand over the URL's UTF-8 bytes with the exact
/// semantics of its expressions (Python `re.search`: a match anywhere in the URL as written). A general
/// regex engine spent most of the featurizer's time on these three; `PatternTests` checks each matcher
/// against its expression, kept there as the reference.
enum Patterns {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// A dotted IPv4 address (decimal or hex) followed by a slash, eight IPv6 groups, or seven hex digits in a row.
    static func ip(_ url: String) -> Bool { Array(url.utf8).withUnsafeBufferPointer(ip) }

    static func ip(_ b: Bytes) -> Bool {
        // Seven hex digits in a row are enough. Dotted addresses need three dots and IPv6 seven colons: counted
        // in the same pass, so that most URLs try no form at most positions. Each form starts with a hex digit:
        // a decimal one, the 0 of 0x, or any.
        var run = 0, dots = 0, colons = 0
        for c in b {
            run = isHex(c) ? run &+ 1 : 0
            if run >= 7 { return true }
            dots &+= c == dot ? 1 : 0
            colons &+= c == colon ? 1 : 0
        }
        let dotted = dots >= 3, v6 = colons >= 7
        guard dotted || v6 else { return false }
        return (0..<b.count).contains { p in
            let c = b[p]
            return (dotted && isDigit(c) && (dottedDecimal(b, p) || dottedHex(b, p))) || (v6 && isHex(c) && ipv6(b, p))
        }
    }

    /// Known URL-shortening services (case-sensitive, as the expression is).
    static func shortener(_ url: String) -> Bool { Array(url.utf8).withUnsafeBufferPointer(shortener) }

    static func shortener(_ b: Bytes) -> Bool { shortenerNeedles.occurs(in: b) }

    /// `(http[s]?://(w[w]?|\d))([w]?(\d|-))`: a host starting like `wwww-`, `ww1`, `w2-` or a digit run.
    static func abnormalSubdomain(_ url: String) -> Bool { Array(url.utf8).withUnsafeBufferPointer(abnormalSubdomain) }

    private static let schemes = ["http://", "https://"].map { Array($0.utf8) }

    static func abnormalSubdomain(_ b: Bytes) -> Bool {
        for start in b.indices where b[start] == UInt8(ascii: "h") {
            for scheme in schemes where b[start...].starts(with: scheme) {
                let p = start + scheme.count
                // (w[w]?|\d) takes 1 or 2 bytes, [w]? 0 or 1, then (\d|-).
                for first in [1, 2] where lead(b, p, first) {
                    for optionalW in [0, 1] where optionalW == 0 || at(b, p + first) == w {
                        if let c = at(b, p + first + optionalW), isDigit(c) || c == UInt8(ascii: "-") { return true }
                    }
                }
            }
        }
        return false
    }

    /// Words common in phishing kits' paths, counted (non-overlapping) in the lower-cased URL.
    static let hints = ["wp", "login", "includes", "admin", "content", "site", "images", "js", "alibaba", "css", "myaccount",
                        "dropbox", "themes", "plugins", "signin", "view"]

    static let shorteners: [[UInt8]] = """
        bit.ly goo.gl shorte.st go2l.ink x.co ow.ly t.co tinyurl tr.im is.gd cli.gs yfrog.com migre.me ff.im tiny.cc \
        url4.eu twit.ac su.pr twurl.nl snipurl.com short.to BudURL.com ping.fm post.ly Just.as bkite.com snipr.com \
        fic.kr loopt.us doiop.com short.ie kl.am wp.me rubyurl.com om.ly to.ly bit.do lnkd.in db.tt qr.ae adf.ly \
        bitly.com cur.lv tinyurl.com ity.im q.gs po.st bc.vc twitthis.com u.to j.mp buzurl.com cutt.us u.bb \
        yourls.org prettylinkpro.com scrnch.me filoops.info vzturl.com qr.net 1url.com tweez.me v.gd link.zip.net
        """.split(separator: " ").map { Array($0.utf8) }

    /// The shorteners, each position passed over after one bit test unless a shortener starts with its two bytes.
    static let shortenerNeedles = Needles(shorteners)

    // MARK: - Pieces

    private static let w = UInt8(ascii: "w"), dot = UInt8(ascii: "."), slash = UInt8(ascii: "/"), colon = UInt8(ascii: ":")

    private static func at(_ b: Bytes, _ i: Int) -> UInt8? { i < b.count ? b[i] : nil }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    private static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 97 && c | 0x20 <= 102) }

    /// `w`, `ww` or a digit (one byte) at `p`, taking `length` bytes.
    private static func lead(_ b: Bytes, _ p: Int, _ length: Int) -> Bool {
        guard let c = at(b, p) else { return false }
        return length == 1 ? (c == w || isDigit(c)) : (c == w && at(b, p + 1) == w)
    }

    /// Whether `[01]?\d\d?|2[0-4]\d|25[0-5]` can match `length` (1 to 3) bytes at `p`.
    private static func isOctet(_ b: Bytes, _ p: Int, length: Int) -> Bool {
        var value = 0
        for k in 0..<length {
            guard let c = at(b, p + k), isDigit(c) else { return false }
            value = value * 10 + Int(c) - 48
        }
        return length < 3 || value <= 255 || Int(b[p]) - 48 <= 1
    }

    /// Four decimal octets joined by dots, then a slash, starting at `p`.
    private static func dottedDecimal(_ b: Bytes, _ p: Int, octet: Int = 0) -> Bool {
        (1...3).contains { n in
            guard isOctet(b, p, length: n) else { return false }
            let next = at(b, p + n)
            return octet == 3 ? next == slash : next == dot && dottedDecimal(b, p + n + 1, octet: octet + 1)
        }
    }

    /// Four `0x` + one or two hex digit octets joined by dots, then a slash, starting at `p`.
    private static func dottedHex(_ b: Bytes, _ p: Int, octet: Int = 0) -> Bool {
        guard at(b, p) == UInt8(ascii: "0"), at(b, p + 1) == UInt8(ascii: "x"), let h = at(b, p + 2), isHex(h) else { return false }
        return [1, 2].contains { n in
            guard n == 1 || at(b, p + 3).map(isHex) == true else { return false }
            let next = at(b, p + 2 + n)
            return octet == 3 ? next == slash : next == dot && dottedHex(b, p + 3 + n, octet: octet + 1)
        }
    }

    /// `(?:[a-fA-F0-9]{1,4}:){7}[a-fA-F0-9]{1,4}` starting at `p`.
    private static func ipv6(_ b: Bytes, _ p: Int, group: Int = 0) -> Bool {
        (1...4).contains { n in
            guard (0..<n).allSatisfy({ at(b, p + $0).map(isHex) == true }) else { return false }
            return group == 7 || (at(b, p + n) == colon && ipv6(b, p + n + 1, group: group + 1))
        }
    }
}
