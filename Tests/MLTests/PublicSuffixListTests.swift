import Foundation
@testable import ML
import Testing

@Suite struct PublicSuffixListTests {
    func parts(_ url: String) throws -> [String] {
        let p = DomainParts(url: url, suffixes: try suffixList())
        return [p.subdomain, p.domain, p.suffix]
    }

    @Test func splitsHostsAsTheDatasetToolingDid() throws {
        #expect(try parts("http://forums.news.cnn.com/") == ["forums.news", "cnn", "com"])
        #expect(try parts("http://forums.bbc.co.uk/") == ["forums", "bbc", "co.uk"])
        #expect(try parts("http://www.worldbank.org.kg/") == ["www", "worldbank", "org.kg"])
        // Case is kept in the parts and ignored in the lookup; user, port, query and trailing dots are dropped.
        #expect(try parts("https://user:pw@WWW.Example.COM.:8443/a?b#c") == ["WWW", "Example", "COM"])
        // A wildcard rule (*.ck) and its exception (!www.ck).
        #expect(try parts("http://a.b.example.ck/") == ["a", "b", "example.ck"])
        #expect(try parts("http://www.ck/") == ["", "www", "ck"])
        // No rule matches: no suffix, the last label is the domain. A dotted IPv4 address is the domain whole.
        #expect(try parts("http://intranet.local/x") == ["intranet", "local", ""])
        #expect(try parts("http://192.168.0.1:8080/login") == ["", "192.168.0.1", ""])
        #expect(try parts("http://999.1.1.1/") == ["999.1.1", "1", ""])
        // Without a scheme the host is the text up to the first slash; an empty host has no parts.
        #expect(try parts("paypal.com.evil.ru/x") == ["paypal.com", "evil", "ru"])
        #expect(try parts("") == ["", "", ""])
        #expect(try parts("http:///path") == ["", "", ""])
        // A host of 100000 labels (a hostile request) splits like a short one.
        let subdomain = String(repeating: "a.", count: 99_998) + "a"
        #expect(try parts("http://" + String(repeating: "a.", count: 100_000) + "co.uk/") == [subdomain, "a", "co.uk"])
    }

    @Test func domainFeaturesOfAWrittenOutURL() throws {
        let url = "http://www.paypal.com.secure-login.example.co.uk/account/update.txt"
        let f = Dictionary(uniqueKeysWithValues: zip(URLStructure.domainNames, URLStructure.domainFeatures(url, suffixes: try suffixList())))
        // Words: domain [example], path [account, update, txt], subdomain [www, paypal, com, secure, login].
        #expect(f["length_words_raw"] == 9)
        #expect(f["nb_com"] == 1)
        #expect(f["tld_in_subdomain"] == 0)       // "co.uk" is not in "www.paypal.com.secure-login"
        #expect(f["tld_in_path"] == 0)
        #expect(f["path_extension"] == 1)
        #expect(f["char_repeat"] == 4)            // "www": two 2-runs and one 3-run; "paypal": none; "account": one
        #expect(f["shortest_words_raw"] == 3 && f["longest_words_raw"] == 7)
        #expect(f["shortest_word_host"] == 3 && f["longest_word_host"] == 7)
        #expect(f["shortest_word_path"] == 3 && f["longest_word_path"] == 7)
        #expect(f["avg_word_path"] == Double(7 + 6 + 3) / 3)
        #expect(f["suspecious_tld"] == 0)
        let bare = Dictionary(uniqueKeysWithValues: zip(URLStructure.domainNames, URLStructure.domainFeatures("http://site.xyz", suffixes: try suffixList())))
        #expect(bare["suspecious_tld"] == 1 && bare["length_words_raw"] == 1 && bare["avg_word_path"] == 0 && bare["path_extension"] == 0)
        // No suffix: the empty suffix is "in" every path and subdomain, as in the dataset.
        let local = Dictionary(uniqueKeysWithValues: zip(URLStructure.domainNames, URLStructure.domainFeatures("http://a.intranet/x", suffixes: try suffixList())))
        #expect(local["tld_in_path"] == 1 && local["tld_in_subdomain"] == 1)
    }

    @Test func refusesWhatIsNotASuffixList() throws {
        do {
            _ = try PublicSuffixList([0xFF, 0xFE, 0x00], name: "bad.dat")
            Issue.record("bytes that are not UTF-8 were taken as a suffix list")
        } catch {
            #expect(error.message == "bad.dat is not UTF-8 text")
        }
        do {
            _ = try PublicSuffixList(Array("// just a comment\nfoo\nbar\n".utf8), name: "short.dat")
            Issue.record("a three-line file was taken as a suffix list")
        } catch {
            #expect(error.message == "short.dat holds 2 suffix rules and no 'com': not a Public Suffix List (publicsuffix.org's public_suffix_list.dat)")
        }
        do {
            _ = try PublicSuffixList.read("/nonexistent/list.dat")
            Issue.record("a missing file was read")
        } catch {
            #expect(error.message.hasPrefix("cannot read the suffix list /nonexistent/list.dat"))
        }
    }

    /// The private section (blogspot.com, appspot.com, ...) is not read: those stay registered domains.
    @Test func readsTheICANNSectionOnly() throws {
        let text = try String(contentsOfFile: suffixListPath, encoding: .utf8) + "\n// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n"
        let list = try PublicSuffixList(Array(text.utf8), name: "full.dat")
        let p = DomainParts(url: "https://me.blogspot.com/", suffixes: list)
        #expect([p.subdomain, p.domain, p.suffix] == ["me", "blogspot", "com"])
    }

    /// A featurizer with the list stores it and reads it back; one without (the feature set of earlier models)
    /// still loads; one that lists the domain features without the file is refused, naming it.
    @Test func theFeaturizerKeepsItsSuffixList() throws {
        let urls = ["http://a.example.com/x.txt", "https://login.paypal.com.evil.ru/"]
        let (with, x) = try Featurizer.fit(kind: .urlStructure, suffixes: try suffixList(), urls: urls, labels: [0, 1], folds: 2, seed: 1)
        #expect(with.featureNames.count == URLStructure.names.count + URLStructure.domainNames.count)
        #expect(x.count == 2 * with.featureNames.count)
        var files = with.files
        #expect(files[PublicSuffixList.fileName] == (try suffixList()).bytes)
        #expect(try Featurizer.load(files) == with)
        #expect(try Featurizer.load(files).features(urls[1]) == with.features(urls[1]))

        let (without, _) = try Featurizer.fit(kind: .urlStructure, suffixes: nil, urls: urls, labels: [0, 1], folds: 2, seed: 1)
        #expect(without.featureNames == URLStructure.names)
        #expect(try Featurizer.load(without.files) == without)

        files[PublicSuffixList.fileName] = nil
        do {
            _ = try Featurizer.load(files, prefix: "")
            Issue.record("a featurizer without its suffix list loaded")
        } catch {
            #expect(error.message == "featurizer.json lists 'nb_com', which needs the suffix list public_suffix_list.dat, missing here")
        }
    }
}
