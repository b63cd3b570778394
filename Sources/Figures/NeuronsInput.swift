// `plot`/`report` input kinds of the language-specific-neuron analyses: a `neurons` output folder (or its
// neurons.json) and a `perplexity` summary (PPL.json).
import Foundation
import Plotting

/// A `neurons` output: `DIR/neurons.json` (given as DIR or as the file), recognised by its `format` key.
/// Figures: selected neurons per layer and language (the depth profile of Tang et al. 2024, Fig. 2) and the
/// language-overlap matrix.
public struct NeuronsInput: FigureInput {
    public static let kindDescription = "an 'interlingua neurons' output folder (or its neurons.json)"
    public static let fileName = "neurons.json"
    public static let format = "interlingua.neurons"

    public let url: URL
    public let languages: [String]
    public let nLayers: Int
    public let perLayer: [String: [Int]]
    public let overlap: [[Int]]
    public let model: String
    public let selectedCount: Int

    public static func recognises(_ probe: InputProbe) -> Bool {
        let file = probe.isDirectory ? probe.child(fileName) : probe
        return file.exists && !file.isDirectory && file.jsonFormat == format
    }

    public init(_ probe: InputProbe) throws {
        try self.init(url: probe.isDirectory ? probe.url.appendingPathComponent(Self.fileName) : probe.url)
    }

    public init(url: URL) throws {
        self.url = url
        guard let data = try? Data(contentsOf: url),
              let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw FiguresError.unreadable(path: url.path, reason: "not a JSON object")
        }
        guard let languages = root["languages"] as? [String], let nLayers = root["n_layers"] as? Int,
              let perLayer = root["per_layer"] as? [String: [Int]], let overlap = root["overlap"] as? [[Int]],
              overlap.count == languages.count, overlap.allSatisfy({ $0.count == languages.count }),
              languages.allSatisfy({ perLayer[$0]?.count == nLayers }) else {
            throw FiguresError.unreadable(path: url.path, reason: "not a neurons.json of 'interlingua neurons' (languages, n_layers, per_layer, overlap)")
        }
        self.languages = languages
        self.nLayers = nLayers
        self.perLayer = perLayer
        self.overlap = overlap
        model = (root["model"] as? String).map { ($0 as NSString).lastPathComponent } ?? "model"
        selectedCount = root["n_selected"] as? Int ?? 0
    }

    public var defaultFigureFolder: URL { url.deletingLastPathComponent().appendingPathComponent("figures") }
    public var defaultReportFile: URL { url.deletingLastPathComponent().appendingPathComponent("report.html") }

    var subtitle: String { "\(model) · LAPE (Tang et al. 2024) · \(selectedCount) neurons selected · \(languages.count) languages" }

    public func figures(_ options: FigureOptions) -> FigureSet { FigureSet(figures: [depthProfile(), overlapMatrix()]) }

    public func summaryLines() -> [String] {
        [languages.enumerated().map { "\($1) \(overlap[$0][$0])" }.joined(separator: ", ")]
    }

    /// Rows = languages, columns = layers, value = that language's selected neurons in the layer.
    func depthProfile() -> Figure {
        // Row 0 is drawn at the bottom: reversed, the first language reads at the top.
        let values = languages.reversed().map { l in (perLayer[l] ?? []).map(Double.init) }
        let panel = HeatmapPanel(title: "Selected neurons per layer (rows: languages)", xLabel: "layer (block, from 0)", yLabel: "",
                                 values: values, rowLabels: languages.reversed(), annotate: nLayers <= 40 && languages.count <= 16)
        let title = "Where do the language-specific neurons sit? — \(model)"
        let map = Heatmap(title: title, subtitle: subtitle, panels: [panel], colorBarLabel: "selected neurons",
                          columns: 1, panelSize: max(420, Double(nLayers) * 22))
        return Figure(fileName: "neurons-per-layer.svg", title: title, svg: map.svg())
    }

    /// overlap[a][b] = neurons assigned to both a and b; the diagonal is a's own count.
    func overlapMatrix() -> Figure {
        let panel = HeatmapPanel(title: "Neurons shared by two languages (diagonal: all of a language's)",
                                 xLabel: "language", yLabel: "", values: overlap.reversed().map { $0.map(Double.init) },
                                 columnLabels: languages, rowLabels: languages.reversed(), annotate: languages.count <= 16)
        let title = "Language overlap of the selected neurons — \(model)"
        let map = Heatmap(title: title, subtitle: subtitle, panels: [panel], colorBarLabel: "shared neurons",
                          columns: 1, panelSize: max(360, Double(languages.count) * 34))
        return Figure(fileName: "neurons-overlap.svg", title: title, svg: map.svg())
    }

    public func reportHTML(_ options: FigureOptions) throws -> String {
        let f = self
        let rows = f.languages.enumerated().map { i, l in
            [l, "\(f.overlap[i][i])"] + (f.perLayer[l] ?? []).map { "\($0)" }
        }
        let table = ReportBlock.table(headers: ["language", "selected"] + (0..<f.nLayers).map { "L\($0)" }, rows: rows,
                                      highlightedRows: [])
        return HTMLReport(
            title: "Language-specific neurons — \(f.model)",
            summary: "LAPE (Tang et al. 2024): \(f.selectedCount) FFN neurons selected over \(f.languages.count) languages.",
            sections: [
                ReportSection(heading: "Figures", blocks: figures(options).figures.map { .figure(svg: $0.svg, caption: $0.title) }),
                ReportSection(heading: "Selected neurons per language and layer", blocks: [table]),
            ]).html()
    }
}
