// The figures of an `interlingua align` output: maps an `AlignmentReport` onto the generic charts of Plotting.
import Alignment
import Foundation
import Plotting

/// Maps an `AlignmentReport` onto the generic charts of `Plotting`.
public struct AlignmentFigures: Sendable {
    public let report: AlignmentReport
    public var joinTranslations: Bool

    public init(report: AlignmentReport, joinTranslations: Bool = false) {
        self.report = report
        self.joinTranslations = joinTranslations
    }

    /// Every figure, in the order `plot` writes and `report` shows them (a figure without data draws an
    /// empty chart; `drawable()` leaves those out).
    public func all() -> [Figure] {
        [curves(), layerCKA(), projections(), separability()]
    }

    /// The figures this report has data for, and the others with the reason.
    public func drawable() -> FigureSet {
        var set = FigureSet(figures: [])
        func add(_ figure: @autoclosure () -> Figure, if hasData: Bool, name: String, reason: String) {
            if hasData { set.figures.append(figure()) } else { set.skipped.append(SkippedFigure(fileName: name, reason: reason)) }
        }
        let curveMetrics = ["retrieval_p1", "cosine_margin", "cka_debiased"]
        let hasCurves = curveMetrics.contains { !report.series($0).isEmpty } || !(report.peak?.curve.isEmpty ?? true)
        add(curves(), if: hasCurves, name: "alignment-curves.svg",
            reason: "no retrieval_p1, cosine_margin or cka_debiased series and no peak in this alignment output")
        add(layerCKA(), if: !report.layerCKA.isEmpty, name: "cka-layers.svg", reason: "no layer_cka in this alignment output")
        add(projections(), if: !projectionLayers().isEmpty, name: "projections.svg", reason: "no projection in this alignment output")
        add(separability(), if: ["language_separability", "centroid_accuracy"].contains { report.layerSeries($0) != nil },
            name: "separability.svg", reason: "no language_separability or centroid_accuracy in this alignment output")
        return set
    }

    // MARK: - Naming

    /// Readable names of the metrics the figures show.
    public static let metricTitles: [String: String] = [
        "retrieval_p1": "Translation retrieval P@1",
        "retrieval_p1_centered": "Retrieval P@1, language-centered",
        "retrieval_p1_lsar": "Retrieval P@1 after LSAR",
        "cosine": "Cosine of translations",
        "cosine_margin": "Cosine margin (translations − others)",
        "cka_linear": "Linear CKA",
        "cka_debiased": "Debiased linear CKA",
        "cka_rbf": "RBF CKA",
        "mutual_knn": "Mutual k-NN",
        "language_separability": "Language separability",
        "centroid_accuracy": "Nearest-language-centroid accuracy",
    ]

    public static func title(of metric: String) -> String { metricTitles[metric] ?? metric }

    public static func intervalText(_ peak: AlignmentPeak) -> String {
        guard let low = peak.layerCILow, let high = peak.layerCIHigh else { return "" }
        return " [\(low), \(high)]"
    }

    public var modelName: String {
        report.source.model.map { ($0 as NSString).lastPathComponent } ?? (report.source.path as NSString).lastPathComponent
    }

    var pivotMode: Bool { report.pairs.allSatisfy { $0.source == report.settings.pivot } }

    /// Pivot mode labels a pair by its other language (legend entries = languages); otherwise "a–b".
    func label(_ pair: LanguagePair) -> String { pivotMode ? pair.target : "\(pair.source)–\(pair.target)" }

    var pairLegend: [LegendEntry] {
        report.pairs.map {
            LegendEntry(label: label($0), color: LanguagePalette.color(for: $0.target),
                        dash: pivotMode ? LanguagePalette.dash(for: $0.target) : LanguagePalette.dash(for: $0.source))
        }
    }

    var legendTitle: String? { pivotMode ? "\(report.settings.pivot) →" : nil }

    /// The run in one line; `intervals` adds the bootstrap note for figures that draw intervals.
    func subtitle(intervals: Bool) -> String {
        var parts = [modelName, "\(report.languages.count) languages × \(report.sentenceCount) sentences",
                     "\(report.settings.pool.rawValue) pooling"]
        if intervals, report.settings.bootstrap > 0 {
            parts.append("\(Int((report.settings.confidence * 100).rounded())) % bootstrap intervals (\(report.settings.bootstrap) resamples)")
        }
        return parts.joined(separator: " · ")
    }

    var peakMarker: PeakMarker? {
        guard let peak = report.peak else { return nil }
        return PeakMarker(x: Double(peak.layer), low: peak.layerCILow.map(Double.init),
                          high: peak.layerCIHigh.map(Double.init),
                          label: "peak: layer \(peak.layer)\(Self.intervalText(peak))")
    }

    public static let layerAxis = "layer (0 = embeddings)"

    func points(_ values: [Estimate]) -> [LinePoint] {
        zip(report.layers, values).map { layer, estimate in
            LinePoint(x: Double(layer), y: estimate.value, low: estimate.ciLow, high: estimate.ciHigh)
        }
    }

    // MARK: - Figures

    /// Retrieval, cosine margin and debiased CKA per layer (one panel per metric, one line per pair), and the
    /// pair-averaged primary metric with its interval; the peak and its interval are marked in every panel.
    public func curves() -> Figure {
        // Eleven overlapping bands turn into fog: per-pair bands only when a few pairs are drawn.
        let showPairBands = report.pairs.count <= 4
        var panels: [LinePanel] = []
        for metric in ["retrieval_p1", "cosine_margin", "cka_debiased"] {
            let series = report.pairs.compactMap { pair -> LineSeries? in
                guard let found = report.series(metric, source: pair.source, target: pair.target) else { return nil }
                var points = points(found.values)
                if !showPairBands { points = points.map { LinePoint(x: $0.x, y: $0.y) } }
                return LineSeries(name: label(pair), color: LanguagePalette.color(for: pair.target),
                                  dash: pivotMode ? LanguagePalette.dash(for: pair.target) : LanguagePalette.dash(for: pair.source),
                                  points: points)
            }
            guard !series.isEmpty else { continue }
            panels.append(LinePanel(title: Self.title(of: metric), xLabel: Self.layerAxis,
                                    yLabel: metric == "cosine_margin" ? "cosine difference" : metric.replacingOccurrences(of: "_", with: " "),
                                    series: series, peak: peakMarker,
                                    yDomain: metric == "cosine_margin" ? nil : 0...1))
        }
        if let peak = report.peak, !peak.curve.isEmpty {
            let mean = LineSeries(name: "mean over pairs", color: RGBColor(0x000000), points: points(peak.curve))
            panels.append(LinePanel(title: "Mean over \(report.pairs.count) pairs: \(peak.metric) (locates the peak)",
                                    xLabel: Self.layerAxis, yLabel: peak.metric.replacingOccurrences(of: "_", with: " "),
                                    series: [mean], peak: peakMarker))
        }
        let title = "Where does \(modelName) align languages?"
        let chart = LineChart(title: title, subtitle: subtitle(intervals: true), panels: panels, legend: pairLegend,
                              legendTitle: legendTitle, columns: 2, panelWidth: 420, panelHeight: 240)
        return Figure(fileName: "alignment-curves.svg", title: title, svg: chart.svg())
    }

    /// Layer × layer linear CKA: the pivot with itself, then the pivot against each language.
    public func layerCKA() -> Figure {
        let first = report.layers.first ?? 0
        let panels = report.layerCKA.map { matrix in
            HeatmapPanel(title: "\(matrix.source) × \(matrix.target)", xLabel: "layer (\(matrix.target))",
                         yLabel: "layer (\(matrix.source))", values: matrix.matrix, firstColumn: first, firstRow: first)
        }
        let title = "Linear CKA between layers — \(modelName)"
        let heatmap = Heatmap(title: title, subtitle: subtitle(intervals: false), panels: panels, colorDomain: 0...1,
                              colorBarLabel: "linear CKA", columns: min(4, max(1, panels.count)), panelSize: 210)
        return Figure(fileName: "cka-layers.svg", title: title, svg: heatmap.svg())
    }

    /// The layers the projection panels show: first, peak, last and evenly spaced ones between (at most 6).
    public func projectionLayers() -> [Int] {
        guard let projection = report.projection else { return [] }
        let available = Set(projection.coordinates.map(\.layer))
        let layers = report.layers.filter { available.contains($0) }
        guard let first = layers.first, let last = layers.last else { return [] }
        var chosen: Set<Int> = [first, last]
        if let peak = report.peak?.layer, available.contains(peak) { chosen.insert(peak) }
        var k = 1
        while chosen.count < min(6, layers.count), k < 5 {
            let index = Int((Double(layers.count - 1) * Double(k) / 4).rounded())
            chosen.insert(layers[index])
            k += 1
        }
        return chosen.sorted()
    }

    /// PCA scatter (PC1 × PC2) per chosen layer, colored by language.
    public func projections() -> Figure {
        let title = "Sentence vectors on their first two principal components — \(modelName)"
        guard let projection = report.projection else {
            let empty = ScatterGrid(title: title, subtitle: "no projection in this alignment output", panels: [], legend: [])
            return Figure(fileName: "projections.svg", title: title, svg: empty.svg())
        }
        let pivotIndex = report.languages.firstIndex(of: report.settings.pivot)
        let panels = projectionLayers().map { layer -> ScatterPanel in
            let series = report.languages.map { language -> ScatterSeries in
                let points = (projection.points(layer: layer, language: language) ?? []).map { row in
                    (x: row.count > 0 ? row[0] : .nan, y: row.count > 1 ? row[1] : 0)
                }
                return ScatterSeries(name: language, color: LanguagePalette.color(for: language), points: points)
            }
            let links = joinTranslations
                ? (pivotIndex.map { p in report.languages.indices.filter { $0 != p }.map { (p, $0) } } ?? []) : []
            let ratios = report.layers.firstIndex(of: layer).flatMap { index in
                index < projection.explainedVarianceRatio.count ? projection.explainedVarianceRatio[index] : nil
            } ?? []
            func axis(_ c: Int) -> String {
                guard c < ratios.count, ratios[c].isFinite else { return "PC\(c + 1)" }
                // One outlier dimension can hold 99.9 % of the variance: never round that to "100 %" / "0 %".
                let percent = ratios[c] * 100
                let text = percent >= 99.5 ? String(format: "%.2f", percent)
                    : percent < 1 ? String(format: "%.2g", percent) : String(format: "%.0f", percent)
                return "PC\(c + 1) (\(text) % of variance)"
            }
            var panelTitle = "layer \(layer)"
            if layer == report.layers.first { panelTitle += " (embeddings)" }
            if layer == report.peak?.layer { panelTitle += " — alignment peak" }
            return ScatterPanel(title: panelTitle, xLabel: axis(0), yLabel: axis(1), series: series, linkedPairs: links)
        }
        let legend = report.languages.map { LegendEntry(label: $0, color: LanguagePalette.color(for: $0)) }
        let grid = ScatterGrid(title: title, subtitle: subtitle(intervals: false), panels: panels, legend: legend,
                               legendTitle: "language", columns: 3, panelSize: 250)
        return Figure(fileName: "projections.svg", title: title, svg: grid.svg())
    }

    /// Language separability and nearest-centroid accuracy per layer.
    public func separability() -> Figure {
        let panels = ["language_separability", "centroid_accuracy"].compactMap { metric -> LinePanel? in
            guard let found = report.layerSeries(metric) else { return nil }
            let series = LineSeries(name: "all languages", color: RGBColor(0x0072B2), points: points(found.values))
            return LinePanel(title: Self.title(of: metric), xLabel: Self.layerAxis,
                             yLabel: metric == "centroid_accuracy" ? "accuracy" : "between-language share of variance",
                             series: [series], peak: peakMarker, yDomain: 0...1)
        }
        let title = "How separable are the languages? — \(modelName)"
        let chart = LineChart(title: title, subtitle: subtitle(intervals: true), panels: panels,
                              legend: [], columns: 2, panelWidth: 420, panelHeight: 240)
        return Figure(fileName: "separability.svg", title: title, svg: chart.svg())
    }
}
