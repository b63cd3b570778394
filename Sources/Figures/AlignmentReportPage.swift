// The `interlingua report` page of an `align` output: summary at the peak, figures, settings, definitions.
import Alignment
import Foundation
import Plotting

/// The report's content: summary at the peak, the primary curve per layer, figures, settings, definitions.
public struct AlignmentReportPage: Sendable {
    public let report: AlignmentReport
    public var joinTranslations: Bool
    /// Shown when the activations file has no `corpus` attribute.
    public var corpus: String?
    /// The version of the `interlingua` writing the page.
    public var toolVersion: String
    /// `--raw DIR`: the same activations under another normalisation (normalization.svg).
    public var companion: AlignmentReport?

    public init(report: AlignmentReport, joinTranslations: Bool = false, corpus: String? = nil, toolVersion: String,
                companion: AlignmentReport? = nil) {
        self.report = report
        self.joinTranslations = joinTranslations
        self.corpus = corpus
        self.toolVersion = toolVersion
        self.companion = companion
    }

    /// Pair metrics shown in the summary table, in this order, when present.
    /// (`_fwd`/`_bwd` retrieval stay in alignment.json and alignment.csv: the table must fit a screen.)
    public static let summaryMetrics = ["retrieval_p1", "retrieval_p1_centered",
                                 "retrieval_p1_lsar", "cosine", "cosine_margin", "cka_linear", "cka_debiased",
                                 "cka_rbf", "mutual_knn"]

    public static func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3f", value) : "n/a"
    }

    /// The estimate, and its interval as a second line (the table sets it small under the value).
    public static func format(_ estimate: Estimate) -> String {
        var text = format(estimate.value)
        if let low = estimate.ciLow, let high = estimate.ciHigh {
            text += "\n[\(format(low)), \(format(high))]"
        }
        return text
    }

    /// Short column headers for the summary table (the full definitions follow at the end of the page).
    public static let columnTitles: [String: String] = [
        "retrieval_p1": "P@1", "retrieval_p1_centered": "P@1 centered", "retrieval_p1_lsar": "P@1 after LSAR",
        "cosine": "cosine", "cosine_margin": "cosine margin", "cka_linear": "CKA linear",
        "cka_debiased": "CKA debiased", "cka_rbf": "CKA RBF", "mutual_knn": "mutual k-NN",
    ]

    /// The whole page.
    public func html() -> String {
        let figures = AlignmentFigures(report: report, joinTranslations: joinTranslations, companion: companion)
        var sections: [ReportSection] = []
        if let peaks = peaksSection() { sections.append(peaks) }
        if let table = peakTable() { sections.append(table) }
        sections.append(ReportSection(heading: "Figures", blocks: figures.drawable().figures.map { figure in
            .figure(svg: figure.svg, caption: caption(for: figure.fileName))
        }))
        if let curve = curveTable() { sections.append(curve) }
        sections.append(ReportSection(heading: "Run settings", blocks: [.definitions(settings())]))
        if !report.definitions.isEmpty {
            sections.append(ReportSection(heading: "Metric definitions", blocks: [
                .table(headers: ["name", "scope", "definition", "range"],
                       rows: report.definitions.map { d in
                           [d.name, d.scope, d.description, d.range.map { Self.format($0) }.joined(separator: " … ")]
                       },
                       highlightedRows: []),
            ]))
        }
        return HTMLReport(title: "Interlingua alignment report — \(figures.modelName)", summary: summary(),
                          sections: sections).html()
    }

    static func level(_ report: AlignmentReport) -> String { "\(Int((report.settings.confidence * 100).rounded())) %" }

    /// The headline: the primary's peak when the metrics agree; when they disagree, their span and no single
    /// layer (the primary's peak only as the primary's); the normalisation; the controls at the peak.
    public func summary() -> String {
        let layers = report.layers
        var text = "\(report.languages.count) languages (\(report.languages.joined(separator: ", "))) × "
            + "\(report.sentenceCount) sentences, \(report.pairs.count) pairs, layers \(layers.first ?? 0)–\(layers.last ?? 0), "
            + "measured on \(AlignmentFigures.normalizationNote(report.settings.normalize)). "
        guard let peak = report.peak else {
            return text + "No pair metric was computed, so there is no alignment peak."
        }
        var metric = AlignmentFigures.title(of: peak.metric)
        // "Translation retrieval P@1" reads mid-sentence as "translation retrieval P@1".
        if let first = metric.first, metric.dropFirst().first?.isLowercase == true {
            metric = first.lowercased() + metric.dropFirst()
        }
        var interval = ""
        if let low = peak.layerCILow, let high = peak.layerCIHigh {
            interval = " (\(Self.level(report)) bootstrap interval of the peak layer: \(low)–\(high))"
        }
        if let agreement = report.peakAgreement, !agreement.agree {
            let each = (report.peaks ?? []).map { "\(AlignmentFigures.axisLabel(of: $0.metric)) \($0.layer)" }.joined(separator: ", ")
            text += "The metrics disagree: their peaks span layers \(agreement.lowestLayer)–\(agreement.highestLayer) "
                + "(more than \(agreement.toleranceLayers) layers apart: \(each)), so no single layer is the alignment peak. "
                + "The primary metric, the pair-averaged \(metric), peaks at layer \(peak.layer)\(interval) with \(Self.format(peak.value))."
        } else {
            text += "The pair-averaged \(metric) peaks at layer \(peak.layer)\(interval) with \(Self.format(peak.value))"
            if let agreement = report.peakAgreement, agreement.metrics.count > 1 {
                text += "; all \(agreement.metrics.count) pair metrics peak within layers \(agreement.lowestLayer)–\(agreement.highestLayer)"
            }
            text += "."
        }
        if let controls = controlsSentence() { text += " " + controls }
        return text
    }

    /// "Controls: the lexical-overlap baseline … ; the chance level at the peak …".
    func controlsSentence() -> String? {
        var parts: [String] = []
        if let lexical = report.controls?.lexicalOverlapMean {
            parts.append("token bags alone (lexical overlap, no model) retrieve \(Self.inline(lexical.retrievalP1)) of translations")
        }
        if let shuffled = report.controls?.shuffled, let peak = report.peak,
           let index = report.layers.firstIndex(of: peak.layer), index < shuffled.curve.count {
            parts.append("with translations shuffled, \(AlignmentFigures.axisLabel(of: shuffled.metric)) at layer \(peak.layer) is \(Self.inline(shuffled.curve[index])) (chance level)")
        }
        return parts.isEmpty ? nil : "Controls: " + parts.joined(separator: "; ") + "."
    }

    /// "0.148 [0.120, 0.175]" on one line.
    static func inline(_ estimate: Estimate) -> String {
        var text = format(estimate.value)
        if let low = estimate.ciLow, let high = estimate.ciHigh { text += " [\(format(low)), \(format(high))]" }
        return text
    }

    /// Every pair metric's peak with its interval, the value there with its interval, and how often the
    /// bootstrap put the peak there; the warnings of the run; the controls.
    func peaksSection() -> ReportSection? {
        guard let peaks = report.peaks, !peaks.isEmpty else { return nil }
        var rows: [[String]] = []
        for peak in peaks {
            let index = report.layers.firstIndex(of: peak.layer)
            let value = index.flatMap { $0 < peak.curve.count ? peak.curve[$0] : nil } ?? Estimate(value: peak.value)
            let interval = peak.layerCILow.map { low in "\(low)–\(peak.layerCIHigh ?? low)" } ?? "–"
            let share = index.flatMap { $0 < peak.layerFrequency.count ? String(format: "%.0f %%", peak.layerFrequency[$0] * 100) : nil } ?? "–"
            rows.append([AlignmentFigures.axisLabel(of: peak.metric) + (peak.metric == report.peak?.metric ? " (primary)" : ""),
                         "\(peak.layer)", interval, Self.format(value), share])
        }
        var blocks: [ReportBlock] = []
        if let agreement = report.peakAgreement {
            blocks.append(.paragraph(agreement.agree
                ? "The metrics agree: every peak lies within layers \(agreement.lowestLayer)–\(agreement.highestLayer) (at most \(agreement.toleranceLayers) layers apart)."
                : "The metrics disagree: their peaks span layers \(agreement.lowestLayer)–\(agreement.highestLayer), more than \(agreement.toleranceLayers) layers apart — there is no single peak layer."))
        }
        blocks.append(.table(headers: ["metric (pair mean)", "peak layer", "\(Self.level(report)) interval of the peak layer",
                                       "value at the peak", "bootstrap replicates peaking there"],
                             rows: rows, highlightedRows: Set(peaks.indices.filter { peaks[$0].metric == report.peak?.metric })))
        if let controls = controlsSentence() { blocks.append(.paragraph(controls)) }
        for warning in report.warnings ?? [] { blocks.append(.paragraph("Warning: " + warning)) }
        return ReportSection(heading: "Every metric's peak", blocks: blocks)
    }

    private func caption(for fileName: String) -> String {
        switch fileName {
        case "alignment-curves.svg":
            return "Per layer and language pair; the dashed line is the alignment peak, the shaded span its bootstrap interval; the dotted grey line is the lexical-overlap baseline, the dashed red line the chance level with translations shuffled."
        case "cka-layers.svg":
            return "Linear CKA between every layer of the pivot (rows) and every layer of each language (columns)."
        case "projections.svg":
            return "Centered PCA of all languages' sentence vectors (thin SVD) at the first, peak and last layers and some between, on equal axis scales; the large number is PC1's share of the variance."
        case "normalization.svg":
            return "Pair-averaged curves on raw and on normalised vectors, with the lexical-overlap baseline and the chance level; the last panel shows how much of the raw vectors one dimension holds (the warning threshold dotted)."
        case "pair-matrix.svg":
            return "Every language pair at each metric's peak layer; for retrieval, row = the language whose sentences query, column = the language searched."
        default:
            return "Per layer over all languages: how much of the variance separates languages, and how often a sentence's nearest language centroid is its own."
        }
    }

    /// Per pair, every metric at the peak layer.
    private func peakTable() -> ReportSection? {
        guard let peak = report.peak, let index = report.layers.firstIndex(of: peak.layer) else { return nil }
        let metrics = Self.summaryMetrics.filter { !report.series($0).isEmpty }
        var rows: [[String]] = []
        for pair in report.pairs {
            var row = ["\(pair.source)–\(pair.target)"]
            for metric in metrics {
                let values = report.series(metric, source: pair.source, target: pair.target)?.values ?? []
                row.append(index < values.count ? Self.format(values[index]) : "")
            }
            rows.append(row)
        }
        var mean = ["mean over pairs"]
        for metric in metrics {
            let values = report.series(metric).compactMap { index < $0.values.count ? $0.values[index].value : nil }
                .filter(\.isFinite)
            mean.append(values.isEmpty ? "" : Self.format(values.reduce(0, +) / Double(values.count)))
        }
        rows.append(mean)
        return ReportSection(heading: "Per pair at layer \(peak.layer), the peak of \(AlignmentFigures.axisLabel(of: peak.metric))", blocks: [
            .paragraph("Values at layer \(peak.layer), with \(Int((report.settings.confidence * 100).rounded())) % bootstrap intervals under them. "
                       + "P@1 = translation retrieval precision at 1, mean of both directions; definitions at the end."),
            .table(headers: ["pair"] + metrics.map { Self.columnTitles[$0] ?? $0 }, rows: rows,
                   highlightedRows: [rows.count - 1]),
        ])
    }

    /// The pair-averaged primary metric per layer, the peak row highlighted.
    private func curveTable() -> ReportSection? {
        guard let peak = report.peak, !peak.curve.isEmpty else { return nil }
        var rows: [[String]] = []
        var highlighted: Set<Int> = []
        for (i, layer) in report.layers.enumerated() where i < peak.curve.count {
            var row = ["\(layer)", Self.format(peak.curve[i])]
            if !peak.layerFrequency.isEmpty {
                row.append(i < peak.layerFrequency.count ? String(format: "%.1f %%", peak.layerFrequency[i] * 100) : "")
            }
            if layer == peak.layer { highlighted.insert(rows.count) }
            rows.append(row)
        }
        var headers = ["layer", "\(peak.metric), mean over pairs"]
        if !peak.layerFrequency.isEmpty { headers.append("bootstrap replicates peaking here") }
        return ReportSection(heading: "\(AlignmentFigures.title(of: peak.metric)) per layer",
                             blocks: [.table(headers: headers, rows: rows, highlightedRows: highlighted)])
    }

    private func settings() -> [(String, String)] {
        let source = report.source, settings = report.settings
        var pairs: [(String, String)] = []
        func add(_ key: String, _ value: String?) { if let value, !value.isEmpty { pairs.append((key, value)) } }
        let attributes = source.attributes
        // Provenance written by trace (model_name, model_path, model_sha256, corpus, corpus_sha256 …);
        // files traced before it have only the model's file name.
        let modelName = attributes["model_name"]
        add("model", modelName.map { name in attributes["model_path"].map { "\(name) (\($0))" } ?? name }
            ?? attributes["model_path"] ?? source.model)
        add("model SHA-256", attributes["model_sha256"])
        add("architecture", source.architecture)
        add("layers × width", source.nLayers.map { n in "\(n) blocks" + (source.dModel.map { " × d \($0)" } ?? "") })
        let corpusKind = [attributes["corpus_format"], attributes["corpus_split"]].compactMap { $0 }.joined(separator: " ")
        add("corpus", (attributes["corpus"] ?? corpus).map {
            "\($0) (\(corpusKind.isEmpty ? "" : corpusKind + ", ")\(report.sentenceCount) sentences × \(report.languages.count) languages)"
        } ?? "\(report.sentenceCount) sentences × \(report.languages.count) languages (source not recorded)")
        add("corpus SHA-256", attributes["corpus_sha256"])
        add("template", source.template)
        add("pooling", settings.pool.rawValue + (source.bosInPool.map { $0 != 0 ? " (BOS included)" : " (BOS excluded)" } ?? ""))
        add("activations", source.path)
        add("pivot / pairs", "\(settings.pivot) / \(settings.pairs.rawValue)")
        add("metrics", settings.metrics.map(\.rawValue).joined(separator: ", "))
        add("primary metric", settings.primary.rawValue)
        add("bootstrap", settings.bootstrap > 0
            ? "\(settings.bootstrap) resamples, seed \(settings.seed), \(Int((settings.confidence * 100).rounded())) % percentile intervals"
            : "off")
        add("RBF bandwidth", "\(settings.rbfScale) × median pairwise distance")
        add("mutual k-NN", "k = \(settings.knnK)")
        add("PCA components", "\(settings.components)")
        add("LSAR rank", "\(settings.lsarRank)")
        add("trace: tool version / created", [source.toolVersion, source.created].compactMap { $0 }.joined(separator: " / "))
        add("align: tool version / created", "\(report.toolVersion) / \(report.created)")
        add("report: tool version", "interlingua \(toolVersion)")
        add("alignment.json format", "\(report.format) v\(report.formatVersion)")
        // Root attributes not already shown above (e.g. pool_span, instruction, complete, run_fingerprint).
        let shown: Set<String> = ["corpus", "corpus_format", "corpus_split", "corpus_sha256", "model_name", "model_path",
                                  "model_sha256", "model", "architecture", "n_layers", "d_model", "template", "pooling",
                                  "bos_in_pool", "tool_version", "created", "format", "format_version"]
        for key in source.attributes.keys.sorted() where !shown.contains(key) {
            add("activations attribute \(key)", source.attributes[key])
        }
        return pairs
    }
}
