import Foundation

/// The `Date` header's text (RFC 9110's IMF-fixdate), made once a second.
struct HTTPDate {
    private var second = -1
    private var text = ""

    var now: String {
        mutating get {
            let current = time(nil)
            if current != second {
                second = current
                text = HTTPDate.format(current)
            }
            return text
        }
    }

    static func format(_ second: Int) -> String {
        var t = second
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"], months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
