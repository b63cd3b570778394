// Figures of the response-content analysis: the instruction × answer language matrix and the answer-language
// shares per instruction language.
import Foundation
import Plotting
import Responses

/// Maps a `ResponseAnalysis` onto SVG figures.
public struct ResponsesFigures {
    public let analysis: ResponseAnalysis

    public init(analysis: ResponseAnalysis) { self.analysis = analysis }

    public func all() -> [Figure] {
        [Figure(fileName: "response-languages.svg", title: "Answer language per instruction language", svg: matrix()),
         Figure(fileName: "response-shares.svg", title: "Answers in the instruction language, in English, other, empty", svg: shares())]
    }

    /// Fill of a cell no answer fell into. Not viridis(0): most cells of a 12-language matrix are empty, and in
    /// viridis' darkest colour they would outweigh the white canvas (render-check takes the most common colour
    /// for the background and then found "content at the viewport edge"), and hide the few cells that matter.
    public static let emptyCellFill = "#F2F2F2"

    /// The row axis's caption, right-aligned above the instruction-language labels.
    static let rowCaption = "instruction ↓"

    /// Heatmap: rows instruction languages, columns answer languages; cell color = share of the row's answers
    /// (viridis, 0…1; light grey when no answer fell into it), cell text = count.
    public func matrix() -> String {
        let rows = analysis.rows, columns = analysis.answerLanguages
        let rowLabelWidth = rows.map { estimatedTextWidth($0.lang, size: 11) }.max() ?? 0
        let cell = 34.0, top = 78.0, right = 90.0, bottom = 46.0
        // Wide enough for the row labels and for the row caption, which ends 8 px left of the first column.
        let left = max(70, 12 + max(rowLabelWidth, estimatedTextWidth(Self.rowCaption, size: 11)) + 8)
        let title = "Answer language per instruction language"
        let subtitle = "\(analysis.identifier) · cell: share of the row's answers (count inside; grey: none)"
        let width = max(left + Double(columns.count) * cell + right, Self.headerWidth(title, subtitle))
        let height = top + Double(rows.count) * cell + bottom
        var c = SVGCanvas(width: width, height: height)
        c.text(title, x: 12, y: 22, size: 15, weight: "bold")
        c.text(subtitle, x: 12, y: 40, size: 11, fill: "#555555")
        for (j, lang) in columns.enumerated() {
            c.text(lang, x: left + (Double(j) + 0.5) * cell, y: top - 8, size: 11, anchor: .middle)
        }
        c.text("answer language →", x: left, y: top - 24, size: 11, fill: "#555555")
        c.text(Self.rowCaption, x: left - 8, y: top - 8, size: 11, anchor: .end, fill: "#555555")
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * cell
            c.text(row.lang, x: left - 8, y: y + cell / 2 + 4, size: 11, anchor: .end)
            let total = Double(max(row.answers, 1))
            for (j, lang) in columns.enumerated() {
                let count = analysis.matrix[i][j]
                let share = Double(count) / total
                let color = Viridis.color(at: share)
                let x = left + Double(j) * cell
                c.rect(x: x, y: y, width: cell - 1, height: cell - 1, fill: count > 0 ? color.hex : Self.emptyCellFill,
                       title: "\(row.lang) → \(lang): \(count) of \(row.answers)")
                if count > 0 {
                    c.text(String(count), x: x + cell / 2, y: y + cell / 2 + 4, size: 10, anchor: .middle,
                           fill: color.relativeLuminance > 0.4 ? "#111111" : "#FFFFFF")
                }
            }
            if let j = columns.firstIndex(of: row.lang) {
                c.rect(x: left + Double(j) * cell, y: y, width: cell - 1, height: cell - 1, fill: "none",
                       stroke: "#D55E00", strokeWidth: 2)
            }
        }
        // Color bar.
        let barX = left + Double(columns.count) * cell + 24, barH = Double(rows.count) * cell
        for k in 0..<50 {
            let t = Double(k) / 49
            c.rect(x: barX, y: top + barH * (1 - t) - barH / 50, width: 14, height: barH / 50 + 0.5, fill: Viridis.color(at: t).hex)
        }
        c.text("1", x: barX + 20, y: top + 8, size: 10)
        c.text("0", x: barX + 20, y: top + barH, size: 10)
        c.text("share", x: barX, y: top + barH + 18, size: 10, fill: "#555555")
        return c.document(title: "Answer language per instruction language")
    }

    /// Width that keeps a bold 15 px title and an 11 px subtitle, both at x = 12, clear of the right edge.
    static func headerWidth(_ title: String, _ subtitle: String?) -> Double {
        max(estimatedTextWidth(title, size: 15) * 1.1, subtitle.map { estimatedTextWidth($0, size: 11) * 1.02 } ?? 0) + 12 + 24
    }

    /// Stacked horizontal bars per instruction language: same language, English, other, empty.
    public func shares() -> String {
        let rows = analysis.rows
        let left = 60.0, top = 70.0, barWidth = 420.0, barHeight = 20.0, gap = 8.0
        let height = top + Double(rows.count) * (barHeight + gap) + 40
        let title = "Answers in the instruction language, in English, other, empty"
        let parts: [(String, String)] = [("same language", "#009E73"), ("English", "#000000"), ("other", "#E69F00"), ("empty", "#BBBBBB")]
        let legendWidth = parts.reduce(left) { $0 + 24 + estimatedTextWidth($1.0, size: 11) + 12 } + 12
        let width = max(left + barWidth + 40, Self.headerWidth(title, nil), legendWidth)
        var c = SVGCanvas(width: width, height: height)
        c.text(title, x: 12, y: 22, size: 15, weight: "bold")
        var lx = left
        for (name, color) in parts {
            c.rect(x: lx, y: 36, width: 12, height: 12, fill: color)
            c.text(name, x: lx + 16, y: 46, size: 11)
            lx += 24 + estimatedTextWidth(name, size: 11) + 12
        }
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * (barHeight + gap)
            c.text(row.lang, x: left - 8, y: y + barHeight / 2 + 4, size: 11, anchor: .end)
            var x = left
            let values = [row.sameShare, row.englishShare, row.otherShare, row.emptyShare]
            for (k, share) in values.enumerated() where share > 0 {
                let w = share * barWidth
                c.rect(x: x, y: y, width: w, height: barHeight, fill: parts[k].1,
                       title: "\(row.lang): \(parts[k].0) \(String(format: "%.0f", share * 100)) %")
                x += w
            }
            c.text("\(row.answers)", x: left + barWidth + 6, y: y + barHeight / 2 + 4, size: 10, fill: "#555555")
        }
        for t in [0.0, 0.5, 1.0] {
            let x = left + t * barWidth
            c.text("\(Int(t * 100)) %", x: x, y: height - 14, size: 10, anchor: .middle, fill: "#555555")
        }
        return c.document(title: "Answer-language shares")
    }
}

/// `plot`/`report` input kind: an `interlingua responses` output folder, or its responses.json.
public struct ResponsesInput: FigureInput {
    public static let kindDescription = "an 'interlingua responses' output folder (or its responses.json)"
    public static let fileName = "responses.json"

    public let analysis: ResponseAnalysis
    public let url: URL

    public static func recognises(_ probe: InputProbe) -> Bool {
        let file = probe.isDirectory ? probe.child(fileName) : probe
        return file.exists && !file.isDirectory && file.jsonFormat == "interlingua-responses"
    }

    public init(_ probe: InputProbe) throws {
        url = probe.isDirectory ? probe.url.appendingPathComponent(Self.fileName) : probe.url
        do { analysis = try ResponseAnalysis.read(from: url) } catch {
            throw FiguresError.unreadable(path: url.path, reason: (error as? LocalizedError)?.errorDescription ?? "\(error)")
        }
    }

    public func figures(_ options: FigureOptions) -> FigureSet {
        FigureSet(figures: ResponsesFigures(analysis: analysis).all())
    }

    public func reportHTML(_ options: FigureOptions) throws -> String {
        let figures = ResponsesFigures(analysis: analysis)
        let table = analysis.rows.map { r -> [String] in
            [r.lang, String(r.answers)] + [r.sameShare, r.englishShare, r.otherShare, r.emptyShare].map { String(format: "%.0f %%", $0 * 100) }
                + [r.exactMatch.map { "\($0)/\(r.withReference)" } ?? "–", r.contains.map { "\($0)/\(r.withReference)" } ?? "–"]
        }
        let report = HTMLReport(
            title: "Response languages",
            summary: "Asked in language X, in which language does the model answer? (\(analysis.source); \(analysis.identifier))",
            sections: [
                ReportSection(heading: "Answer language", blocks: [
                    .figure(svg: figures.matrix(), caption: nil), .figure(svg: figures.shares(), caption: nil),
                ]),
                ReportSection(heading: "Per instruction language", blocks: [
                    .table(headers: ["lang", "answers", "same", "English", "other", "empty", "exact", "contains"],
                           rows: table, highlightedRows: []),
                ]),
                ReportSection(heading: "Settings", blocks: [
                    .definitions([("responses", analysis.source), ("language identifier", analysis.identifier),
                                  ("interlingua", options.toolVersion)]),
                ]),
            ])
        return report.html()
    }

    public func summaryLines() -> [String] {
        analysis.rows.map { r in
            "\(r.lang): \(String(format: "%.0f", r.sameShare * 100)) % same, \(String(format: "%.0f", r.englishShare * 100)) % English, "
                + "\(String(format: "%.0f", r.otherShare * 100)) % other, \(String(format: "%.0f", r.emptyShare * 100)) % empty (\(r.answers))"
        }
    }

    public var defaultFigureFolder: URL { url.deletingLastPathComponent().appendingPathComponent("figures") }
    public var defaultReportFile: URL { url.deletingLastPathComponent().appendingPathComponent("report.html") }
}
