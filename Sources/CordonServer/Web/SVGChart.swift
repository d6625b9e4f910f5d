import Foundation

/// Charts drawn on the server as inline SVG: no scripts, nothing fetched, readable offline and printable.
/// Colours come from the stylesheet's classes, so that the charts follow the page.
enum SVGChart {
    /// One bar: its label, its length as a share of the longest possible, the figure written after it.
    struct Bar {
        var label: String
        var share: Double
        var figure: String
        var style: String
    }

    /// Horizontal bars, one row each: label, bar, figure.
    static func bars(_ bars: [Bar], title: String) -> String {
        let row = 30.0, width = 640.0, labelWidth = 190.0, figureWidth = 120.0
        let barWidth = width - labelWidth - figureWidth
        let height = max(row, Double(bars.count) * row)
        var svg = open(width: width, height: height, title: title)
        for (i, bar) in bars.enumerated() {
            let y = Double(i) * row
            let length = max(0, min(1, bar.share.isFinite ? bar.share : 0)) * barWidth
            svg += #"<text x="\#(fmt(labelWidth - 8))" y="\#(fmt(y + 19))" text-anchor="end" class="chart-label">\#(escape(clip(bar.label, 26)))</text>"#
            svg += #"<rect x="\#(fmt(labelWidth))" y="\#(fmt(y + 6))" width="\#(fmt(barWidth))" height="\#(fmt(row - 12))" class="chart-track"/>"#
            svg += #"<rect x="\#(fmt(labelWidth))" y="\#(fmt(y + 6))" width="\#(fmt(length))" height="\#(fmt(row - 12))" class="\#(escape(bar.style))"/>"#
            svg += #"<text x="\#(fmt(labelWidth + barWidth + 8))" y="\#(fmt(y + 19))" class="chart-figure">\#(escape(bar.figure))</text>"#
        }
        return svg + "</svg>"
    }

    /// One column of a stacked chart: its label and a value per series key.
    struct Column {
        var label: String
        var values: [String: Double]
    }

    /// Stacked columns over time, with a value axis; `series` gives the stacking order and each series' style.
    static func stackedColumns(_ columns: [Column], series: [(key: String, style: String)], title: String) -> String {
        let width = 900.0, height = 260.0, left = 44.0, bottom = 28.0, top = 10.0
        let plotWidth = width - left - 8, plotHeight = height - bottom - top
        let highest = columns.map { c in series.reduce(0) { $0 + (c.values[$1.key] ?? 0) } }.max() ?? 0
        let axisMax = niceCeiling(highest)
        var svg = open(width: width, height: height, title: title)
        for step in 0...2 {
            let v = axisMax * Double(step) / 2, y = top + plotHeight - plotHeight * Double(step) / 2
            svg += #"<line x1="\#(fmt(left))" x2="\#(fmt(width - 8))" y1="\#(fmt(y))" y2="\#(fmt(y))" class="chart-grid"/>"#
            svg += #"<text x="\#(fmt(left - 6))" y="\#(fmt(y + 4))" text-anchor="end" class="chart-axis">\#(fmt(v))</text>"#
        }
        guard !columns.isEmpty else { return svg + "</svg>" }
        let slot = plotWidth / Double(columns.count), columnWidth = max(2, slot * 0.7)
        // Every label when they fit, else every n-th.
        let labelEvery = max(1, Int((Double(columns.count) * 56 / plotWidth).rounded(.up)))
        for (i, column) in columns.enumerated() {
            let x = left + Double(i) * slot + (slot - columnWidth) / 2
            var base = top + plotHeight
            for s in series {
                guard let v = column.values[s.key], v > 0 else { continue }
                let h = plotHeight * v / axisMax
                base -= h
                svg += #"<rect x="\#(fmt(x))" y="\#(fmt(base))" width="\#(fmt(columnWidth))" height="\#(fmt(h))" class="\#(escape(s.style))"><title>\#(escape(column.label)): \#(fmt(v))</title></rect>"#
            }
            if i % labelEvery == 0 {
                svg += #"<text x="\#(fmt(x + columnWidth / 2))" y="\#(fmt(height - 8))" text-anchor="middle" class="chart-axis">\#(escape(column.label))</text>"#
            }
        }
        return svg + "</svg>"
    }

    /// 2, 4 or 10 times a power of ten, at least `v` and at least 2: a round top whose half is a whole count.
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 2 else { return 2 }
        let power = pow(10, floor(log10(v)))
        return [1.0, 2, 4, 10].map { $0 * power }.first { $0 >= v } ?? 10 * power
    }

    static func open(width: Double, height: Double, title: String) -> String {
        #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(fmt(width)) \#(fmt(height))" class="chart" role="img"><title>\#(escape(title))</title>"#
    }

    /// A coordinate or value with at most one decimal: short SVG, small pages.
    static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    static func clip(_ s: String, _ n: Int) -> String { s.count > n ? String(s.prefix(n - 1)) + "…" : s }

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
