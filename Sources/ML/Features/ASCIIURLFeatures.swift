/// The URL-structure and registered-domain features of a URL in ASCII without a carriage return, where
/// every scalar and every Character is one byte: the same values as `URLStructure.features` and
/// `URLStructure.domainFeatures`, which stay the definitions (and the path of every other URL), computed
/// over the URL's bytes and their lower-cased copy without building strings or sets.
/// `URLModelAgreementTests` holds the two equal on every URL of the data and on random URL-like strings.
enum ASCIIURLFeatures {
    /// Appends the features to `out` (structure, then the domain ones when `suffixes` is given); false,
    /// with `out` untouched, when the URL is not ASCII or holds a carriage return.
    static func append(_ b: UnsafeBufferPointer<UInt8>, lower: UnsafeBufferPointer<UInt8>, suffixes: PublicSuffixList?,
                       to out: inout [Double]) -> Bool {
        guard isPlainASCII(b) else { return false }
        structure(b, lower: lower, to: &out)
        if let suffixes { domain(b, lower: lower, suffixes: suffixes, to: &out) }
        return true
    }

    static func isPlainASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool { b.allSatisfy { $0 < 0x80 && $0 != 0x0D } }

    // MARK: - Byte classes

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isLowerOrDigit(_ c: UInt8) -> Bool { c &- 0x61 < 26 || isDigit(c) }

    /// `URLStructure.wordSeparators`: `-./?=@&%:_`.
    @inline(__always) static func isSeparator(_ c: UInt8) -> Bool {
        switch c {
        case 0x2D, 0x2E, 0x2F, 0x3F, 0x3D, 0x40, 0x26, 0x25, 0x3A, 0x5F: true
        default: false
        }
    }

    /// The place of `c` in `URLStructure.counted`, or -1.
    @inline(__always) static func countedIndex(_ c: UInt8) -> Int {
        switch c {
        case 0x2E: 0   // .
        case 0x2D: 1   // -
        case 0x40: 2   // @
        case 0x3F: 3   // ?
        case 0x26: 4   // &
        case 0x7C: 5   // |
        case 0x3D: 6   // =
        case 0x5F: 7   // _
        case 0x7E: 8   // ~
        case 0x25: 9   // %
        case 0x2F: 10  // /
        case 0x2A: 11  // *
        case 0x3A: 12  // :
        case 0x2C: 13  // ,
        case 0x3B: 14  // ;
        case 0x24: 15  // $
        default: -1
        }
    }

    /// The first occurrence of `needle` in `s[from..<to]`, as an index of `s`.
    @inline(__always)
    static func find(_ s: UnsafeBufferPointer<UInt8>, _ needle: StaticString, from: Int, to: Int) -> Int? {
        needle.withUTF8Buffer { find(s, $0, from: from, to: to) }
    }

    static func find(_ s: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard !needle.isEmpty else { return from <= to ? from : nil }
        let first = needle[0]
        var i = from
        while i + needle.count <= to {
            if s[i] == first {
                var k = 1
                while k < needle.count, s[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Non-overlapping occurrences of `needle` in `s[from..<to]`.
    static func count(_ s: UnsafeBufferPointer<UInt8>, _ needle: StaticString, from: Int, to: Int) -> Int {
        needle.withUTF8Buffer { needle in
            var found = 0, i = from
            while let p = find(s, needle, from: i, to: to) { found += 1; i = p + needle.count }
            return found
        }
    }

    // MARK: - URL structure

    /// `URLStructure.features`.
    static func structure(_ u: UnsafeBufferPointer<UInt8>, lower: UnsafeBufferPointer<UInt8>, to out: inout [Double]) {
        let n = u.count
        // The parts as urlsplit sees them: scheme, host and path ranges.
        var host = 0..<0, path = 0..<0, https = false
        if let sep = find(u, "://", from: 0, to: n), sep > 0, isLetter(u[0]),
           (0..<sep).allSatisfy({ isLetter(u[$0]) || isDigit(u[$0]) || u[$0] == 0x2B || u[$0] == 0x2D || u[$0] == 0x2E }) {
            https = sep == 5 && find(lower, "https", from: 0, to: 5) == 0
            let hostEnd = (sep + 3..<n).first { u[$0] == 0x2F || u[$0] == 0x3F || u[$0] == 0x23 } ?? n
            host = sep + 3..<hostEnd
            path = hostEnd..<((hostEnd..<n).first { u[$0] == 0x3F || u[$0] == 0x23 } ?? n)
        } else {
            path = 0..<((0..<n).first { u[$0] == 0x3F || u[$0] == 0x23 } ?? n)
        }

        let base = out.count
        out.append(contentsOf: repeatElement(0, count: URLStructure.counted.count))
        var digits = 0, spaces = 0
        // "www" holds no separator, so each occurrence lies in one word; a word counts once.
        var wwwWords = 0, wordStart = 0, lastCounted = -1
        var lastDoubleSlash = 0, i = 0
        for k in 0..<n {
            let c = u[k]
            let slot = countedIndex(c)
            if slot >= 0 { out[base + slot] += 1 }
            if isDigit(c) { digits += 1 } else if c == 0x20 { spaces += 1 }
            if isSeparator(c) { wordStart = k + 1; continue }
            if c == 0x77, k >= wordStart + 2, u[k - 1] == 0x77, u[k - 2] == 0x77, lastCounted != wordStart { wwwWords += 1; lastCounted = wordStart }
        }
        while i + 1 < n {
            if u[i] == 0x2F && u[i + 1] == 0x2F { lastDoubleSlash = i; i += 2 } else { i += 1 }
        }
        out.append(Double(n))
        out.append(Double(host.count))
        out.append(Double(spaces + count(u, "%20", from: 0, to: n)))
        out.append(Double(wwwWords))
        out.append(lastDoubleSlash > 6 ? 1 : 0)
        out.append(Double(count(u, "http", from: path.lowerBound, to: path.upperBound)))
        out.append(https ? 0 : 1)
        out.append(n == 0 ? 0 : Double(digits) / Double(n))
        out.append(host.isEmpty ? 0 : Double(host.count { isDigit(u[$0]) }) / Double(host.count))
        out.append(find(u, "http://xn--", from: 0, to: min(n, 11)) == 0 || find(u, "https://xn--", from: 0, to: min(n, 12)) == 0 ? 1 : 0)
        out.append(hasPort(u) ? 1 : 0)
        out.append(prefixSuffix(u) ? 1 : 0)
        let dots = out[base]
        out.append(dots == 1 ? 1 : dots == 2 ? 2 : 3)
        out.append(Patterns.ip(u) ? 1 : 0)
        out.append(Patterns.shortener(u) ? 1 : 0)
        out.append(Patterns.abnormalSubdomain(u) ? 1 : 0)
        out.append(Double(hints(lower)))
    }

    /// `URLStructure.hasPort`: `scheme://[userinfo@]host:digits` with a lowercase scheme and host.
    static func hasPort(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        guard n > 0, u[0] &- 0x61 < 26, let sep = find(u, "://", from: 0, to: n),
              (1..<max(1, sep)).allSatisfy({ isLowerOrDigit(u[$0]) || u[$0] == 0x2B || u[$0] == 0x2D || u[$0] == 0x2E }) else { return false }
        func isHostChar(_ c: UInt8) -> Bool { isLowerOrDigit(c) || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x7E || c == 0x25 }
        func isUserinfo(_ c: UInt8) -> Bool {
            switch c {
            case 0x2D, 0x2E, 0x5F, 0x7E, 0x25, 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D: true  // -._~%!$&'()*+,;=
            default: isLowerOrDigit(c)
            }
        }
        // A host may start after the scheme or after any "@" of the userinfo run that follows it.
        func portAfterHost(_ s: Int) -> Bool {
            var j = s
            while j < n, isHostChar(u[j]) { j += 1 }
            return j > s && j + 1 < n && u[j] == 0x3A && isDigit(u[j + 1])
        }
        let start = sep + 3
        if portAfterHost(start) { return true }
        var i = start
        while i < n, isUserinfo(u[i]) || u[i] == 0x40 {
            if u[i] == 0x40, i > start, portAfterHost(i + 1) { return true }
            i += 1
        }
        return false
    }

    /// `URLStructure.prefixSuffix`: `https?://[^-]+-[^-]+/` anywhere in the URL.
    static func prefixSuffix(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        for prefix: StaticString in ["http://", "https://"] {
            var from = 0
            while let p = find(u, prefix, from: from, to: n) {
                from = p + prefix.utf8CodeUnitCount
                var i = from
                while i < n, u[i] != 0x2D { i += 1 }
                guard i < n, i > from else { continue }
                var j = i + 1
                while j < n, u[j] != 0x2D {
                    if u[j] == 0x2F && j > i + 1 { return true }
                    j += 1
                }
            }
        }
        return false
    }

    static let hintNeedles = Needles(Patterns.hints.map { Array($0.utf8) })

    /// Each hint's non-overlapping occurrences in the lower-cased URL, summed: one pass, each hint's next
    /// allowed start kept apart.
    static func hints(_ lower: UnsafeBufferPointer<UInt8>) -> Int { hintNeedles.countEach(in: lower) }

    // MARK: - Registered domain

    /// `URLStructure.domainFeatures`.
    static func domain(_ u: UnsafeBufferPointer<UInt8>, lower: UnsafeBufferPointer<UInt8>, suffixes: PublicSuffixList, to out: inout [Double]) {
        let host = DomainParts.asciiHostRange(u)
        let parts = split(host, u: u, lower: lower, suffixes: suffixes)
        let n = u.count
        let suffixBytes = UnsafeBufferPointer(rebasing: u[parts.suffix])
        // The path follows the first "/" after the suffix's first occurrence (see `domainFeatures`).
        let start = suffixBytes.isEmpty ? 0 : find(u, suffixBytes, from: 0, to: n) ?? max(n - 1, 0)
        let path = ((start..<n).first { u[$0] == 0x2F } ?? n)..<n
        let domainWords = wordStats(lower, parts.domain), subdomainWords = wordStats(lower, parts.subdomain)
        let pathWords = wordStats(lower, path.isEmpty ? path : path.lowerBound + 1..<path.upperBound)
        let hostWords = domainWords + subdomainWords
        let raw = domainWords + pathWords + subdomainWords

        out.append(Double(raw.com))
        out.append(find(lower, suffixBytes, from: path.lowerBound, to: path.upperBound) != nil ? 1 : 0)
        out.append(find(u, suffixBytes, from: parts.subdomain.lowerBound, to: parts.subdomain.upperBound) != nil ? 1 : 0)
        out.append(path.count >= 4 && find(u, ".txt", from: n - 4, to: n) != nil ? 1 : 0)
        out.append(Double(raw.count))
        out.append(Double(raw.repeats))
        for list in [raw, hostWords, pathWords] { out.append(list.min) }
        for list in [raw, hostWords, pathWords] { out.append(list.max) }
        for list in [raw, hostWords, pathWords] { out.append(list.average) }
        out.append(URLStructure.suspiciousSuffixes.contains(String(decoding: suffixBytes, as: UTF8.self)) ? 1 : 0)
    }

    /// `DomainParts(url:suffixes:)` as ranges of the URL: the host's labels matched against the suffix
    /// list (lower-cased), the suffix, the registered-domain label and the subdomain before it.
    static func split(_ host: Range<Int>, u: UnsafeBufferPointer<UInt8>, lower: UnsafeBufferPointer<UInt8>,
                      suffixes: PublicSuffixList) -> (subdomain: Range<Int>, domain: Range<Int>, suffix: Range<Int>) {
        let end = host.upperBound
        // Only the last `longestRule` labels can start a suffix, and the one before it is the domain.
        let wanted = suffixes.longestRule + 2
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: wanted) { starts in
            // Label starts from the right: starts[0] is the last label's.
            var found = 0, total = 1, k = end
            while k > host.lowerBound {
                if u[k - 1] == 0x2E {
                    if found < wanted { starts[found] = k; found += 1 }
                    total += 1
                }
                k -= 1
            }
            if found < wanted { starts[found] = host.lowerBound; found += 1 }
            // Label i (0-based from the left) starts at starts[total - 1 - i] when it is among the last `found`.
            func labelStart(_ i: Int) -> Int { i >= total ? end : starts[total - 1 - i] }
            func labelEnd(_ i: Int) -> Int { i + 1 >= total ? end : labelStart(i + 1) - 1 }
            func text(_ from: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: lower[from..<end]), as: UTF8.self) }
            var first = total
            for i in max(0, total - suffixes.longestRule)..<total {
                let candidate = text(labelStart(i))
                if suffixes.exceptions.contains(candidate) { first = i + 1; break }
                if suffixes.rules.contains(candidate) { first = i; break }
                if suffixes.wildcards.contains(text(labelStart(i + 1))) { first = i; break }
            }
            let suffix = labelStart(first)..<end
            if suffix.isEmpty, !host.isEmpty, DomainParts.isIPv4(UnsafeBufferPointer(rebasing: u[host])) {
                return (end..<end, host, end..<end)
            }
            let domain = first > 0 ? labelStart(first - 1)..<labelEnd(first - 1) : end..<end
            let subdomain = first > 1 ? host.lowerBound..<labelEnd(first - 2) : end..<end
            return (subdomain, domain, suffix)
        }
    }

    /// `URLStructure.WordStats` of the lower-cased bytes in `range`.
    static func wordStats(_ lower: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> URLStructure.WordStats {
        var stats = URLStructure.WordStats()
        var start = range.lowerBound
        for i in range.lowerBound...range.upperBound where i == range.upperBound || isSeparator(lower[i]) {
            if i > start {
                stats.add(length: i - start, repeats: repeats(lower, start..<i), com: find(lower, "com", from: start, to: i) != nil)
            }
            start = i + 1
        }
        return stats
    }

    /// `URLStructure.repeats`: a run of r equal bytes holds r - n + 1 windows of n equal bytes, n from 2 to 5.
    static func repeats(_ s: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var count = 0, i = range.lowerBound
        while i < range.upperBound {
            var j = i + 1
            while j < range.upperBound, s[j] == s[i] { j += 1 }
            let run = j - i
            for n in 2...5 where run >= n { count += run - n + 1 }
            i = j
        }
        return count
    }
}
