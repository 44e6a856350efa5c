/// The dataset's regular-expression features, with its exact expressions (Python `re.search` semantics:
/// a match anywhere in the URL as written).
enum Patterns {
    /// A dotted IPv4 address (decimal or hex) followed by a slash, eight IPv6 groups, or seven hex digits in a row.
    nonisolated(unsafe) static let ip = try! Regex(
        #"(([01]?\d\d?|2[0-4]\d|25[0-5])\.([01]?\d\d?|2[0-4]\d|25[0-5])\.([01]?\d\d?|2[0-4]\d|25[0-5])\.([01]?\d\d?|2[0-4]\d|25[0-5])\/)|"#
        + #"((0x[0-9a-fA-F]{1,2})\.(0x[0-9a-fA-F]{1,2})\.(0x[0-9a-fA-F]{1,2})\.(0x[0-9a-fA-F]{1,2})\/)|"#
        + #"(?:[a-fA-F0-9]{1,4}:){7}[a-fA-F0-9]{1,4}|[0-9a-fA-F]{7}"#)

    /// Known URL-shortening services.
    nonisolated(unsafe) static let shortener = try! Regex(
        #"bit\.ly|goo\.gl|shorte\.st|go2l\.ink|x\.co|ow\.ly|t\.co|tinyurl|tr\.im|is\.gd|cli\.gs|yfrog\.com|migre\.me|ff\.im|tiny\.cc|"#
        + #"url4\.eu|twit\.ac|su\.pr|twurl\.nl|snipurl\.com|short\.to|BudURL\.com|ping\.fm|post\.ly|Just\.as|bkite\.com|snipr\.com|"#
        + #"fic\.kr|loopt\.us|doiop\.com|short\.ie|kl\.am|wp\.me|rubyurl\.com|om\.ly|to\.ly|bit\.do|lnkd\.in|db\.tt|qr\.ae|adf\.ly|"#
        + #"bitly\.com|cur\.lv|tinyurl\.com|ity\.im|q\.gs|po\.st|bc\.vc|twitthis\.com|u\.to|j\.mp|buzurl\.com|cutt\.us|u\.bb|"#
        + #"yourls\.org|prettylinkpro\.com|scrnch\.me|filoops\.info|vzturl\.com|qr\.net|1url\.com|tweez\.me|v\.gd|link\.zip\.net"#)

    /// A host starting like `wwww-`, `ww1`, `w2-` or a digit run.
    nonisolated(unsafe) static let abnormalSubdomain = try! Regex(#"(http[s]?://(w[w]?|\d))([w]?(\d|-))"#)

    /// Words common in phishing kits' paths, counted (non-overlapping) in the lower-cased URL.
    static let hints = ["wp", "login", "includes", "admin", "content", "site", "images", "js", "alibaba", "css", "myaccount",
                        "dropbox", "themes", "plugins", "signin", "view"]
}
