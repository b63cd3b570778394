import Foundation
import Testing
import Plotting

@Suite("Reference lines sit at their values and have their own legend row")
struct ReferenceLineTests {
    /// The sample curves with a flat baseline at 0.25 and a chance curve rising 0.01 per layer.
    static func chart() -> LineChart {
        var chart = SampleCharts.curves()
        let layers = (0...18).map(Double.init)
        chart.panels[0].series.insert(
            LineSeries.reference(name: "baseline", color: RGBColor(0x777777), dash: "2 3", y: 0.25, low: 0.2, high: 0.3,
                                 across: layers), at: 0)
        chart.panels[0].series.append(LineSeries(name: "chance", color: RGBColor(0xBB5566),
                                                 points: layers.map { LinePoint(x: $0, y: 0.01 * $0) }, isReference: true))
        chart.legend += [LegendEntry(label: "baseline", color: RGBColor(0x777777), dash: "2 3", isReference: true),
                         LegendEntry(label: "chance", color: RGBColor(0xBB5566), isReference: true)]
        chart.legendTitle = "en →"
        return chart
    }

    @Test("every vertex of the baseline is at y(0.25), of the chance curve at (x(l), y(0.01 l)); no dots, a band")
    func positions() throws {
        let chart = Self.chart()
        let placed = try #require(chart.layout().first)
        let parsed = try #require(SVGInspection.parse(chart.svg()))
        func vertices(_ name: String) -> [(Double, Double)] {
            parsed.elements(named: "polyline").filter { element in
                element.ancestorAttributes.contains { $0["class"] == "reference" && $0["data-name"] == name }
            }.flatMap { ($0.attributes["points"] ?? "").split(separator: " ").map { pair in
                let xy = pair.split(separator: ",").compactMap { Double($0) }
                return (xy[0], xy[1])
            } }
        }
        let baseline = vertices("baseline")
        #expect(baseline.count == 19)
        for (layer, vertex) in baseline.enumerated() {
            #expect(abs(vertex.0 - placed.xScale(Double(layer))) < 0.01)
            #expect(abs(vertex.1 - placed.yScale(0.25)) < 0.01)
        }
        let chance = vertices("chance")
        #expect(chance.count == 19)
        for (layer, vertex) in chance.enumerated() { #expect(abs(vertex.1 - placed.yScale(0.01 * Double(layer))) < 0.01) }
        // References carry no dots (those mark data) and are not "series" (checks count series as data).
        #expect(parsed.elements(named: "circle").filter { $0.ancestorClasses.contains("reference") }.isEmpty)
        #expect(!parsed.elements(named: "g", class: "series").contains { $0.attributes["data-name"] == "baseline" })
        #expect(parsed.elements(named: "polygon", class: "reference-band").count == 1)
    }

    @Test("the legend lists data then references, the references marked and on their own row without the title")
    func legend() throws {
        let parsed = try #require(SVGInspection.parse(Self.chart().svg()))
        let entries = parsed.elements(named: "g", class: "legend-entry")
        #expect(entries.map { $0.attributes["data-label"] ?? "" } == SampleCharts.languages + ["baseline", "chance"])
        #expect(entries.filter { $0.attributes["data-reference"] == "true" }.map { $0.attributes["data-label"] ?? "" }
                == ["baseline", "chance"])
        let labels = parsed.elements(named: "text").filter { $0.ancestorClasses.contains("legend-entry") }
        let languageRow = try #require(labels.first { $0.text == "zh" }?.number("y"))
        let referenceRow = try #require(labels.first { $0.text == "baseline" }?.number("y"))
        #expect(referenceRow > languageRow)
        let titles = parsed.elements(named: "text").filter { $0.ancestorClasses.contains("legend") && $0.text == "en →" }
        #expect(titles.count == 1)
    }
}

@Suite("Scatter panels on equal scales")
struct EqualScaleTests {
    @Test("a cloud 100 wide and 1 tall spans the same range on both axes, so it draws as a line; the annotation is set")
    func equal() throws {
        var points: [(x: Double, y: Double)] = []
        for i in 0..<50 {
            let x: Double = Double(i) * 2 - 50
            let y: Double = Double(i % 3) * 0.5
            points.append((x: x, y: y))
        }
        let panel = ScatterPanel(title: "layer 15", xLabel: "PC1", yLabel: "PC2",
                                 series: [ScatterSeries(name: "en", color: RGBColor(0), points: points)],
                                 equalScale: true, annotation: "PC1 99.87 %")
        let grid = ScatterGrid(title: "PCA", panels: [panel], legend: [])
        let placed = try #require(grid.layout().first)
        let xUnit = (placed.xScale(1) - placed.xScale(0)), yUnit = (placed.yScale(0) - placed.yScale(1))
        #expect(abs(xUnit - yUnit) < 1e-9)
        for point in points {
            #expect(placed.frame.contains(x: placed.xScale(point.x), y: placed.yScale(point.y)))
        }
        // The y range is the x range's width about the data's middle (0.5).
        let (x, y) = panel.domains
        #expect(abs((y.upperBound - y.lowerBound) - (x.upperBound - x.lowerBound)) < 1e-9)
        #expect(abs((y.upperBound + y.lowerBound) / 2 - 0.5) < 1e-9)
        let parsed = try #require(SVGInspection.parse(grid.svg()))
        #expect(parsed.elements(named: "text", class: "annotation").map(\.text) == ["PC1 99.87 %"])
        var unequal = panel
        unequal.equalScale = false
        #expect(unequal.domains.y.upperBound - unequal.domains.y.lowerBound < 10)
    }
}
