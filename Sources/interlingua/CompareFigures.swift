// The figures of `interlingua compare`: every run's curve on one axis, and the differences between runs.
import Compare
import Foundation
import Plotting

/// comparison.svg and difference.svg of a compare.json.
struct CompareFigures {
    struct Figure {
        var fileName: String
        var title: String
        var svg: String
    }

    let report: CompareReport

    /// Colour-blind-safe categorical colours (Okabe & Ito 2008), one per run in order.
    static let runColors: [RGBColor] = [
        RGBColor(0x0072B2), RGBColor(0xD55E00), RGBColor(0x009E73), RGBColor(0xCC79A7),
        RGBColor(0xE69F00), RGBColor(0x56B4E9), RGBColor(0x000000), RGBColor(0xF0E442),
    ]

    static func color(_ index: Int) -> RGBColor { runColors[index % runColors.count] }

    var relative: Bool { report.settings.depth == .relative }

    var xLabel: String { relative ? "relative depth (layer / blocks; 0 = embeddings)" : "layer (0 = embeddings)" }

    static func title(of metric: String) -> String { AlignmentFigures.title(of: metric) }

    var subtitle: String {
        let runs = report.runs.map { "\($0.label) (\($0.nLayers) blocks, \($0.sentenceCount) sentences)" }
        var parts = [runs.joined(separator: " vs ")]
        parts.append("mean over \(report.pairs.count) pair\(report.pairs.count == 1 ? "" : "s")")
        if report.settings.bootstrap > 0 {
            parts.append("\(Int((report.settings.confidence * 100).rounded())) % bootstrap bands (\(report.settings.bootstrap) resamples)")
        }
        return parts.joined(separator: " · ")
    }

    var legend: [LegendEntry] {
        report.runs.enumerated().map { LegendEntry(label: $1.label, color: Self.color($0)) }
    }

    func all() -> [Figure] { [curves(), differences()] }

    /// One panel per metric, one line per run with its band.
    func curves() -> Figure {
        let panels = report.metrics.map { metric -> LinePanel in
            let series = report.runs.enumerated().compactMap { index, run -> LineSeries? in
                guard let curve = report.meanCurve(metric, run: run.label) else { return nil }
                let points = curve.points.map {
                    LinePoint(x: relative ? $0.relativeDepth : Double($0.layer), y: $0.value, low: $0.ciLow, high: $0.ciHigh)
                }
                return LineSeries(name: run.label, color: Self.color(index), points: points)
            }
            return LinePanel(title: Self.title(of: metric), xLabel: xLabel, yLabel: Self.title(of: metric),
                             series: series, integerX: !relative)
        }
        let title = "Where do the models align languages? " + report.runs.map(\.label).joined(separator: " vs ")
        let chart = LineChart(title: title, subtitle: subtitle, panels: panels, legend: legend,
                              columns: min(2, max(1, panels.count)), panelWidth: 460, panelHeight: 260)
        return Figure(fileName: "comparison.svg", title: title, svg: chart.svg())
    }

    /// One panel per metric and pair of runs: A − B with its band and the zero line.
    func differences() -> Figure {
        var panels: [LinePanel] = []
        var legend: [LegendEntry] = []
        for (k, d) in report.differences.enumerated() {
            let gridRelative = relative || d.grid != "layers"
            let points = d.points.map {
                LinePoint(x: gridRelative ? $0.relativeDepth : Double($0.layer), y: $0.difference, low: $0.ciLow, high: $0.ciHigh)
            }
            let name = "\(d.runA) − \(d.runB)"
            let color = Self.color(k)
            if !legend.contains(where: { $0.label == name }) { legend.append(LegendEntry(label: name, color: color)) }
            let zero = LineSeries(name: "0", color: RGBColor(0x888888), dash: "4 3",
                                  points: [LinePoint(x: points.first?.x ?? 0, y: 0), LinePoint(x: points.last?.x ?? 1, y: 0)])
            let significant = d.layersExcludingZero.isEmpty ? "interval covers 0 at every layer"
                : "excludes 0 at layer\(d.layersExcludingZero.count == 1 ? "" : "s") " + d.layersExcludingZero.map(String.init).joined(separator: ", ")
            panels.append(LinePanel(
                title: "\(Self.title(of: d.metric)): \(name) (\(d.paired ? "paired" : "unpaired")); \(significant)",
                xLabel: gridRelative ? "relative depth (\(d.grid))" : "layer (0 = embeddings)",
                yLabel: "difference", series: [LineSeries(name: name, color: color, points: points), zero],
                integerX: !gridRelative))
        }
        legend.append(LegendEntry(label: "0 (no difference)", color: RGBColor(0x888888), dash: "4 3"))
        let title = "Differences between runs, with \(report.differences.allSatisfy(\.paired) ? "paired " : "")bootstrap intervals"
        let chart = LineChart(title: title, subtitle: subtitle, panels: panels, legend: legend,
                              columns: min(2, max(1, panels.count)), panelWidth: 460, panelHeight: 260)
        return Figure(fileName: "difference.svg", title: title, svg: chart.svg())
    }
}
