// The logit-lens figures (Wendler et al. 2024): latent-language curves with bootstrap bands and the entropy
// strip, and the lens table; the lens report page.
import Activations
import Foundation
import Lens
import Plotting

/// Maps a lens file onto the charts of `Plotting`: the Wendler figure (latent-language curves with bands and
/// the entropy strip) and the lens table (top token per layer and prompt).
public struct LensFigures {
    public let file: LensFile
    public let curves: LensCurves
    /// At most this many prompts in the lens table.
    public var tableColumns = 14

    public init(file: LensFile, resamples: Int = 1000, seed: UInt64 = 0) {
        self.file = file
        self.curves = LensCurves(file, resamples: resamples, confidence: 0.95, seed: seed)
    }

    var modelName: String { (file.model as NSString).lastPathComponent }

    public func all() -> [Figure] { [latentLanguage(), table()] }

    static let layerAxis = "layer (0 = embeddings)"

    /// The languages drawn, in legend order (English first).
    var legendLanguages: [String] {
        var order: [String] = []
        for group in curves.groups { for c in group.curves where !order.contains(c.language) { order.append(c.language) } }
        return order
    }

    var subtitle: String {
        var parts = [modelName, "\(file.ids.count) prompts" + (file.dropped.isEmpty ? "" : " (\(file.dropped.count) dropped)"),
                     file.finalNorm ? "final norm + head" : "head without final norm", "\(file.tokenSetRule) token sets"]
        parts.append("mean and 95 % bootstrap band over prompts (\(curves.bootstrap) resamples)")
        return parts.joined(separator: " · ")
    }

    func points(_ values: [LensEstimate]) -> [LinePoint] {
        zip(curves.layers, values).map { LinePoint(x: Double($0), y: $1.mean, low: $1.low, high: $1.high) }
    }

    /// Wendler et al. (2024) Fig. 2: per target language, the mean token-set probability of the answer in
    /// the target language, in English and in any other answer language at every layer; then the mean
    /// entropy of the lens distribution per target.
    public func latentLanguage() -> Figure {
        var panels: [LinePanel] = curves.groups.map { group in
            let series = group.curves.map { curve in
                LineSeries(name: curve.language, color: LanguagePalette.color(for: curve.language),
                           dash: LanguagePalette.dash(for: curve.language), points: points(curve.values))
            }
            return LinePanel(title: "target \(group.target) (\(group.prompts.count) prompts)", xLabel: Self.layerAxis,
                             yLabel: "probability of the answer", series: series, yDomain: 0...1)
        }
        let entropy = curves.groups.map { group in
            LineSeries(name: "entropy → \(group.target)", color: LanguagePalette.color(for: group.target),
                       dash: LanguagePalette.dash(for: group.target), points: points(group.entropy))
        }
        panels.append(LinePanel(title: "Entropy of the lens distribution", xLabel: Self.layerAxis, yLabel: "entropy (nats)",
                                series: entropy))
        let legend = legendLanguages.map {
            LegendEntry(label: $0, color: LanguagePalette.color(for: $0), dash: LanguagePalette.dash(for: $0))
        }
        let title = "In which language is \(modelName)'s latent state? (logit lens)"
        let chart = LineChart(title: title, subtitle: subtitle, panels: panels, legend: legend, legendTitle: "answer in",
                              columns: min(3, panels.count), panelWidth: 340, panelHeight: 210)
        return Figure(fileName: "lens-latent.svg", title: title, svg: chart.svg())
    }

    /// The top token of every layer at each prompt's last position (the first `tableColumns` prompts),
    /// colored by its probability; a corner mark when it is in the prompt's target or English token set.
    public func table() -> Figure {
        // Round-robin over the target languages, so a file of several targets shows each of them.
        var byTarget: [String: [Int]] = [:]
        var targetOrder: [String] = []
        for (p, target) in file.targets.enumerated() {
            if byTarget[target] == nil { targetOrder.append(target) }
            byTarget[target, default: []].append(p)
        }
        var prompts: [Int] = []
        var round = 0
        while prompts.count < min(tableColumns, file.ids.count) {
            for target in targetOrder where prompts.count < tableColumns {
                if let list = byTarget[target], round < list.count { prompts.append(list[round]) }
            }
            round += 1
        }
        let layers = file.layerCount
        let targetMark = RGBColor(0xD55E00), englishMark = RGBColor(0x0072B2)
        var cells: [[TokenCell]] = []
        var titles: [String] = []
        for p in prompts {
            guard let row = file.lastRow(ofPrompt: p) else { continue }
            let target = file.targets[p]
            let targetSet = Set(file.tokenSets[target]?[p] ?? [])
            let englishSet = Set(file.tokenSets["en"]?[p] ?? [])
            cells.append((0..<layers).map { l in
                let cell = row * layers + l
                let id = file.topIDs[cell * file.topK]
                let mark: RGBColor? = targetSet.contains(id) && target != "en" ? targetMark : englishSet.contains(id) ? englishMark : nil
                // Spaces and newlines made visible: a whitespace-only top token would leave the cell blank.
                let text = file.topText[cell].replacingOccurrences(of: " ", with: "␣")
                return TokenCell(text: text, value: Double(exp(file.topLogprobs[cell * file.topK])), mark: mark)
            })
            let answer = file.answers[target]?[p] ?? ""
            titles.append("\(answer) (\(target))")
        }
        let title = "Top token of every layer at the last position — \(modelName)"
        let legend = [LegendEntry(label: "in the target answer's token set", color: targetMark),
                      LegendEntry(label: "in the English answer's token set", color: englishMark)]
        let shown = prompts.count < file.ids.count ? "\(prompts.count) of \(file.ids.count) prompts (one per target in turn)" : "\(prompts.count) prompts"
        let chart = TokenTable(title: title, subtitle: "\(modelName) · \(shown) · columns: the expected answer (target language)",
                               columnTitles: titles, rowLabels: (0..<layers).map(String.init), rowAxisTitle: "layer",
                               cells: cells, colorBarLabel: "probability of the top token", legend: legend)
        return Figure(fileName: "lens-table.svg", title: title, svg: chart.svg())
    }

    /// Report sections: the figures, then the per-layer means of the first group.
    public func reportSections(toolVersion: String = "") -> [ReportSection] {
        var sections = [ReportSection(heading: "Latent language (logit lens)", blocks: all().map { figure in
            .figure(svg: figure.svg, caption: figure.fileName == "lens-latent.svg"
                ? "Mean probability of the answer's token set in each language per layer (95 % bootstrap band over prompts), and the mean entropy of the lens distribution. Token sets: \(file.tokenSetRule) rule; \(file.dropped.count) prompts dropped because the English and target sets intersect."
                : "The most probable token of every layer at each prompt's last position; the fill is its probability, the corner mark says whether it belongs to the target or the English answer's token set.")
        })]
        for group in curves.groups {
            let headers = ["layer"] + group.curves.map { "p(\($0.language))" } + ["entropy"]
            let rows = curves.layers.indices.map { i in
                ["\(curves.layers[i])"] + group.curves.map { String(format: "%.3f", $0.values[i].mean) }
                    + [String(format: "%.2f", group.entropy[i].mean)]
            }
            sections.append(ReportSection(heading: "Target \(group.target): means per layer",
                                          blocks: [.table(headers: headers, rows: rows, highlightedRows: [])]))
        }
        let settings: [(String, String)] = [
            ("model", file.model), ("prompts", "\(file.ids.count)"), ("dropped", "\(file.dropped.count)"),
            ("final norm", file.finalNorm ? "applied" : "not applied"), ("positions", file.positions),
            ("token sets", file.tokenSetRule), ("top-k", "\(file.topK)"), ("lens file", file.url.path),
        ] + (toolVersion.isEmpty ? [] : [("interlingua", toolVersion)])
        sections.append(ReportSection(heading: "Lens settings", blocks: [.definitions(settings)]))
        return sections
    }

    /// The standalone report page of a lens file.
    public func html(toolVersion: String = "") -> String {
        HTMLReport(title: "Interlingua lens report — \(modelName)",
                   summary: "Logit lens of \(file.ids.count) prompts over \(file.layerCount) layers (Wendler et al. 2024).",
                   sections: reportSections(toolVersion: toolVersion)).html()
    }
}
