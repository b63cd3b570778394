// `plot`/`report` input kind: the summary of `interlingua perplexity` (PPL.json).
import Foundation
import Plotting

/// A `perplexity` summary, recognised by its `format` key. With deactivated languages it holds the
/// deactivated × evaluated matrix of perplexity change (Tang et al. 2024, Fig. 4), which `plot` draws.
public struct PerplexityInput: FigureInput {
    public static let kindDescription = "an 'interlingua perplexity' summary (PPL.json)"
    public static let format = "interlingua.perplexity"

    public let url: URL
    let summary: [String: Any]

    public static func recognises(_ probe: InputProbe) -> Bool {
        probe.exists && !probe.isDirectory && probe.jsonFormat == format
    }

    public init(_ probe: InputProbe) throws { try self.init(url: probe.url) }

    public init(url: URL) throws {
        self.url = url
        guard let data = try? Data(contentsOf: url),
              let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              root["format"] as? String == Self.format, root["languages"] is [String], root["conditions"] is [[String: Any]] else {
            throw FiguresError.unreadable(path: url.path, reason: "not a perplexity summary (format \(Self.format), languages, conditions)")
        }
        summary = root
    }

    public var defaultFigureFolder: URL { url.deletingLastPathComponent().appendingPathComponent("figures") }
    public var defaultReportFile: URL {
        url.deletingLastPathComponent().appendingPathComponent(url.deletingPathExtension().lastPathComponent + "-report.html")
    }

    var model: String { (summary["model"] as? String) ?? "model" }
    var languages: [String] { (summary["languages"] as? [String]) ?? [] }

    /// The change matrices: rows = deactivated languages, columns = evaluated languages.
    var change: (deactivated: [String], evaluated: [String], absolute: [[Double]], relative: [[Double]])? {
        guard let c = summary["change"] as? [String: Any], let d = c["deactivated"] as? [String],
              let e = c["evaluated"] as? [String] else { return nil }
        func matrix(_ key: String) -> [[Double]] {
            ((c[key] as? [[Any]]) ?? []).map { $0.map { ($0 as? Double) ?? ($0 as? Int).map(Double.init) ?? .nan } }
        }
        let relative = matrix("relative_change")
        guard relative.count == d.count, relative.allSatisfy({ $0.count == e.count }) else { return nil }
        return (d, e, matrix("perplexity_change"), relative)
    }

    /// Per condition: the deactivated language (nil: the model as is), perplexity and predicted tokens per language.
    var conditions: [(deactivated: String?, perplexity: [String: Double], tokens: [String: Int])] {
        ((summary["conditions"] as? [[String: Any]]) ?? []).map { c in
            let s = (c["summary"] as? [String: [String: Any]]) ?? [:]
            return (c["deactivated"] as? String, s.compactMapValues { $0["perplexity"] as? Double },
                    s.compactMapValues { $0["predicted_tokens"] as? Int })
        }
    }

    public func figures(_ options: FigureOptions) -> FigureSet {
        guard let change else {
            return FigureSet(figures: [], skipped: [SkippedFigure(fileName: "perplexity-change.svg",
                reason: "no deactivated language (run perplexity with --deactivate FILE:LANG,…)")])
        }
        // Row 0 is drawn at the bottom: reversed, the first deactivated language reads at the top.
        let panel = HeatmapPanel(title: "Relative perplexity change (PPL with the row's neurons off / PPL − 1)",
                                 xLabel: "evaluated language (rows: deactivated language)", yLabel: "",
                                 values: change.relative.reversed(), columnLabels: change.evaluated,
                                 rowLabels: change.deactivated.reversed(), annotate: change.evaluated.count <= 16)
        let title = "Switching off one language's neurons — \(model)"
        let map = Heatmap(title: title, subtitle: "\(model) · perplexity change per evaluated language",
                          panels: [panel], colorBarLabel: "relative perplexity change", columns: 1,
                          panelSize: max(360, Double(change.evaluated.count) * 40))
        return FigureSet(figures: [Figure(fileName: "perplexity-change.svg", title: title, svg: map.svg())])
    }

    public func reportHTML(_ options: FigureOptions) throws -> String {
        let conditions = self.conditions
        let headers = ["language", "predicted tokens"] + conditions.map { c in c.deactivated.map { "PPL, \($0) off" } ?? "PPL" }
        let rows = languages.map { l -> [String] in
            [l, "\(conditions.first?.tokens[l] ?? 0)"] + conditions.map { c in
                c.perplexity[l].map { String(format: "%.3f", $0) } ?? "n/a"
            }
        }
        var sections = [ReportSection(heading: "Perplexity per evaluated language", blocks: [
            .table(headers: headers, rows: rows, highlightedRows: []),
        ])]
        let figures = figures(options).figures
        if !figures.isEmpty {
            sections.insert(ReportSection(heading: "Perplexity change", blocks: figures.map { .figure(svg: $0.svg, caption: $0.title) }), at: 0)
        }
        return HTMLReport(title: "Perplexity — \(model)",
                          summary: "Per-sentence next-token NLL (BOS context only); perplexity = exp(token-mean NLL).",
                          sections: sections).html()
    }
}
