// The lens and responses figures of `interlingua compare`: several models' p(target) / p(English) curves and
// their paired differences; same-language answer rates per instruction language with intervals.
import Compare
import Foundation
import Plotting

extension CompareFigures {
    /// lens-comparison.svg and lens-difference.svg (when the comparison has lens runs).
    func lensFigures() -> [Figure] {
        guard let lens = report.lens else { return [] }
        let relative = lens.depth == .relative
        let xLabel = relative ? "relative depth (layer / blocks; 0 = embeddings)" : "layer (0 = embeddings)"
        let names = ["lens_p_target": "p(target language)", "lens_p_english": "p(English)"]
        let runLegend = lens.runs.enumerated().map { LegendEntry(label: $1.label, color: Self.color($0)) }
        let subtitle = lens.runs.map { "\($0.label) (\($0.nLayers) blocks, \($0.promptCount) prompts)" }.joined(separator: " vs ")
            + (report.settings.bootstrap > 0 ? " · 95 % bootstrap bands over prompts (\(report.settings.bootstrap) resamples)" : "")
        let panels = lens.metrics.map { metric -> LinePanel in
            let series = lens.runs.enumerated().compactMap { index, run -> LineSeries? in
                lens.curve(metric, run: run.label).map { curve in
                    LineSeries(name: run.label, color: Self.color(index), points: curve.points.map {
                        LinePoint(x: relative ? $0.relativeDepth : Double($0.layer), y: $0.value, low: $0.ciLow, high: $0.ciHigh)
                    })
                }
            }
            return LinePanel(title: names[metric] ?? metric, xLabel: xLabel, yLabel: "mean probability", series: series,
                             integerX: !relative)
        }
        let title = "Latent language of the models (logit lens): " + lens.runs.map(\.label).joined(separator: " vs ")
        let curves = LineChart(title: title, subtitle: subtitle, panels: panels, legend: runLegend, columns: 2,
                               panelWidth: 460, panelHeight: 260)
        let (differencePanels, legend) = Self.differencePanels(lens.differences, relative: relative) { names[$0] ?? $0 }
        let differenceTitle = "Lens differences between models, with \(lens.differences.allSatisfy(\.paired) ? "paired " : "")bootstrap intervals"
        let differences = LineChart(title: differenceTitle, subtitle: subtitle, panels: differencePanels, legend: legend,
                                    columns: 2, panelWidth: 460, panelHeight: 260)
        return [Figure(fileName: "lens-comparison.svg", title: title, svg: curves.svg()),
                Figure(fileName: "lens-difference.svg", title: differenceTitle, svg: differences.svg())]
    }

    /// responses-comparison.svg: per instruction language (rows), every run's same-language rate as a dot with its
    /// interval (left), and each pair of runs' difference with its interval (right).
    func responsesFigures() -> [Figure] {
        guard let responses = report.responses else { return [] }
        let languages = responses.languages
        let pairs = Array(Set(responses.differences.map { "\($0.runA) − \($0.runB)" })).sorted()
        let rowHeight = 22.0, left = 70.0, top = 96.0, panelWidth = 360.0, gap = 90.0, right = 40.0, bottom = 70.0
        let width = left + panelWidth + (pairs.isEmpty ? 0 : gap + panelWidth) + right
        let height = top + Double(languages.count) * rowHeight + bottom
        var c = SVGCanvas(width: width, height: height)
        let title = "Answers in the instruction language: " + responses.runs.map(\.label).joined(separator: " vs ")
        c.text(title, x: 16, y: 24, size: 15, weight: "bold")
        let identifiers = Set(responses.runs.map(\.identifier)).sorted().joined(separator: ", ")
        c.text("share of answers identified (\(identifiers)) in the instruction language · "
               + (report.settings.bootstrap > 0 ? "95 % bootstrap intervals over answers" : "no intervals"),
               x: 16, y: 42, size: 11, fill: "#555555")
        // Legend: one entry per run.
        var lx = 16.0
        for (k, run) in responses.runs.enumerated() {
            c.beginGroup(className: "legend-entry", data: [("label", run.label)])
            c.circle(cx: lx + 5, cy: 60, r: 4.5, fill: Self.color(k).hex)
            c.text(run.label, x: lx + 14, y: 64, size: 11)
            c.endGroup()
            lx += 24 + estimatedTextWidth(run.label, size: 11)
        }
        let plotBottom = top + Double(languages.count) * rowHeight
        func axis(_ x0: Double, _ lo: Double, _ hi: Double, _ label: String, ticks: [Double]) {
            c.line(x1: x0, y1: plotBottom, x2: x0 + panelWidth, y2: plotBottom, stroke: "#444444")
            for t in ticks {
                let x = x0 + (t - lo) / (hi - lo) * panelWidth
                c.line(x1: x, y1: top - 4, x2: x, y2: plotBottom, stroke: "#DDDDDD")
                c.text(String(format: "%g", t), x: x, y: plotBottom + 16, size: 10, anchor: .middle, fill: "#555555")
            }
            c.text(label, x: x0 + panelWidth / 2, y: plotBottom + 36, size: 11, anchor: .middle)
        }
        axis(left, 0, 1, "same-language answer rate", ticks: [0, 0.25, 0.5, 0.75, 1])
        c.text("rate per model", x: left, y: top - 12, size: 12, weight: "bold")
        let runs = responses.runs.count
        for (i, lang) in languages.enumerated() {
            let y0 = top + Double(i) * rowHeight
            c.text(lang, x: left - 10, y: y0 + rowHeight / 2 + 4, size: 11, anchor: .end)
            for (k, run) in responses.runs.enumerated() {
                guard let rate = responses.rates.first(where: { $0.run == run.label && $0.lang == lang }) else { continue }
                let y = y0 + rowHeight * (Double(k) + 1) / Double(runs + 1)
                let color = Self.color(k).hex
                if let lo = rate.ciLow, let hi = rate.ciHigh {
                    c.line(x1: left + lo * panelWidth, y1: y, x2: left + hi * panelWidth, y2: y, stroke: color, strokeWidth: 2)
                }
                c.circle(cx: left + rate.rate * panelWidth, cy: y, r: 3.5, fill: color)
            }
        }
        if !pairs.isEmpty {
            let x0 = left + panelWidth + gap
            let extent = max(0.25, responses.differences.flatMap { [abs($0.difference), abs($0.ciLow ?? 0), abs($0.ciHigh ?? 0)] }.max() ?? 0)
            let limit = (extent * 4).rounded(.up) / 4
            axis(x0, -limit, limit, "difference of rates (A − B)", ticks: [-limit, -limit / 2, 0, limit / 2, limit])
            let zero = x0 + panelWidth / 2
            c.line(x1: zero, y1: top - 4, x2: zero, y2: plotBottom, stroke: "#888888", dash: "4 3")
            let paired = responses.differences.allSatisfy(\.paired)
            c.text("difference (\(paired ? "paired" : "unpaired where no shared prompt ids"))", x: x0, y: top - 12, size: 12, weight: "bold")
            for (i, lang) in languages.enumerated() {
                let y0 = top + Double(i) * rowHeight
                c.text(lang, x: x0 - 10, y: y0 + rowHeight / 2 + 4, size: 11, anchor: .end)
                for (k, name) in pairs.enumerated() {
                    guard let d = responses.differences.first(where: { "\($0.runA) − \($0.runB)" == name && $0.lang == lang }) else { continue }
                    let y = y0 + rowHeight * (Double(k) + 1) / Double(pairs.count + 1)
                    func px(_ v: Double) -> Double { x0 + (v + limit) / (2 * limit) * panelWidth }
                    let color = d.excludesZero ? "#D55E00" : "#333333"
                    if let lo = d.ciLow, let hi = d.ciHigh { c.line(x1: px(lo), y1: y, x2: px(hi), y2: y, stroke: color, strokeWidth: 2) }
                    c.circle(cx: px(d.difference), cy: y, r: 3.5, fill: color)
                }
            }
            c.text(pairs.joined(separator: "; ") + " · orange: interval excludes 0", x: x0, y: plotBottom + 54, size: 10, fill: "#555555")
        }
        return [Figure(fileName: "responses-comparison.svg", title: title, svg: c.document(title: title))]
    }
}
