@testable import CordonServer
import Testing

@Suite("Server-drawn charts")
struct ChartTests {
    @Test("axis tops are round and halve into whole counts")
    func axis() {
        #expect([0.0, 1, 2, 3, 4, 5, 11, 39, 41, 100, 101].map(SVGChart.niceCeiling) == [2, 2, 2, 4, 4, 10, 20, 40, 100, 100, 200])
    }

    @Test("labels are escaped, bars stay within their track, and empty charts still draw their axis")
    func drawing() {
        let svg = SVGChart.bars([.init(label: "<script>&", share: 3, figure: "\"x\"", style: "bar-red")], title: "t")
        #expect(svg.contains("&lt;script&gt;&amp;") && !svg.contains("<script>") && svg.contains("&quot;x&quot;"))
        // A share above 1 is drawn as a full bar, never past the track.
        #expect(svg.contains(#"width="330" height="18" class="chart-track"/><rect x="190" y="6" width="330""#))
        let empty = SVGChart.stackedColumns([], series: [("drugs", "cat-drugs")], title: "none")
        #expect(empty.hasPrefix("<svg") && empty.hasSuffix("</svg>") && empty.contains(">2</text>"))
        let stacked = SVGChart.stackedColumns([.init(label: "W1", values: ["drugs": 1, "cash": 3])],
                                              series: [("drugs", "cat-drugs"), ("cash", "cat-cash")], title: "s")
        #expect(stacked.contains(#"class="cat-drugs"><title>W1: 1</title>"#) && stacked.contains(#"class="cat-cash"><title>W1: 3</title>"#))
    }
}
