import Foundation
import Testing
import Plotting

@Suite("The peak marker sits at the peak layer")
struct PeakMarkerTests {
    @Test("the dashed line is at x(7) and the shaded interval spans x(5)…x(9)")
    func position() throws {
        let chart = SampleCharts.curves()
        let placed = try #require(chart.layout().first)
        // Layers 0…18 over the panel width: layer 7 is 7/18 of the way across.
        let expectedX = placed.frame.x + 7.0 / 18.0 * placed.frame.width
        #expect(abs(placed.xScale(7) - expectedX) < 1e-9)
        let parsed = try #require(SVGInspection.parse(chart.svg()))
        let peaks = parsed.elements(named: "line", class: "peak")
        #expect(peaks.count == 2)  // both panels mark the peak
        let peak = try #require(peaks.first)
        #expect(abs(try #require(peak.number("x1")) - expectedX) <= 0.01)
        #expect(peak.number("x1") == peak.number("x2"))
        #expect(peak.number("y1") == placed.frame.y)
        #expect(peak.number("y2") == placed.frame.maxY)
        let span = try #require(parsed.elements(named: "rect", class: "peak-interval").first)
        let left = placed.frame.x + 5.0 / 18.0 * placed.frame.width
        let right = placed.frame.x + 9.0 / 18.0 * placed.frame.width
        #expect(abs(try #require(span.number("x")) - left) <= 0.01)
        #expect(abs(try #require(span.number("width")) - (right - left)) <= 0.02)
        let label = try #require(parsed.elements(named: "text", class: "peak-label").first)
        #expect(label.text == "peak 7 [5, 9]")
    }
}

@Suite("Legend entries are exactly the languages shown")
struct LegendTests {
    @Test("labels in order, each swatch in the language's color")
    func entries() throws {
        let chart = SampleCharts.curves()
        let parsed = try #require(SVGInspection.parse(chart.svg()))
        let groups = parsed.elements(named: "g", class: "legend-entry")
        #expect(groups.map { $0.attributes["data-label"] ?? "" } == SampleCharts.languages)
        let swatches = parsed.elements(named: "line").filter { $0.ancestorClasses.contains("legend-entry") }
        #expect(swatches.map { $0.attributes["stroke"] ?? "" }
                == SampleCharts.languages.map { LanguagePalette.color(for: $0).hex })
        let scatter = try #require(SVGInspection.parse(SampleCharts.scatter().svg()))
        #expect(scatter.elements(named: "g", class: "legend-entry").map { $0.attributes["data-label"] ?? "" }
                == ["en", "zh", "ar"])
    }
}

@Suite("Axis ranges cover the data")
struct AxisRangeTests {
    @Test("every value and interval end lies inside the y range, and every vertex inside the plot area")
    func lineChart() throws {
        let chart = SampleCharts.curves()
        for (panel, placed) in zip(chart.panels, chart.layout()) {
            let y = panel.resolvedYDomain
            for point in panel.series.flatMap(\.points) {
                #expect(y.contains(point.y))
                #expect(y.contains(point.low ?? point.y) && y.contains(point.high ?? point.y))
            }
            #expect(panel.xDomain == 0...18)
            _ = placed
        }
        let frames = chart.layout().map(\.frame)
        let parsed = try #require(SVGInspection.parse(chart.svg()))
        for polyline in parsed.elements(named: "polyline") {
            let vertices = (polyline.attributes["points"] ?? "").split(separator: " ").map {
                $0.split(separator: ",").compactMap { Double($0) }
            }
            #expect(!vertices.isEmpty)
            for v in vertices {
                #expect(frames.contains { $0.contains(x: v[0], y: v[1]) })
            }
        }
    }

    @Test("a fixed 0…1 range widens when data leaves it, and NaN breaks a line instead of dropping to 0")
    func widening() throws {
        let series = LineSeries(name: "s", color: RGBColor(0x0072B2),
                                points: [LinePoint(x: 0, y: 0.5), LinePoint(x: 1, y: 1.2), LinePoint(x: 2, y: .nan),
                                         LinePoint(x: 3, y: 0.4), LinePoint(x: 4, y: 0.3)])
        let panel = LinePanel(title: "p", xLabel: "layer", yLabel: "v", series: [series], yDomain: 0...1)
        #expect(panel.resolvedYDomain.contains(1.2))
        #expect(panel.resolvedYDomain.lowerBound == 0)
        let chart = LineChart(title: "t", panels: [panel], legend: [])
        let parsed = try #require(SVGInspection.parse(chart.svg()))
        #expect(parsed.elements(named: "polyline").count == 2)
    }

    @Test("scatter ranges contain every point")
    func scatter() {
        for panel in SampleCharts.scatter().panels {
            let (x, y) = panel.domains
            for point in panel.series.flatMap(\.points) {
                #expect(x.contains(point.x) && y.contains(point.y))
            }
        }
    }
}

@Suite("Heatmaps draw every cell with the shared viridis scale")
struct HeatmapTests {
    @Test("one cell per value, row 0 at the bottom, extremes at the colormap ends, NaN gray")
    func cells() throws {
        let heatmap = SampleCharts.heatmap()
        let parsed = try #require(SVGInspection.parse(heatmap.svg()))
        let cells = parsed.elements(named: "rect", class: "cell")
        #expect(cells.count == 2 * 12 * 12)
        let frame = try #require(heatmap.frames().first)
        let bottomLeft = try #require(cells.first { $0.attributes["data-row"] == "0" && $0.attributes["data-column"] == "0" })
        #expect(abs(try #require(bottomLeft.number("y")) - (frame.maxY - frame.height / 12)) <= 0.01)
        #expect(bottomLeft.attributes["fill"] == "#fde725")  // diagonal value 1
        #expect(heatmap.color(for: 0)?.hex == "#440154")
        #expect(cells.filter { $0.attributes["fill"] == "#d9d9d9" }.count == 1)
        #expect(parsed.elements(named: "linearGradient").count == 1)
        #expect(parsed.elements(named: "text", class: "color-tick").map(\.text) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }
}

@Suite("Scatter panels join translation pairs")
struct ScatterTests {
    @Test("two linked pairs of 20 points draw 40 segments per panel; 60 dots per panel")
    func links() throws {
        let parsed = try #require(SVGInspection.parse(SampleCharts.scatter().svg()))
        let segments = parsed.elements(named: "line").filter { $0.ancestorClasses.contains("links") }
        #expect(segments.count == 3 * 40)
        let dots = parsed.elements(named: "circle", class: "point")
        #expect(dots.count == 3 * 60)
        #expect(dots.filter { $0.attributes["data-series"] == "zh" }.allSatisfy { $0.attributes["fill"] == "#d55e00" })
        // Drawn round-robin: the first three dots are point 0 of en, zh, ar.
        #expect(dots.prefix(3).map { $0.attributes["data-series"] ?? "" } == ["en", "zh", "ar"])
    }
}

@Suite("Every chart is well-formed XML with a title, viewBox and fixed size")
struct XMLValidityTests {
    static let hostile = "en <→> zh & \"quotes\" 'apos' \u{1}bell ]]>"

    @Test("line, heatmap and scatter documents parse; hostile labels survive as text")
    func allCharts() throws {
        var curves = SampleCharts.curves(title: Self.hostile)
        curves.legend.append(LegendEntry(label: Self.hostile, color: RGBColor(0x888888)))
        var heatmap = SampleCharts.heatmap()
        heatmap.title = Self.hostile
        var scatter = SampleCharts.scatter()
        scatter.title = Self.hostile
        let documents = [curves.svg(), heatmap.svg(), scatter.svg()]
        for (index, svg) in documents.enumerated() {
            let parsed = try #require(SVGInspection.parse(svg), "document \(index) is not well-formed XML")
            let root = try #require(parsed.elements.first)
            #expect(root.name == "svg")
            #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
            let width = try #require(root.number("width")), height = try #require(root.number("height"))
            #expect(root.attributes["viewBox"] == "0 0 \(Int(width)) \(Int(height))")
            #expect(width == width.rounded() && height == height.rounded())
            #expect(width > 300 && height > 200)
            let expectedTitle = Self.hostile.replacingOccurrences(of: "\u{1}", with: "")
            #expect(parsed.elements(named: "title").first?.text == expectedTitle)
            #expect(parsed.elements(named: "text", class: "figure-title").first?.text == expectedTitle)
            if let directory = ProcessInfo.processInfo.environment["PLOTTING_SAMPLE_DIR"] {
                try svg.write(toFile: "\(directory)/sample-\(index).svg", atomically: true, encoding: .utf8)
            }
        }
    }

    @Test("the HTML report inlines each SVG without its XML declaration and escapes its text")
    func report() throws {
        let svg = SampleCharts.heatmap().svg()
        let report = HTMLReport(title: "Report <1>", summary: "peak & interval", sections: [
            ReportSection(heading: "Figures", blocks: [.figure(svg: svg, caption: "a < b")]),
            ReportSection(heading: "Summary", blocks: [
                .table(headers: ["pair", "P@1"], rows: [["en–zh", "0.91"], ["en–ar", "0.80\n[0.7, 0.9]"]],
                       highlightedRows: [0]),
                .definitions([("model", "gemma <3>")]),
            ]),
        ])
        let html = report.html()
        #expect(html.contains("<title>Report &lt;1&gt;</title>"))
        #expect(!html.contains("<?xml"))
        #expect(html.contains("<figcaption>a &lt; b</figcaption>"))
        #expect(html.contains("<tr class=\"highlight\"><td>en–zh</td>"))
        #expect(html.contains("<td>0.80<br><small>[0.7, 0.9]</small></td>"))
        #expect(!html.contains("http://") || !html.contains("src=\"http"))
        #expect(!html.contains("<link") && !html.contains("<script"))
        // The inline SVG is itself well-formed.
        let start = try #require(html.range(of: "<svg"))
        let end = try #require(html.range(of: "</svg>"))
        #expect(SVGInspection.parse(String(html[start.lowerBound..<end.upperBound])) != nil)
    }
}

@Suite("Text stays inside the figure")
struct ViewportTests {
    /// Horizontal extent of a `<text>` from its anchor and the width estimate the layout uses.
    static func extent(_ text: ParsedElement) -> (Double, Double)? {
        guard let x = text.number("x"), let size = text.number("font-size") else { return nil }
        let bold = text.attributes["font-weight"] == "bold" ? 1.1 : 1.0
        let width = estimatedTextWidth(text.text, size: size) * bold
        switch text.attributes["text-anchor"] {
        case "middle": return (x - width / 2, x + width / 2)
        case "end": return (x - width, x)
        default: return (x, x + width)
        }
    }

    @Test("every unrotated label fits horizontally and every label vertically, also with no panels and a long title")
    func labelsInside() throws {
        let longTitle = "A rather long figure title that is wider than an empty figure would otherwise be drawn"
        let documents = [
            SampleCharts.curves().svg(), SampleCharts.heatmap().svg(), SampleCharts.scatter().svg(),
            LineChart(title: longTitle, subtitle: "nothing measured", panels: [], legend: []).svg(),
            Heatmap(title: longTitle, panels: [], colorBarLabel: "CKA").svg(),
            ScatterGrid(title: longTitle, panels: [], legend: []).svg(),
        ]
        for svg in documents {
            let parsed = try #require(SVGInspection.parse(svg))
            let root = try #require(parsed.elements.first)
            let width = try #require(root.number("width")), height = try #require(root.number("height"))
            for text in parsed.elements(named: "text") {
                let y = try #require(text.number("y"))
                #expect(y > 0 && y < height, "\(text.text) at y \(y) outside 0…\(height)")
                guard text.attributes["transform"] == nil, let (left, right) = Self.extent(text) else { continue }
                #expect(left >= 0 && right <= width, "\(text.text) spans \(left)…\(right), figure width \(width)")
            }
        }
    }
}

@Suite("Tick labels never overlap")
struct TickCrowdingTests {
    @Test("a scatter spanning −23000…8500 (axis −25000…10000) on 250 px drops to a coarser step whose labels fit")
    func wideValues() throws {
        let series = ScatterSeries(name: "hi", color: LanguagePalette.color(for: "hi"),
                                   points: [(x: -23_000, y: 0), (x: 8_500, y: 1)])
        let grid = ScatterGrid(title: "wide", panels: [ScatterPanel(title: "p", xLabel: "PC1", yLabel: "PC2",
                                                                    series: [series])],
                               legend: [], panelSize: 250)
        let parsed = try #require(SVGInspection.parse(grid.svg()))
        let labels = parsed.elements(named: "text", class: "x-tick")
        #expect(labels.count >= 2)
        let spans = labels.compactMap(ViewportTests.extent).sorted { $0.0 < $1.0 }
        for (a, b) in zip(spans, spans.dropFirst()) {
            #expect(a.1 <= b.0, "tick labels overlap: \(a) and \(b)")
        }
    }
}
