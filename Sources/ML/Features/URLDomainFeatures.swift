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

    /// The words of one part of a URL, lower-cased, empty pieces dropped.
    static func words(_ s: String) -> [[Unicode.Scalar]] {
        Array(s.lowercased().unicodeScalars).split { wordSeparators.contains($0) }.map(Array.init)
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
        let path = tail.firstIndex(of: "/").map { Array(tail[$0...]) } ?? []
        let domainWords = words(parts.domain), subdomainWords = words(parts.subdomain)
        let pathWords = words(String(String.UnicodeScalarView(path.dropFirst())))
        let host = domainWords + subdomainWords
        let raw = domainWords + pathWords + subdomainWords

        var out: [Double] = []
        out.append(Double(raw.filter { find($0, com, from: 0) != nil }.count))
        out.append(contains(Array(String(String.UnicodeScalarView(path)).lowercased().unicodeScalars), suffix) ? 1 : 0)
        out.append(contains(Array(parts.subdomain.unicodeScalars), suffix) ? 1 : 0)
        out.append(path.count >= 4 && path.suffix(4).elementsEqual(".txt".unicodeScalars) ? 1 : 0)
        out.append(Double(raw.count))
        out.append(Double(raw.map(repeats).reduce(0, +)))
        for pick in [{ (l: [Int]) in l.min() ?? 0 }, { $0.max() ?? 0 }] {
            for list in [raw, host, pathWords] { out.append(Double(pick(list.map(\.count)))) }
        }
        for list in [raw, host, pathWords] {
            out.append(list.isEmpty ? 0 : Double(list.map(\.count).reduce(0, +)) / Double(list.count))
        }
        out.append(suspiciousSuffixes.contains(parts.suffix) ? 1 : 0)
        return out
    }

    /// Python's `needle in s`: the empty needle is in every string.
    static func contains(_ s: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        needle.isEmpty || find(s, needle, from: 0) != nil
    }

    /// Runs of 2, 3, 4 and 5 equal characters in a word, each window counted (`aaa` has two 2-runs and one 3-run).
    static func repeats(_ word: [Unicode.Scalar]) -> Int {
        var count = 0
        for n in 2...5 where word.count >= n {
            for i in 0...(word.count - n) where word[i..<(i + n)].allSatisfy({ $0 == word[i] }) { count += 1 }
        }
        return count
    }
}
