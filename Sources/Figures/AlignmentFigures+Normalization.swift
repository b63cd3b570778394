// normalization.svg: the normalised curves next to the raw-cosine ones, and why they differ (the raw
// vectors' rogue dimensions: Timkey & van Schijndel 2021; anisotropy: Ethayarajh 2019).
import Alignment
import Foundation
import Plotting

extension AlignmentFigures {
    /// One pair-averaged curve of normalization.svg: a metric of one run, labelled by the vectors it saw.
    public struct NormalizationVariant: Sendable {
        public var label: String
        public var color: RGBColor
        public var dash: String?
        public var curve: [Estimate]
    }

    /// A line colour per normalisation, the same in every panel (red = raw, blue = centered, …).
    static func color(of normalization: Normalization) -> RGBColor {
        switch normalization {
        case .none: return RGBColor(0xCC3311)
        case .center: return RGBColor(0x0077BB)
        case .standardize: return RGBColor(0xEE7733)
        case .allButTop: return RGBColor(0x33BBEE)
        }
    }

    /// The input's curves solid, the companion's dashed: where a measure ignores the normalisation (CKA under
    /// centering) the two coincide and both stay visible.
    static func dash(run index: Int) -> String? { index == 0 ? nil : "6 3" }

    /// "raw vectors (--normalize none)", the label of a run's curves.
    static func variantLabel(_ normalization: Normalization) -> String { normalizationNote(normalization) }

    /// The runs drawn: this report, then the companion (other normalisation) when given.
    private var runs: [AlignmentReport] {
        [report] + (companion.map { [$0] } ?? [])
    }

    /// The retrieval P@1 curves (pair means): `retrieval_p1` of every run under its normalisation, plus what a
    /// raw run measures of the other spaces (`retrieval_p1_centered`, `retrieval_p1_lsar`) when no run
    /// already is centered.
    public func retrievalVariants() -> [NormalizationVariant] {
        var out: [NormalizationVariant] = []
        var seen: Set<String> = []
        for (index, run) in runs.enumerated() {
            let n = run.settings.normalize
            if let curve = Self.meanCurve("retrieval_p1", in: run), seen.insert(n.argument).inserted {
                out.append(NormalizationVariant(label: Self.variantLabel(n), color: Self.color(of: n),
                                                dash: Self.dash(run: index), curve: curve))
            }
        }
        for run in runs where run.settings.normalize == .none {
            if let curve = Self.meanCurve("retrieval_p1_centered", in: run), seen.insert(Normalization.center.argument).inserted {
                out.append(NormalizationVariant(label: "language-centered vectors (retrieval_p1_centered of the raw run)",
                                                color: Self.color(of: .center), dash: "2 2", curve: curve))
            }
            if let curve = Self.meanCurve("retrieval_p1_lsar", in: run), seen.insert("lsar").inserted {
                out.append(NormalizationVariant(label: "language subspace removed (retrieval_p1_lsar of the raw run)",
                                                color: RGBColor(0x009988), dash: "6 3", curve: curve))
            }
        }
        return out
    }

    /// Metrics besides retrieval that both runs measured under their own normalisation.
    public func sharedMetrics() -> [String] {
        guard let companion else { return [] }
        return ["cosine_margin", "mutual_knn", "cka_debiased"].filter {
            Self.meanCurve($0, in: report) != nil && Self.meanCurve($0, in: companion) != nil
        }
    }

    /// Whether normalization.svg has something to show: retrieval under two normalisations, or under one
    /// with the diagnostics that say whether the raw vectors would have misled.
    var hasNormalizationData: Bool {
        let variants = retrievalVariants().count
        return variants >= 2 || (variants == 1 && !(report.diagnostics ?? []).isEmpty)
    }

    /// Why the default normalises: the pair-averaged retrieval P@1 on raw and on normalised vectors (and the
    /// other metrics both runs have) with the lexical baseline and the chance level, and the raw vectors'
    /// largest single dimension per layer against the warning threshold.
    public func normalization() -> Figure {
        let xs = report.layers.map(Double.init)
        func line(_ variant: NormalizationVariant) -> LineSeries {
            LineSeries(name: variant.label, color: variant.color, dash: variant.dash,
                       points: zip(xs, variant.curve).map { LinePoint(x: $0, y: $1.value, low: $1.ciLow, high: $1.ciHigh) })
        }
        var panels: [LinePanel] = []
        let retrieval = retrievalVariants()
        if !retrieval.isEmpty {
            panels.append(LinePanel(title: "Retrieval P@1, mean over \(report.pairs.count) pairs", xLabel: Self.layerAxis,
                                    yLabel: Self.axisLabel(of: "retrieval_p1"),
                                    series: references(for: "retrieval_p1") + retrieval.map(line), yDomain: 0...1))
        }
        for metric in sharedMetrics() {
                let variants = runs.enumerated().compactMap { index, run in
                Self.meanCurve(metric, in: run).map {
                    NormalizationVariant(label: Self.variantLabel(run.settings.normalize), color: Self.color(of: run.settings.normalize),
                                         dash: Self.dash(run: index), curve: $0)
                }
            }
            panels.append(LinePanel(title: "\(Self.title(of: metric)), mean over pairs", xLabel: Self.layerAxis,
                                    yLabel: Self.axisLabel(of: metric), series: references(for: metric) + variants.map(line),
                                    yDomain: metric == "cosine_margin" ? nil : 0...1))
        }
        let diagnostics = (report.diagnostics ?? []).sorted { $0.layer < $1.layer }
        if !diagnostics.isEmpty {
            let threshold = LineSeries.reference(name: Self.thresholdName, color: Self.thresholdColor, dash: "4 2",
                                                 y: AnisotropyDiagnostics.dominanceThreshold, across: xs)
            var series = [threshold,
                          LineSeries(name: "largest dimension: share of the squared norm", color: RGBColor(0x882255),
                                     points: diagnostics.map { LinePoint(x: Double($0.layer), y: $0.topEnergyShare) }),
                          LineSeries(name: "largest dimension: share of the variance", color: RGBColor(0x999933), dash: "6 3",
                                     points: diagnostics.map { LinePoint(x: Double($0.layer), y: $0.topVarianceShare) })]
            if diagnostics.contains(where: { $0.pc1VarianceShare != nil }) {
                series.append(LineSeries(name: "PC1: share of the variance", color: RGBColor(0x332288), dash: "2 2",
                                         points: diagnostics.map { LinePoint(x: Double($0.layer), y: $0.pc1VarianceShare ?? .nan) }))
            }
            panels.append(LinePanel(title: rogueTitle(diagnostics), xLabel: Self.layerAxis, yLabel: "share of the raw vectors",
                                    series: series, yDomain: 0...1))
        }
        var legend: [LegendEntry] = []
        for panel in panels {
            for series in panel.series where !series.isReference && !legend.contains(where: { $0.label == series.name }) {
                legend.append(LegendEntry(label: series.name, color: series.color, dash: series.dash))
            }
        }
        legend += Self.referenceLegend(panels)
        if panels.contains(where: { $0.series.contains { $0.name == Self.thresholdName } }) {
            legend.append(LegendEntry(label: Self.thresholdName, color: Self.thresholdColor, dash: "4 2", isReference: true))
        }
        var subtitle = "\(report.languages.count) languages × \(report.sentenceCount) sentences · \(report.settings.pool.rawValue) pooling"
        if retrieval.count < 2 {
            subtitle += " · \(Self.normalizationNote(report.settings.normalize)) only; raw curves: plot --raw DIR (align --normalize none)"
        }
        let title = "Raw against normalised vectors — \(modelName)"
        let chart = LineChart(title: title, subtitle: subtitle, panels: panels, legend: legend, columns: 2,
                              panelWidth: 420, panelHeight: 240)
        return Figure(fileName: "normalization.svg", title: title, svg: chart.svg())
    }

    static let thresholdColor = RGBColor(0xAA3377)
    public static let thresholdName = "warning threshold (one dimension > 50 % of the squared norm)"

    /// "Largest dimension of the raw vectors (d 507 at layers 12–28)".
    private func rogueTitle(_ diagnostics: [LayerDiagnostics]) -> String {
        let dominant = diagnostics.filter { $0.topEnergyShare > AnisotropyDiagnostics.dominanceThreshold }
        guard let top = dominant.max(by: { $0.topEnergyShare < $1.topEnergyShare }),
              let dimension = top.outlierDimensions.first?.dimension
        else { return "Largest single dimension of the raw vectors" }
        return "Raw vectors: dimension \(dimension) holds up to \(Self.percentText(top.topEnergyShare)) % (layer \(top.layer))"
    }
}
