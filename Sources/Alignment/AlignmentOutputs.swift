// The three output files of `interlingua align` and the stdout table. Every file is written to a
// temporary name in the output folder and renamed into place (rename(2) is atomic within a file
// system), so a half-written file never carries the final name.
import Foundation
import HDF5

public enum AlignmentOutputs {
    /// The CSV header: one row per metric, pair and layer (long form).
    public static let csvHeader = "metric,source,target,layer,value,ci_low,ci_high"

    /// Writes alignment.json, alignment.csv and (when projections exist) projections.h5 into `directory`
    /// (created if needed). Returns the written files.
    @discardableResult
    public static func write(_ outcome: AlignmentOutcome, ids: [String], to directory: URL) throws -> [URL] {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw AlignmentError.writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        var written: [URL] = []
        let json = directory.appendingPathComponent("alignment.json")
        try atomically(json) { try outcome.report.encoded().write(to: $0) }
        written.append(json)
        let csvURL = directory.appendingPathComponent("alignment.csv")
        try atomically(csvURL) { try Data(csv(outcome.report).utf8).write(to: $0) }
        written.append(csvURL)
        if !outcome.projections.isEmpty {
            let h5 = directory.appendingPathComponent("projections.h5")
            try atomically(h5) { try writeProjections(outcome, ids: ids, to: $0) }
            written.append(h5)
        }
        return written
    }

    /// The long-form CSV: pair metrics with their pair, layer metrics with source = target = `*`, the
    /// pair-averaged primary metric as `<primary>_pair_mean` with source = target = `*`, and explained
    /// variance as `explained_variance_ratio_<c>` (no interval). Numbers use Swift's shortest round-trip
    /// form; a missing interval is an empty field.
    public static func csv(_ report: AlignmentReport) -> String {
        var lines = [csvHeader]
        func field(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        func quoted(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func row(_ metric: String, _ source: String, _ target: String, _ layer: Int, _ e: Estimate) {
            lines.append([quoted(metric), quoted(source), quoted(target), "\(layer)", field(e.value), field(e.ciLow), field(e.ciHigh)].joined(separator: ","))
        }
        for series in report.pairMetrics {
            for (i, e) in series.values.enumerated() { row(series.metric, series.source, series.target, report.layers[i], e) }
        }
        for series in report.layerMetrics {
            for (i, e) in series.values.enumerated() { row(series.metric, "*", "*", report.layers[i], e) }
        }
        if let peak = report.peak {
            for (i, e) in peak.curve.enumerated() { row(peak.metric + "_pair_mean", "*", "*", report.layers[i], e) }
        }
        if let projection = report.projection {
            for (i, ratios) in projection.explainedVarianceRatio.enumerated() {
                for (c, ratio) in ratios.enumerated() {
                    row("explained_variance_ratio_\(c + 1)", "*", "*", report.layers[i], Estimate(value: ratio))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// projections.h5: root attributes `format = "interlingua.projections"`, `format_version = 1`,
    /// `components`; `/layers` int64[L], `/languages` string[K], `/ids` string[N],
    /// `/explained_variance_ratio` float64[L, k], `/coordinates/<lang>` float32[L, N, k].
    public static func writeProjections(_ outcome: AlignmentOutcome, ids: [String], to url: URL) throws {
        let report = outcome.report
        let projections = outcome.projections
        let k = projections.first?.explainedVarianceRatio.count ?? 0
        let n = report.sentenceCount
        let file = try H5File.create(url, overwrite: true)
        let root = file.root
        try root.setAttribute("format", .string("interlingua.projections"))
        try root.setAttribute("format_version", .int(1))
        try root.setAttribute("components", .int(Int64(k)))
        _ = try root.writeDataset("layers", report.layers.map { Int64($0) }, shape: [report.layers.count])
        _ = try root.writeStrings("languages", report.languages)
        _ = try root.writeStrings("ids", ids.count == n ? ids : (0..<n).map { "\($0)" })
        _ = try root.writeDataset("explained_variance_ratio", projections.flatMap(\.explainedVarianceRatio),
                                  shape: [projections.count, k])
        for (l, language) in report.languages.enumerated() {
            var values: [Float] = []
            values.reserveCapacity(projections.count * n * k)
            for p in projections { values.append(contentsOf: p.coordinates[l].storage.map { Float($0) }) }
            _ = try root.writeDataset("coordinates/\(language)", values, shape: [projections.count, n, k])
        }
        try file.flush()
    }

    /// Writes through `body` into a temporary sibling of `url`, then renames it to `url`.
    static func atomically(_ url: URL, _ body: (URL) throws -> Void) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try body(temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw (error as? AlignmentError) ?? AlignmentError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw AlignmentError.writeFailed(path: url.path, reason: reason)
        }
    }

    /// A readable per-layer table: the pair-averaged primary metric with its interval, the pair-averaged
    /// cosine margin and linear CKA, and language separability; the peak row is marked.
    public static func table(_ report: AlignmentReport) -> String {
        func mean(_ metric: String, _ i: Int) -> Double? {
            let series = report.series(metric)
            guard !series.isEmpty else { return nil }
            return series.reduce(0) { $0 + $1.values[i].value } / Double(series.count)
        }
        func format(_ v: Double?, width: Int = 8) -> String {
            let text = v.map { String(format: "%.4f", $0) } ?? "–"
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        let primary = report.peak?.metric ?? report.settings.primary.rawValue
        var lines: [String] = []
        let intervalHeader = report.settings.bootstrap > 0 ? "  \(Int(report.settings.confidence * 100))% interval  " : ""
        lines.append("layer  \(primary) (pair mean)\(intervalHeader)   margin  cka_lin  separab.")
        let primaryWidth = "\(primary) (pair mean)".count
        for (i, layer) in report.layers.enumerated() {
            let estimate = report.peak?.curve[i]
            var line = String(format: "%5d  ", layer) + format(estimate?.value ?? mean(primary, i), width: primaryWidth)
            if report.settings.bootstrap > 0 {
                line += "  [" + format(estimate?.ciLow, width: 6) + ", " + format(estimate?.ciHigh, width: 6) + "]"
            }
            line += "  " + format(mean("cosine_margin", i), width: 7) + "  " + format(mean("cka_linear", i), width: 7)
            line += "  " + format(report.layerSeries("language_separability")?.values[i].value, width: 8)
            if let peak = report.peak, peak.layer == layer { line += "  ◀ peak" }
            lines.append(line)
        }
        let level = "\(Int((report.settings.confidence * 100).rounded()))%"
        if let peaks = report.peaks, !peaks.isEmpty {
            lines.append("")
            lines.append("metric                   peak layer  \(level) interval   pair mean")
            for peak in peaks {
                let interval = peak.layerCILow.map { low in "[\(low), \(peak.layerCIHigh ?? low)]" } ?? "–"
                lines.append(peak.metric.padding(toLength: 24, withPad: " ", startingAt: 0)
                             + String(format: " %10d  ", peak.layer) + interval.padding(toLength: 13, withPad: " ", startingAt: 0)
                             + String(format: "  %9.4f", peak.value))
            }
        }
        if let control = report.controls?.lexicalOverlapMean {
            lines.append("lexical-overlap baseline (token bags, pair mean): retrieval_p1 \(String(format: "%.4f", control.retrievalP1.value)), cosine \(String(format: "%.4f", control.cosine.value))")
        }
        if let shuffled = report.controls?.shuffled, let peak = report.peak,
           let index = report.layers.firstIndex(of: peak.layer), index < shuffled.curve.count {
            let e = shuffled.curve[index]
            var text = "chance level (translations shuffled) of \(shuffled.metric) at layer \(peak.layer): \(String(format: "%.4f", e.value))"
            if let low = e.ciLow, let high = e.ciHigh { text += " [\(String(format: "%.4f", low)), \(String(format: "%.4f", high))]" }
            lines.append(text)
        }
        if let headline = headline(report) { lines.append(headline) }
        return lines.joined(separator: "\n")
    }

    /// The one-line conclusion: the primary's peak when the pair metrics agree, their span when not.
    public static func headline(_ report: AlignmentReport) -> String? {
        guard let peak = report.peak else { return nil }
        let level = "\(Int((report.settings.confidence * 100).rounded()))%"
        var interval = ""
        if let low = peak.layerCILow, let high = peak.layerCIHigh { interval = ", \(level) interval of the peak layer: [\(low), \(high)]" }
        if let agreement = report.peakAgreement, !agreement.agree {
            let each = (report.peaks ?? []).map { "\($0.metric) \($0.layer)" }.joined(separator: ", ")
            return "metrics disagree: their peaks span layers \(agreement.lowestLayer)–\(agreement.highestLayer) "
                + "(more than \(agreement.toleranceLayers) apart: \(each)); no single peak layer. "
                + "\(peak.metric) (primary) peaks at layer \(peak.layer)\(interval)"
        }
        return "peak: layer \(peak.layer) (\(peak.metric) pair mean \(String(format: "%.4f", peak.value)))\(interval)"
    }
}
