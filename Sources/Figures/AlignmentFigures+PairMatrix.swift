// pair-matrix.svg: with `align --pairs all`, every language pair at the peak as a language × language matrix
// (21 overlaid curves coloured by target language are unreadable; a matrix at one layer is not).
import Alignment
import Foundation
import Plotting

extension AlignmentFigures {
    /// The metrics the matrix shows, when measured: retrieval (row retrieves column: `_fwd` / `_bwd`), debiased
    /// CKA and mutual k-NN (symmetric). All lie in [0, 1] (debiased CKA below 0 is clamped by the colour scale).
    var pairMatrixMetrics: [String] {
        ["retrieval_p1", "cka_debiased", "mutual_knn"].filter { !report.series($0).isEmpty }
    }

    /// The layer a metric's matrix is drawn at: its own peak (else the primary's).
    func matrixLayer(_ metric: String) -> Int? {
        (report.peak(of: metric) ?? report.peak)?.layer
    }

    /// `matrix[i][j]` for languages i (row) and j (column) at `layer`: for retrieval the share of language i's
    /// sentences whose nearest language-j sentence is their translation; NaN on the diagonal and for
    /// pairs not measured.
    public func pairMatrix(_ metric: String, layer: Int) -> [[Double]] {
        let languages = report.languages
        guard let index = report.layers.firstIndex(of: layer) else {
            return languages.map { _ in languages.map { _ in .nan } }
        }
        func value(_ name: String, _ source: String, _ target: String) -> Double? {
            guard let values = report.series(name, source: source, target: target)?.values, index < values.count else { return nil }
            return values[index].value
        }
        return languages.map { row in
            languages.map { column in
                guard row != column else { return .nan }
                if metric == "retrieval_p1" {
                    // The pair is stored once, source → target: _fwd retrieves target from source.
                    return value("retrieval_p1_fwd", row, column) ?? value("retrieval_p1_bwd", column, row)
                        ?? value(metric, row, column) ?? value(metric, column, row) ?? .nan
                }
                return value(metric, row, column) ?? value(metric, column, row) ?? .nan
            }
        }
    }

    /// One matrix per metric at that metric's peak layer, languages in the report's order (first at the top).
    public func pairMatrix() -> Figure {
        let languages = report.languages
        let panels = pairMatrixMetrics.compactMap { metric -> HeatmapPanel? in
            guard let layer = matrixLayer(metric) else { return nil }
            let matrix = pairMatrix(metric, layer: layer)
            let directional = metric == "retrieval_p1" && !report.series("retrieval_p1_fwd").isEmpty
            // Heatmap rows grow upward: reverse so the first language is the top row, as in a table.
            return HeatmapPanel(title: "\(Self.axisLabel(of: metric)), layer \(layer)\(layer == report.peak(of: metric)?.layer ? " (peak)" : "")",
                                xLabel: directional ? "retrieved language" : "language",
                                yLabel: directional ? "query language" : "language",
                                values: matrix.reversed(), columnLabels: languages, rowLabels: languages.reversed(),
                                annotate: languages.count <= 14, valueFormat: "%.2f")
        }
        let size = min(420, max(270, Double(languages.count) * 32))
        let title = "Every language pair at the peak — \(modelName)"
        let heatmap = Heatmap(title: title, subtitle: subtitle(intervals: false), panels: panels, colorDomain: 0...1,
                              colorBarLabel: "value (0–1)", columns: min(3, max(1, panels.count)), panelSize: size)
        return Figure(fileName: "pair-matrix.svg", title: title, svg: heatmap.svg())
    }
}
