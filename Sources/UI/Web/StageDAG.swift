import Tracking

/// A run's stages as a graph in SVG: each stage a box in the column of its longest chain of upstream
/// stages, colored by what it did, with arrows from the stages it depends on.
enum StageDAG {
    static let box = (width: 128.0, height: 36.0, columnGap: 44.0, rowGap: 14.0, margin: 12.0)

    static func svg(_ stages: [StageRecord]) -> String {
        guard !stages.isEmpty else { return "" }
        let names = Set(stages.map(\.stage))
        var layer: [String: Int] = [:]
        // Stages are recorded dependencies first, so one pass gives each its longest upstream chain.
        for stage in stages {
            layer[stage.stage] = (stage.upstream.filter(names.contains).compactMap { layer[$0] }.max() ?? -1) + 1
        }
        var rows: [Int: Int] = [:]
        var position: [String: (x: Double, y: Double)] = [:]
        let b = box
        for stage in stages {
            let column = layer[stage.stage] ?? 0, row = rows[column, default: 0]
            rows[column] = row + 1
            position[stage.stage] = (b.margin + Double(column) * (b.width + b.columnGap), b.margin + Double(row) * (b.height + b.rowGap))
        }
        let width = b.margin * 2 + Double((layer.values.max() ?? 0) + 1) * (b.width + b.columnGap) - b.columnGap
        let height = b.margin * 2 + Double(rows.values.max() ?? 1) * (b.height + b.rowGap) - b.rowGap
        var out = "<svg class=\"dag\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        out += "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#7b8794\"/></marker></defs>"
        for stage in stages {
            guard let to = position[stage.stage] else { continue }
            for up in stage.upstream {
                guard let from = position[up] else { continue }
                out += "<line x1=\"\(LineChart.f(from.x + b.width))\" y1=\"\(LineChart.f(from.y + b.height / 2))\" x2=\"\(LineChart.f(to.x))\" y2=\"\(LineChart.f(to.y + b.height / 2))\" stroke=\"#7b8794\" marker-end=\"url(#arrow)\"/>"
            }
        }
        for stage in stages {
            guard let p = position[stage.stage] else { continue }
            out += "<g class=\"stage\" data-stage=\"\(HTML.escape(stage.stage))\" data-outcome=\"\(HTML.escape(stage.outcome))\">"
            out += "<rect x=\"\(LineChart.f(p.x))\" y=\"\(LineChart.f(p.y))\" width=\"\(b.width)\" height=\"\(b.height)\" rx=\"6\" fill=\"\(fill(stage.outcome))\" stroke=\"#52606d\"/>"
            out += "<text x=\"\(LineChart.f(p.x + b.width / 2))\" y=\"\(LineChart.f(p.y + 15))\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"600\">\(HTML.escape(stage.stage))</text>"
            out += "<text x=\"\(LineChart.f(p.x + b.width / 2))\" y=\"\(LineChart.f(p.y + 29))\" text-anchor=\"middle\" font-size=\"10\">\(HTML.escape(stage.outcome)) · \(String(format: "%.1f", stage.seconds)) s</text></g>"
        }
        return out + "</svg>"
    }

    static func fill(_ outcome: String) -> String {
        switch outcome {
        case "ran": "#d7f0dd"
        case "restored": "#dbe9f8"
        case "failed": "#f9d6d3"
        case "skipped", "interrupted": "#fde8c8"
        default: "#eceff3"
        }
    }
}
