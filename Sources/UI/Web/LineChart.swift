import Foundation

/// A line chart as SVG, drawn by proj (no script, no library): axes with round ticks, one polyline per
/// line, each marked with the run it belongs to (`data-run`), and a legend beneath.
struct LineChart {
    struct Line {
        var label: String
        var run: String
        var color: String
        var dashed: Bool
        var points: [(x: Double, y: Double)]
    }

    var title: String
    var xLabel: String
    var lines: [Line]
    /// A line under the chart (how many points were drawn of how many).
    var note: String?
    /// Fixed axis ranges (a ROC curve's unit square); otherwise the data's.
    var xRange: ClosedRange<Double>?
    var yRange: ClosedRange<Double>?
    var width = 460.0
    var height = 260.0

    static let margin = (left: 56.0, right: 14.0, top: 26.0, bottom: 40.0)

    func html() -> String {
        var out = "<figure class=\"chart\" data-title=\"\(HTML.escape(title))\" data-lines=\"\(lines.count)\">" + svg()
        out += "<figcaption>"
        for line in lines {
            let style = line.dashed ? "background:repeating-linear-gradient(90deg,\(line.color) 0 4px,transparent 4px 6px)" : "background:\(line.color)"
            out += "<span class=\"legend\"><span class=\"swatch\" style=\"\(style)\"></span>\(HTML.escape(line.label))</span> "
        }
        if let note { out += "<div class=\"note\">\(HTML.escape(note))</div>" }
        return out + "</figcaption></figure>"
    }

    func svg() -> String {
        let m = LineChart.margin
        let plotW = width - m.left - m.right, plotH = height - m.top - m.bottom
        let xs = lines.flatMap { $0.points.map(\.x) }, ys = lines.flatMap { $0.points.map(\.y) }
        let xr = LineChart.padded(xRange ?? LineChart.range(xs)), yr = LineChart.padded(yRange ?? LineChart.range(ys))
        func px(_ x: Double) -> Double { m.left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * plotW }
        func py(_ y: Double) -> Double { m.top + plotH - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * plotH }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        out += "<text class=\"title\" x=\"\(m.left)\" y=\"16\">\(HTML.escape(title))</text>"
        for tick in LineChart.ticks(yr) {
            let y = LineChart.f(py(tick))
            out += "<line class=\"grid\" x1=\"\(m.left)\" x2=\"\(m.left + plotW)\" y1=\"\(y)\" y2=\"\(y)\"/>"
            out += "<text x=\"\(m.left - 6)\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTML.number(tick))</text>"
        }
        for tick in LineChart.ticks(xr) {
            let x = LineChart.f(px(tick))
            out += "<line class=\"grid\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(m.top)\" y2=\"\(m.top + plotH)\"/>"
            out += "<text x=\"\(x)\" y=\"\(m.top + plotH + 14)\" text-anchor=\"middle\">\(HTML.number(tick))</text>"
        }
        out += "<rect class=\"axis\" fill=\"none\" x=\"\(m.left)\" y=\"\(m.top)\" width=\"\(plotW)\" height=\"\(plotH)\"/>"
        out += "<text x=\"\(m.left + plotW / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        for line in lines {
            let points = line.points.map { "\(LineChart.f(px($0.x))),\(LineChart.f(py($0.y)))" }.joined(separator: " ")
            let dash = line.dashed ? " stroke-dasharray=\"5 3\"" : ""
            if line.points.count == 1, let p = line.points.first {
                out += "<circle class=\"series\" data-run=\"\(HTML.escape(line.run))\" cx=\"\(LineChart.f(px(p.x)))\" cy=\"\(LineChart.f(py(p.y)))\" r=\"3\" fill=\"\(line.color)\"><title>\(HTML.escape(line.label))</title></circle>"
            } else {
                out += "<polyline class=\"series\" data-run=\"\(HTML.escape(line.run))\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.6\"\(dash) points=\"\(points)\"><title>\(HTML.escape(line.label))</title></polyline>"
            }
        }
        return out + "</svg>"
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func range(_ values: [Double]) -> ClosedRange<Double> {
        guard let lo = values.min(), let hi = values.max() else { return 0...1 }
        return lo...hi
    }

    /// A range with room: a flat one widened around its value.
    static func padded(_ r: ClosedRange<Double>) -> ClosedRange<Double> {
        guard r.upperBound > r.lowerBound else {
            let d = r.lowerBound == 0 ? 1 : abs(r.lowerBound) * 0.1
            return (r.lowerBound - d)...(r.upperBound + d)
        }
        return r
    }

    /// Round tick values inside `r`: a step of 1, 2 or 5 times a power of ten, the one giving closest to
    /// five intervals.
    static func ticks(_ r: ClosedRange<Double>) -> [Double] {
        let span = r.upperBound - r.lowerBound
        guard span > 0, span.isFinite else { return [r.lowerBound] }
        let power = pow(10, floor(log10(span / 5)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.min { abs(span / $0 - 5) < abs(span / $1 - 5) }!
        var ticks: [Double] = []
        var k = ceil(r.lowerBound / step - 1e-9)
        while k * step <= r.upperBound + step * 1e-9 && ticks.count < 20 {
            ticks.append(k == 0 ? 0 : k * step)
            k += 1
        }
        return ticks
    }

    /// Colors for runs, in order (Tableau 10).
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    static func color(_ index: Int) -> String { palette[index % palette.count] }
}
