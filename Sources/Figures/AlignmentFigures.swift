// The figures of an `interlingua align` output: maps an `AlignmentReport` onto the generic charts of Plotting.
import Alignment
import Foundation
import Plotting

/// Maps an `AlignmentReport` onto the generic charts of `Plotting`.
public struct AlignmentFigures: Sendable {
    public let report: AlignmentReport
    public var joinTranslations: Bool
    /// An `align` output of the same activations under another `--normalize` (typically `none`), drawn next
    /// to this report's curves in normalization.svg (`plot --raw DIR`).
    public var companion: AlignmentReport?

    public init(report: AlignmentReport, joinTranslations: Bool = false, companion: AlignmentReport? = nil) {
        self.report = report
        self.joinTranslations = joinTranslations
        self.companion = companion
    }

    /// Every figure, in the order `plot` writes and `report` shows them (a figure without data draws an
    /// empty chart; `drawable()` leaves those out).
    public func all() -> [Figure] {
        [curves(), normalization(), pairMatrix(), layerCKA(), projections(), separability()]
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
        add(normalization(), if: hasNormalizationData, name: "normalization.svg",
            reason: "neither a second normalisation (align --normalize none, given to plot as --raw DIR) nor diagnostics in this alignment output")
        add(pairMatrix(), if: !pivotMode && !pairMatrixMetrics.isEmpty, name: "pair-matrix.svg",
            reason: "pairs with the pivot only (align --pairs all measures every language pair)")
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

    /// Axis labels in words.
    public static let axisLabels: [String: String] = [
        "retrieval_p1": "retrieval P@1",
        "retrieval_p1_centered": "retrieval P@1 (centered)",
        "retrieval_p1_lsar": "retrieval P@1 (LSAR)",
        "cosine": "cosine",
        "cosine_margin": "cosine margin",
        "cka_linear": "linear CKA",
        "cka_debiased": "debiased CKA",
        "cka_rbf": "RBF CKA",
        "mutual_knn": "mutual k-NN overlap",
        "language_separability": "between-language share of variance",
        "centroid_accuracy": "accuracy",
    ]

    public static func axisLabel(of metric: String) -> String {
        axisLabels[metric] ?? metric.replacingOccurrences(of: "_", with: " ")
    }

    /// The transformation `--normalize` applied, in words ("language-centered").
    public static func words(_ normalization: Normalization) -> String {
        switch normalization {
        case .none: return "raw vectors"
        case .center: return "language-centered"
        case .standardize: return "standardized dimensions"
        case let .allButTop(k): return "top \(k) PC\(k == 1 ? "" : "s") removed"
        }
    }

    /// The vectors the measures saw, for subtitles: "language-centered vectors (--normalize center)".
    public static func normalizationNote(_ normalization: Normalization) -> String {
        normalization == .none ? "raw vectors (--normalize none)"
            : "\(words(normalization)) vectors (--normalize \(normalization.argument))"
    }

    public static func intervalText(_ peak: AlignmentPeak) -> String {
        guard let low = peak.layerCILow, let high = peak.layerCIHigh else { return "" }
        return " [\(low), \(high)]"
    }

    /// The model's own name (`general.name` of a GGUF, `_name_or_path` of a config.json, recorded by trace as
    /// the activation file's `model_name`), else its file name without the extension.
    public var modelName: String { Self.modelName(of: report) }

    public static func modelName(of report: AlignmentReport) -> String {
        if let name = report.source.attributes["model_name"]?.trimmingCharacters(in: .whitespaces), !name.isEmpty { return name }
        let file = (report.source.model ?? report.source.path) as NSString
        let base = file.lastPathComponent
        for suffix in [".gguf", ".safetensors", ".bin", ".h5"] where base.hasSuffix(suffix) && base.count > suffix.count {
            return String(base.dropLast(suffix.count))
        }
        return base
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
        var parts = ["\(report.languages.count) languages × \(report.sentenceCount) sentences",
                     "\(report.settings.pool.rawValue) pooling", Self.normalizationNote(report.settings.normalize)]
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

    // MARK: - Controls drawn as reference lines

    public static let lexicalName = "lexical-overlap baseline (token bags)"
    public static let chanceName = "chance level (translations shuffled)"
    static let lexicalColor = RGBColor(0x777777)
    static let chanceColor = RGBColor(0xBB5566)

    /// The pair-averaged lexical-overlap retrieval as a flat line over the layers (it does not depend on the
    /// layer: no model is run), with its interval; for retrieval metrics only (it is a retrieval P@1).
    func lexicalReference(for metric: String) -> LineSeries? {
        guard metric.hasPrefix("retrieval_p1"), let lexical = report.controls?.lexicalOverlapMean?.retrievalP1 else { return nil }
        return LineSeries.reference(name: Self.lexicalName, color: Self.lexicalColor, dash: "2 3", y: lexical.value,
                                    low: lexical.ciLow, high: lexical.ciHigh, across: report.layers.map(Double.init))
    }

    /// The shuffled-pairing chance level of `metric` per layer (pair mean, with its interval), when the
    /// control measured that metric.
    func chanceReference(for metric: String) -> LineSeries? {
        guard let shuffled = report.controls?.shuffled, shuffled.metric == metric, !shuffled.curve.isEmpty else { return nil }
        return LineSeries(name: Self.chanceName, color: Self.chanceColor, dash: "7 3", points: points(shuffled.curve),
                          isReference: true)
    }

    func references(for metric: String) -> [LineSeries] {
        [lexicalReference(for: metric), chanceReference(for: metric)].compactMap { $0 }
    }

    /// Legend entries of the reference lines drawn in `panels` (in a fixed order).
    static func referenceLegend(_ panels: [LinePanel]) -> [LegendEntry] {
        let drawn = Set(panels.flatMap { $0.series.filter(\.isReference).map(\.name) })
        return [(lexicalName, lexicalColor, "2 3"), (chanceName, chanceColor, "7 3")].compactMap { name, color, dash in
            drawn.contains(name) ? LegendEntry(label: name, color: color, dash: dash, isReference: true) : nil
        }
    }

    /// The pair-averaged curve of `metric` with its bootstrap interval (`peaks`), else the plain pair mean.
    static func meanCurve(_ metric: String, in report: AlignmentReport) -> [Estimate]? {
        if let curve = report.peak(of: metric)?.curve, !curve.isEmpty { return curve }
        let series = report.series(metric)
        guard !series.isEmpty else { return nil }
        return report.layers.indices.map { i in
            let values = series.compactMap { i < $0.values.count ? $0.values[i].value : nil }.filter(\.isFinite)
            return Estimate(value: values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count))
        }
    }

    // MARK: - Figures

    /// Retrieval, cosine margin and debiased CKA per layer (one panel per metric, one line per pair), and the
    /// pair-averaged primary metric with its interval; the peak and its interval are marked in every panel,
    /// the lexical-overlap baseline and the shuffled chance level are drawn as reference lines.
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
            panels.append(LinePanel(title: Self.title(of: metric), xLabel: Self.layerAxis, yLabel: Self.axisLabel(of: metric),
                                    series: references(for: metric) + series, peak: peakMarker,
                                    yDomain: metric == "cosine_margin" ? nil : 0...1))
        }
        if let peak = report.peak, !peak.curve.isEmpty {
            let mean = LineSeries(name: "mean over pairs", color: RGBColor(0x000000), points: points(peak.curve))
            panels.append(LinePanel(title: "Mean over \(report.pairs.count) pairs: \(Self.axisLabel(of: peak.metric)) (locates the peak)",
                                    xLabel: Self.layerAxis, yLabel: Self.axisLabel(of: peak.metric),
                                    series: references(for: peak.metric) + [mean], peak: peakMarker))
        }
        let title = "Where does \(modelName) align languages?"
        let chart = LineChart(title: title, subtitle: subtitle(intervals: true), panels: panels,
                              legend: pairLegend + Self.referenceLegend(panels),
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

    /// A variance share as a percentage that never rounds 99.9 % to "100" or 0.4 % to "0".
    static func percentText(_ share: Double) -> String {
        let percent = share * 100
        return percent >= 99.5 ? String(format: "%.2f", percent)
            : percent < 1 ? String(format: "%.2g", percent) : String(format: "%.0f", percent)
    }

    /// PCA scatter (PC1 × PC2) per chosen layer, colored by language, on equal axis scales (a unit of PC1 is
    /// as long as a unit of PC2, so a direction holding 99 % of the variance shows as a line), the PC1 share
    /// printed large in each panel.
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
                return "PC\(c + 1) (\(Self.percentText(ratios[c])) % of variance)"
            }
            var panelTitle = "layer \(layer)"
            if layer == report.layers.first { panelTitle += " (embeddings)" }
            if layer == report.peak?.layer { panelTitle += " — peak" }
            let annotation = ratios.first.flatMap { $0.isFinite ? "PC1 \(Self.percentText($0)) %" : nil }
            return ScatterPanel(title: panelTitle, xLabel: axis(0), yLabel: axis(1), series: series, linkedPairs: links,
                                equalScale: true, annotation: annotation)
        }
        let legend = report.languages.map { LegendEntry(label: $0, color: LanguagePalette.color(for: $0)) }
        let grid = ScatterGrid(title: title, subtitle: subtitle(intervals: false) + " · equal scales on both axes",
                               panels: panels, legend: legend, legendTitle: "language", columns: 3, panelSize: 260)
        return Figure(fileName: "projections.svg", title: title, svg: grid.svg())
    }

    /// Language separability and nearest-centroid accuracy per layer.
    public func separability() -> Figure {
        let panels = ["language_separability", "centroid_accuracy"].compactMap { metric -> LinePanel? in
            guard let found = report.layerSeries(metric) else { return nil }
            let series = LineSeries(name: "all languages", color: RGBColor(0x0072B2), points: points(found.values))
            return LinePanel(title: Self.title(of: metric), xLabel: Self.layerAxis, yLabel: Self.axisLabel(of: metric),
                             series: [series], peak: peakMarker, yDomain: 0...1)
        }
        let title = "How separable are the languages? — \(modelName)"
        let chart = LineChart(title: title, subtitle: subtitle(intervals: true), panels: panels,
                              legend: [], columns: 2, panelWidth: 420, panelHeight: 240)
        return Figure(fileName: "separability.svg", title: title, svg: chart.svg())
    }
}
