// The figures of `interlingua compare`: every run's curve on one axis, and the differences between runs.
import Alignment
import Compare
import Foundation
import Plotting

/// comparison.svg and difference.svg of a compare.json.
public struct CompareFigures: Sendable {
    public let report: CompareReport

    public init(report: CompareReport) { self.report = report }

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

    /// The alignment figures when align runs were compared, then the lens and responses ones.
    public func all() -> [Figure] {
        (report.metrics.isEmpty ? [] : [curves(), differences()]) + lensFigures() + responsesFigures()
    }

    /// One panel per metric, one line per run with its band; with `--per-pair`, then one panel per metric and
    /// shared pair.
    public func curves() -> Figure {
        func panel(_ metric: String, source: String, target: String, title: String) -> LinePanel {
            let series = report.runs.enumerated().compactMap { index, run -> LineSeries? in
                guard let curve = report.curves.first(where: {
                    $0.metric == metric && $0.run == run.label && $0.source == source && $0.target == target
                }) else { return nil }
                let points = curve.points.map {
                    LinePoint(x: relative ? $0.relativeDepth : Double($0.layer), y: $0.value, low: $0.ciLow, high: $0.ciHigh)
                }
                return LineSeries(name: run.label, color: Self.color(index), points: points)
            }
            return LinePanel(title: title, xLabel: xLabel, yLabel: Self.title(of: metric), series: series, integerX: !relative)
        }
        var panels = report.metrics.map { panel($0, source: "*", target: "*", title: Self.title(of: $0)) }
        if report.settings.perPair {
            for metric in report.metrics {
                for pair in report.pairs where report.curves.contains(where: {
                    $0.metric == metric && $0.source == pair.source && $0.target == pair.target
                }) {
                    panels.append(panel(metric, source: pair.source, target: pair.target,
                                        title: "\(Self.title(of: metric)): \(pair.source)–\(pair.target)"))
                }
            }
        }
        let title = "Where do the models align languages? " + report.runs.map(\.label).joined(separator: " vs ")
        let chart = LineChart(title: title, subtitle: subtitle, panels: panels, legend: legend,
                              columns: min(2, max(1, panels.count)), panelWidth: 460, panelHeight: 260)
        return Figure(fileName: "comparison.svg", title: title, svg: chart.svg())
    }

    /// One panel per metric and pair of runs: A − B with its band and the zero line; one colour per pair of
    /// runs (its legend entry), whatever metric the panel shows; the legend ends with the zero line's entry.
    static func differencePanels(_ differences: [CompareDifference], relative: Bool,
                                 title: (String) -> String) -> (panels: [LinePanel], legend: [LegendEntry]) {
        var panels: [LinePanel] = []
        var legend: [LegendEntry] = []
        for d in differences {
            let gridRelative = relative || d.grid != "layers"
            let points = d.points.map {
                LinePoint(x: gridRelative ? $0.relativeDepth : Double($0.layer), y: $0.difference, low: $0.ciLow, high: $0.ciHigh)
            }
            let name = "\(d.runA) − \(d.runB)"
            if !legend.contains(where: { $0.label == name }) { legend.append(LegendEntry(label: name, color: color(legend.count))) }
            let pairColor = legend.first { $0.label == name }?.color ?? color(0)
            let zero = LineSeries(name: "0", color: RGBColor(0x888888), dash: "4 3",
                                  points: [LinePoint(x: points.first?.x ?? 0, y: 0), LinePoint(x: points.last?.x ?? 1, y: 0)])
            let excluded = d.layersExcludingZero.count
            panels.append(LinePanel(
                title: "\(title(d.metric)): \(name) (\(d.paired ? "paired" : "unpaired"))",
                xLabel: gridRelative ? "relative depth (\(d.grid))" : "layer (0 = embeddings)",
                yLabel: excluded == 0 ? "difference (CI covers 0)" : "difference (CI excludes 0 at \(excluded))",
                series: [LineSeries(name: name, color: pairColor, points: points), zero], integerX: !gridRelative))
        }
        legend.append(LegendEntry(label: "0 (no difference)", color: RGBColor(0x888888), dash: "4 3"))
        return (panels, legend)
    }

    /// One panel per metric and pair of runs: A − B with its band and the zero line.
    public func differences() -> Figure {
        let (panels, legend) = Self.differencePanels(report.differences, relative: relative, title: Self.title(of:))
        let title = "Differences between runs, with \(report.differences.allSatisfy(\.paired) ? "paired " : "")bootstrap intervals"
        let chart = LineChart(title: title, subtitle: subtitle, panels: panels, legend: legend,
                              columns: min(2, max(1, panels.count)), panelWidth: 460, panelHeight: 260)
        return Figure(fileName: "difference.svg", title: title, svg: chart.svg())
    }
}

// MARK: - plot / report input

/// `plot`/`report` input kind: an `interlingua compare` output folder (or its compare.json).
public struct CompareInput: FigureInput {
    public static let kindDescription = "an 'interlingua compare' output folder (or its compare.json)"
    public static let fileName = "compare.json"

    public let report: CompareReport
    public let url: URL

    public static func recognises(_ probe: InputProbe) -> Bool {
        let file = probe.isDirectory ? probe.child(fileName) : probe
        return file.exists && !file.isDirectory && file.jsonFormat == CompareReport.format
    }

    public init(_ probe: InputProbe) throws {
        url = probe.isDirectory ? probe.url.appendingPathComponent(Self.fileName) : probe.url
        do { report = try CompareReport.read(from: url) } catch {
            throw FiguresError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    public func figures(_ options: FigureOptions) -> FigureSet {
        FigureSet(figures: CompareFigures(report: report).all())
    }

    public func reportHTML(_ options: FigureOptions) throws -> String {
        CompareReportPage(report: report, toolVersion: options.toolVersion).html()
    }

    public func summaryLines() -> [String] { CompareReportPage.summaryLines(report) }

    public var defaultFigureFolder: URL { url.deletingLastPathComponent() }
    public var defaultReportFile: URL { url.deletingLastPathComponent().appendingPathComponent("report.html") }
}

/// The `report` page of a comparison: the peaks, the differences at the peaks, both figures, what was left out.
public struct CompareReportPage: Sendable {
    public let report: CompareReport
    public var toolVersion: String

    public init(report: CompareReport, toolVersion: String) {
        self.report = report
        self.toolVersion = toolVersion
    }

    static func format(_ e: Estimate, _ spec: String = "%.3f") -> String {
        var text = String(format: spec, e.value)
        if let lo = e.ciLow, let hi = e.ciHigh { text += "\n[" + String(format: spec, lo) + ", " + String(format: spec, hi) + "]" }
        return text
    }

    /// One line per metric and run (its peak), one per difference (at the peaks, and the layers excluding 0).
    public static func summaryLines(_ report: CompareReport) -> [String] {
        var lines = report.peaks.map { peak -> String in
            var line = "\(peak.metric) \(peak.run): peak at layer \(peak.layer) (relative depth "
                + String(format: "%.2f", peak.relativeDepth) + "), value " + String(format: "%.4f", peak.value)
            if let lo = peak.layerCILow, let hi = peak.layerCIHigh { line += ", layer interval [\(lo), \(hi)]" }
            return line
        }
        for d in report.differences {
            func est(_ e: Estimate, _ spec: String) -> String {
                var s = String(format: spec, e.value)
                if let lo = e.ciLow, let hi = e.ciHigh { s += " [" + String(format: spec, lo) + ", " + String(format: spec, hi) + "]" }
                return s
            }
            lines.append("\(d.metric) \(d.runA) − \(d.runB) (\(d.paired ? "paired" : "unpaired")): peak value "
                         + est(d.peakValue, "%+.4f") + ", peak relative depth " + est(d.peakRelativeDepth, "%+.2f")
                         + "; interval excludes 0 at " + (d.layersExcludingZero.isEmpty ? "no layer"
                             : "layers " + d.layersExcludingZero.map(String.init).joined(separator: ",")))
        }
        for d in report.lens?.differences ?? [] {
            lines.append("\(d.metric) \(d.runA) − \(d.runB) (\(d.paired ? "paired" : "unpaired")): peak value "
                         + String(format: "%+.4f", d.peakValue.value) + ", peak relative depth "
                         + String(format: "%+.2f", d.peakRelativeDepth.value) + "; interval excludes 0 at "
                         + (d.layersExcludingZero.isEmpty ? "no layer" : "layers " + d.layersExcludingZero.map(String.init).joined(separator: ",")))
        }
        if let responses = report.responses {
            for d in responses.differences {
                var line = "\(ResponsesComparison.metric)[\(d.lang)] \(d.runA) − \(d.runB) (\(d.paired ? "paired" : "unpaired"), "
                    + "\(d.answers) answers): " + String(format: "%+.3f", d.difference)
                if let lo = d.ciLow, let hi = d.ciHigh { line += " [" + String(format: "%+.3f", lo) + ", " + String(format: "%+.3f", hi) + "]" }
                lines.append(line)
            }
        }
        return lines
    }

    /// The lens and responses sections of the report page (empty when the comparison has neither).
    func lensAndResponsesSections() -> [ReportSection] {
        var sections: [ReportSection] = []
        let figures = CompareFigures(report: report)
        if let lens = report.lens {
            let rows = lens.differences.map { d -> [String] in
                [d.metric, "\(d.runA) − \(d.runB)", d.paired ? "paired" : "unpaired", Self.format(d.peakValue),
                 Self.format(d.peakRelativeDepth, "%+.2f"),
                 d.layersExcludingZero.isEmpty ? "none" : d.layersExcludingZero.map(String.init).joined(separator: ", ")]
            }
            sections.append(ReportSection(heading: "Logit lens: p(target) and p(English)", blocks: [
                .paragraph("Per layer, the mean over prompts of the token-set probability of the answer in the target "
                           + "language and in English at the last position (Wendler et al. 2024), with "
                           + "\(report.settings.bootstrap) bootstrap resamples of the prompts; differences of runs that "
                           + "share prompt ids are paired over the prompts both kept."),
                .table(headers: ["metric", "runs", "bootstrap", "peak value", "peak relative depth", "layers where the interval excludes 0"],
                       rows: rows, highlightedRows: []),
            ] + figures.lensFigures().map { ReportBlock.figure(svg: $0.svg, caption: $0.title) }))
        }
        if let responses = report.responses {
            let rateRows = responses.rates.map { r -> [String] in
                [r.lang, r.run, "\(r.same) / \(r.answers)", String(format: "%.3f", r.rate),
                 r.ciLow.flatMap { lo in r.ciHigh.map { "[" + String(format: "%.3f", lo) + ", " + String(format: "%.3f", $0) + "]" } } ?? "–"]
            }
            let differenceRows = responses.differences.map { d -> [String] in
                [d.lang, "\(d.runA) − \(d.runB)", d.paired ? "paired" : "unpaired", "\(d.answers)",
                 String(format: "%+.3f", d.difference),
                 d.ciLow.flatMap { lo in d.ciHigh.map { "[" + String(format: "%+.3f", lo) + ", " + String(format: "%+.3f", $0) + "]" } } ?? "–"]
            }
            sections.append(ReportSection(heading: "Responses: same-language answer rates", blocks: [
                .table(headers: ["language", "run", "same / answers", "rate", "interval"], rows: rateRows, highlightedRows: []),
                .table(headers: ["language", "runs", "bootstrap", "answers", "difference", "interval"], rows: differenceRows,
                       highlightedRows: []),
            ] + figures.responsesFigures().map { ReportBlock.figure(svg: $0.svg, caption: $0.title) }))
        }
        return sections
    }

    /// The "Runs" section: every run of every kind (align, lens, responses), as (label, "kind · source · depth or
    /// languages · …").
    public static func runLines(_ report: CompareReport) -> [(String, String)] {
        let align = report.runs.map {
            ($0.label, "align · \($0.path) · \($0.model ?? "?") · \($0.nLayers) blocks · \($0.sentenceCount) sentences · "
                + "languages \($0.languages.joined(separator: " ")) · pseudo-values: \($0.pseudoValues ? "yes" : "no")")
        }
        let lens = (report.lens?.runs ?? []).map {
            ($0.label, "lens · \($0.path) · \($0.model) · \($0.nLayers) blocks · \($0.promptCount) prompts averaged"
                + ($0.excluded > 0 ? " (\($0.excluded) left out)" : ""))
        }
        let responses = (report.responses?.runs ?? []).map { run -> (String, String) in
            var text = "responses · \(run.path) · \(run.identifier) · \(run.answers) answers"
            if let languages = run.languages { text += " · languages \(languages.joined(separator: " "))" }
            return (run.label, text)
        }
        return align + lens + responses
    }

    public func html() -> String {
        let figures = CompareFigures(report: report)
        let peakRows = report.peaks.map { p -> [String] in
            let interval = p.layerCILow.flatMap { lo in p.layerCIHigh.map { "[\(lo), \($0)]" } } ?? "–"
            return [p.metric, p.run, "\(p.layer)", String(format: "%.2f", p.relativeDepth), String(format: "%.3f", p.value), interval]
        }
        let differenceRows = report.differences.map { d -> [String] in
            [d.metric, "\(d.runA) − \(d.runB)", d.paired ? "paired" : "unpaired", Self.format(d.peakValue),
             Self.format(d.peakRelativeDepth, "%+.2f"),
             d.layersExcludingZero.isEmpty ? "none" : d.layersExcludingZero.map(String.init).joined(separator: ", ")]
        }
        var sections = report.metrics.isEmpty ? [] : [
            ReportSection(heading: "Peaks", blocks: [
                .table(headers: ["metric", "run", "peak layer", "relative depth", "value", "layer interval"],
                       rows: peakRows, highlightedRows: []),
            ]),
            ReportSection(heading: "Differences (A − B)", blocks: [
                .paragraph("Per layer and at the peaks, with \(report.settings.bootstrap) bootstrap resamples of the sentences; "
                           + "paired differences apply the same resamples to both runs."),
                .table(headers: ["metric", "runs", "bootstrap", "peak value", "peak relative depth", "layers where the interval excludes 0"],
                       rows: differenceRows, highlightedRows: []),
            ]),
            ReportSection(heading: "Figures", blocks: (report.metrics.isEmpty ? [] : [figures.curves(), figures.differences()])
                .map { ReportBlock.figure(svg: $0.svg, caption: $0.title) }),
        ]
        sections += lensAndResponsesSections()
        if !report.leftOut.isEmpty {
            sections.append(ReportSection(heading: "Not compared", blocks: report.leftOut.map { .paragraph($0) }))
        }
        sections.append(ReportSection(heading: "Runs", blocks: [.definitions(Self.runLines(report) + [("interlingua", toolVersion)])]))
        let labels = report.runs.map(\.label) + (report.lens?.runs.map(\.label) ?? []) + (report.responses?.runs.map(\.label) ?? [])
        var seen = Set<String>()
        return HTMLReport(title: "Comparison: " + labels.filter { seen.insert($0).inserted }.joined(separator: " vs "),
                          summary: Self.summaryLines(report).joined(separator: "\n"), sections: sections).html()
    }
}
