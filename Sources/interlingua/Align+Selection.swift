// What `align` analyses of an activation file: the languages asked for (--languages) and, for an unfinished
// trace (--allow-incomplete), only the rows its journal proves written.
import Activations
import Alignment
import Foundation
import LinearAlgebra

/// A language subset of an activation file's pooled vectors, on its first `sentenceCount` rows and the
/// layers `firstLayer ..< firstLayer + layerCount` (index 0 of this source is `firstLayer` of the file).
struct SelectedLayerSource: LayerSource {
    let base: ActivationsLayerSource
    let languages: [String]
    let sentenceCount: Int
    var firstLayer = 0
    let layerCount: Int

    func vectors(language: String, layer: Int) throws -> Matrix<Float> {
        let all = try base.vectors(language: language, layer: firstLayer + layer)
        guard sentenceCount < all.rows else { return all }
        return Matrix(rows: sentenceCount, cols: all.cols, storage: Array(all.storage.prefix(sentenceCount * all.cols)))
    }

    func pooledTokens(language: String) throws -> [[Int]]? {
        try base.pooledTokens(language: language).map { Array($0.prefix(sentenceCount)) }
    }

    var tokenWeights: TokenWeights { base.tokenWeights }
}

/// The languages and rows to analyse, and what was left out (for the message).
struct AlignSelection: Equatable {
    var languages: [String]
    var rows: Int
    /// One line for stderr when anything was left out, nil otherwise.
    var notice: String?

    /// Picks from `written` (rows written per language, in file order, of `total` rows).
    /// `requested` (--languages) must all exist and be written; otherwise the languages fully written are
    /// taken when at least two are, else every language with rows, on the rows they all have. The pivot must
    /// be among them.
    static func choose(fileLanguages: [String], written: [String: Int], total: Int, requested: [String]?,
                       pivot: String, batches: (done: Int, total: Int)?, file: String) throws -> AlignSelection {
        if let requested {
            for language in requested where !fileLanguages.contains(language) {
                throw AlignmentError.invalidSetting("\(file) has no language '\(language)' (it has \(fileLanguages.joined(separator: ", ")))")
            }
        }
        let candidates = requested ?? fileLanguages
        let withRows = candidates.filter { (written[$0] ?? 0) > 0 }
        let complete = candidates.filter { (written[$0] ?? 0) == total }
        let chosen: [String]
        if requested != nil || batches == nil {
            chosen = requested.map { _ in withRows } ?? candidates
        } else {
            chosen = complete.count >= 2 ? complete : withRows
        }
        if let requested, let empty = requested.first(where: { (written[$0] ?? 0) == 0 }) {
            throw AlignmentError.invalidSetting("\(file): no row of '\(empty)' is written yet (the trace did not reach it)")
        }
        guard chosen.count >= 2 else {
            throw AlignmentError.invalidSetting("\(file): fewer than two languages have rows written (\(withRows.joined(separator: ", ")))")
        }
        guard chosen.contains(pivot) else {
            throw AlignmentError.invalidSetting("the pivot '\(pivot)' is not among the languages analysed (\(chosen.joined(separator: ", "))); choose one with --pivot")
        }
        let rows = chosen.map { written[$0] ?? 0 }.min() ?? 0
        var notice: String?
        if let batches {
            var text = "align: the trace is unfinished (journal: \(batches.done) of \(batches.total) batches written): "
                + "analysing \(chosen.count) of \(fileLanguages.count) languages (\(chosen.joined(separator: ", "))) "
                + "× \(rows) of \(total) sentences"
            let partial = fileLanguages.filter { !chosen.contains($0) }.map { "\($0) \(written[$0] ?? 0)" }
            if !partial.isEmpty { text += "; left out (rows written): \(partial.joined(separator: ", "))" }
            notice = text
        }
        return AlignSelection(languages: chosen, rows: rows, notice: notice)
    }
}

extension AlignmentReport {
    /// Renumbers the layers of a report computed on layers `first…` of a file (the analysis counts from 0):
    /// the layer list, the peak and its interval, the projection's layers.
    mutating func offsetLayers(by first: Int) {
        guard first != 0 else { return }
        layers = layers.map { $0 + first }
        if var peak {
            peak.layer += first
            peak.layerCILow = peak.layerCILow.map { $0 + first }
            peak.layerCIHigh = peak.layerCIHigh.map { $0 + first }
            self.peak = peak
        }
        peaks = peaks?.map { peak in
            var shifted = peak
            shifted.layer += first
            shifted.layerCILow = peak.layerCILow.map { $0 + first }
            shifted.layerCIHigh = peak.layerCIHigh.map { $0 + first }
            return shifted
        }
        if var agreement = peakAgreement {
            agreement.lowestLayer += first
            agreement.highestLayer += first
            peakAgreement = agreement
        }
        diagnostics = diagnostics?.map { entry in
            var shifted = entry
            shifted.layer += first
            return shifted
        }
        if var projection {
            projection.coordinates = projection.coordinates.map {
                ProjectedPoints(layer: $0.layer + first, language: $0.language, points: $0.points)
            }
            self.projection = projection
        }
    }
}
