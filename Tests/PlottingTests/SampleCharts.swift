// Small charts with known data, shared by the suites.
import Plotting

enum SampleCharts {
    static let languages = ["zh", "ar", "el", "hi", "tr", "vi"]

    /// Retrieval-like curves over layers 0…18 rising to a peak at layer 7 (interval 5…9).
    static func curves(title: String = "Alignment per layer") -> LineChart {
        let series = languages.enumerated().map { index, language in
            LineSeries(name: "en–\(language)", color: LanguagePalette.color(for: language),
                       dash: LanguagePalette.dash(for: language),
                       points: (0...18).map { layer in
                           let d = Double((layer - 7) * (layer - 7))
                           let y: Double = 0.9 - 0.002 * d * Double(index + 1) - 0.05 * Double(index)
                           return LinePoint(x: Double(layer), y: y, low: y - 0.04, high: y + 0.03)
                       })
        }
        let panel = LinePanel(title: "Retrieval P@1", xLabel: "layer", yLabel: "P@1", series: series,
                              peak: PeakMarker(x: 7, low: 5, high: 9, label: "peak 7 [5, 9]"), yDomain: 0...1)
        var margin = panel
        margin.title = "Cosine margin"
        margin.yLabel = "margin"
        margin.yDomain = nil
        return LineChart(title: title, subtitle: "6 pairs, 95 % bootstrap intervals", panels: [panel, margin],
                         legend: languages.map {
                             LegendEntry(label: $0, color: LanguagePalette.color(for: $0), dash: LanguagePalette.dash(for: $0))
                         }, columns: 2)
    }

    static func heatmap() -> Heatmap {
        let n = 12
        let values = (0..<n).map { i in (0..<n).map { j in 1 - Double(abs(i - j)) / Double(n) } }
        var ragged = values
        ragged[3][4] = .nan
        return Heatmap(title: "Linear CKA between layers",
                       panels: [HeatmapPanel(title: "en × en", xLabel: "layer", yLabel: "layer", values: values),
                                HeatmapPanel(title: "en × zh", xLabel: "layer (zh)", yLabel: "layer (en)", values: ragged)],
                       colorDomain: 0...1, colorBarLabel: "linear CKA")
    }

    static func scatter() -> ScatterGrid {
        let layers = [0, 7, 18]
        let groups = ["en", "zh", "ar"]
        let panels = layers.map { layer -> ScatterPanel in
            let series = groups.enumerated().map { g, language -> ScatterSeries in
                let shift: Double = Double(g) * Double(18 - layer) / 6
                let points: [(x: Double, y: Double)] = (0..<20).map { i in
                    let x: Double = Double(i % 5) - 2 + shift
                    let y: Double = Double(i / 5) * 0.7 - Double(g)
                    return (x: x, y: y)
                }
                return ScatterSeries(name: language, color: LanguagePalette.color(for: language), points: points)
            }
            return ScatterPanel(title: "layer \(layer)", xLabel: "PC1", yLabel: "PC2", series: series,
                                linkedPairs: [(0, 1), (0, 2)])
        }
        return ScatterGrid(title: "PCA of sentence vectors", panels: panels,
                           legend: groups.map { LegendEntry(label: $0, color: LanguagePalette.color(for: $0)) })
    }
}
