/// The dataset's URL features that need the registered domain: the URL's words (host and path split at
/// `-./?=@&%:_`), the public suffix's place, and the word statistics, with the dataset tooling's definitions.
extension URLStructure {
    /// Feature names in output order.
    public static let domainNames: [String] = [
        "nb_com", "tld_in_path", "tld_in_subdomain", "path_extension", "length_words_raw", "char_repeat",
        "shortest_words_raw", "shortest_word_host", "shortest_word_path",
        "longest_words_raw", "longest_word_host", "longest_word_path",
        "avg_words_raw", "avg_word_host", "avg_word_path", "suspecious_tld",
    ]

    /// Suffixes the dataset flags as suspicious (Spamhaus, shady top-level domains and its own statistics).
    static let suspiciousSuffixes: Set<String> = [
        "fit", "tk", "gp", "ga", "work", "ml", "date", "wang", "men", "icu", "online", "click", "country", "stream",
        "download", "xin", "racing", "jetzt", "ren", "mom", "party", "review", "trade", "accountants", "science",
        "ninja", "xyz", "faith", "zip", "cricket", "win", "accountant", "realtor", "top", "christmas", "gdn", "link",
        "asia", "club", "la", "ae", "exposed", "pe", "go.id", "rs", "k12.pa.us", "or.kr", "ce.ke", "audio", "gob.pe",
        "gov.az", "website", "bj", "mx", "media", "sa.gov.au",
    ]

    static let wordSeparators = Set("-./?=@&%:_".unicodeScalars)
    static let com = Array("com".unicodeScalars)

    /// What the features need of a list of words: count, shortest, longest and total length, repeated
    /// runs, and how many words hold "com"; lists join by adding.
    struct WordStats {
        var count = 0, shortest = Int.max, longest = 0, total = 0, repeats = 0, com = 0

        init() {}

        /// The words of one part of a URL, lower-cased, split at the separators, empty pieces dropped.
        init<S: Collection<Unicode.Scalar>>(_ part: S) {
            let lower = URLStructure.lowercased(part)
            var start = 0
            for i in 0...lower.count where i == lower.count || wordSeparators.contains(lower[i]) {
                if i > start { add(lower[start..<i]) }
                start = i + 1
            }
        }

        mutating func add(_ word: ArraySlice<Unicode.Scalar>) {
            add(length: word.count, repeats: URLStructure.repeats(word), com: URLStructure.find(word, URLStructure.com, from: word.startIndex) != nil)
        }

        mutating func add(length: Int, repeats: Int, com: Bool) {
            count += 1
            shortest = Swift.min(shortest, length)
            longest = Swift.max(longest, length)
            total += length
            self.repeats += repeats
            if com { self.com += 1 }
        }

        static func + (a: WordStats, b: WordStats) -> WordStats {
            var out = a
            out.count += b.count
            out.shortest = Swift.min(a.shortest, b.shortest)
            out.longest = Swift.max(a.longest, b.longest)
            out.total += b.total
            out.repeats += b.repeats
            out.com += b.com
            return out
        }

        var min: Double { count == 0 ? 0 : Double(shortest) }
        var max: Double { Double(longest) }
        var average: Double { count == 0 ? 0 : Double(total) / Double(count) }
    }

    /// Scalars lower-cased as `String.lowercased()` does: ASCII one by one, anything else through it.
    static func lowercased<S: Collection<Unicode.Scalar>>(_ s: S) -> [Unicode.Scalar] {
        guard s.allSatisfy({ $0.isASCII }) else { return Array(String(String.UnicodeScalarView(s)).lowercased().unicodeScalars) }
        return s.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value | 0x20)! : $0 }
    }

    /// The features of one URL, in `domainNames` order.
    public static func domainFeatures(_ url: String, suffixes: PublicSuffixList) -> [Double] {
        let parts = DomainParts(url: url, suffixes: suffixes)
        let u = Array(url.unicodeScalars)
        // The path is what follows the first "/" after the first occurrence of the suffix's text in the URL
        // (the start of the URL when the suffix is empty), as the dataset's tooling cut it; Python's
        // `url[url.find(suffix):]` gives the last character when the text is not found.
        let suffix = Array(parts.suffix.unicodeScalars)
        let start = suffix.isEmpty ? 0 : find(u, suffix, from: 0) ?? max(u.count - 1, 0)
        let tail = u[start...]
        let path = tail.firstIndex(of: "/").map { tail[$0...] } ?? []
        let subdomain = Array(parts.subdomain.unicodeScalars)
        let domainWords = WordStats(parts.domain.unicodeScalars), subdomainWords = WordStats(subdomain)
        let pathWords = WordStats(path.dropFirst())
        let host = domainWords + subdomainWords
        let raw = domainWords + pathWords + subdomainWords

        var out: [Double] = []
        out.append(Double(raw.com))
        out.append(contains(lowercased(path), suffix) ? 1 : 0)
        out.append(contains(subdomain, suffix) ? 1 : 0)
        out.append(path.count >= 4 && path.suffix(4).elementsEqual(".txt".unicodeScalars) ? 1 : 0)
        out.append(Double(raw.count))
        out.append(Double(raw.repeats))
        for list in [raw, host, pathWords] { out.append(list.min) }
        for list in [raw, host, pathWords] { out.append(list.max) }
        for list in [raw, host, pathWords] { out.append(list.average) }
        out.append(suspiciousSuffixes.contains(parts.suffix) ? 1 : 0)
        return out
    }

    /// Python's `needle in s`: the empty needle is in every string.
    static func contains(_ s: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        needle.isEmpty || find(s, needle, from: 0) != nil
    }

    /// Runs of 2, 3, 4 and 5 equal characters in a word, each window counted (`aaa` has two 2-runs and one 3-run).
    static func repeats(_ word: ArraySlice<Unicode.Scalar>) -> Int {
        var count = 0
        for n in 2...5 where word.count >= n {
            for i in word.startIndex...(word.endIndex - n) where word[i..<(i + n)].allSatisfy({ $0 == word[i] }) { count += 1 }
        }
        return count
    }
}
