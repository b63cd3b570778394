// `pseudovalues.h5`: the per-sentence pseudo-values behind every interval of `interlingua align`, kept so that
// `interlingua compare` can bootstrap differences between runs (paired: the same sentence resamples applied to
// both) without re-tracing or re-aligning.
import Foundation
import HDF5

/// One statistic's pseudo-values at every layer: `values[l][i]` is v_i at layer l. The statistic is
/// θ_l = mean_i v_i, and its bootstrap replicate for resample counts c is Σ_i c_i·v_i / N (see
/// `SentenceStatistic`: exact for means of per-sentence quantities, the infinitesimal jackknife otherwise).
public struct PseudoValueSeries: Sendable, Equatable {
    public var metric: String
    /// The language pair for pair metrics; nil for per-layer metrics (separability, centroid accuracy).
    public var pair: LanguagePair?
    public var values: [[Double]]

    public init(metric: String, pair: LanguagePair?, values: [[Double]]) {
        self.metric = metric
        self.pair = pair
        self.values = values
    }

    /// θ_l = mean_i v_i at every layer.
    public var estimates: [Double] {
        values.map { row in row.isEmpty ? .nan : row.reduce(0, +) / Double(row.count) }
    }
}

/// The pseudo-values of one `align` run.
///
/// Layout (HDF5, readable with h5py):
/// ```
/// /                       attributes: format = "interlingua.pseudovalues", format_version = 1,
///                         sentence_count, layer_count
/// /ids                    string[N]     sentence ids, the row order of every dataset below
/// /layers                 int64[L]      layer indices (0 = embeddings, i = output of block i)
/// /pair/<metric>/<source>/<target>   float64[L, N]   pair metrics (every series, incl. _fwd/_bwd)
/// /layer/<metric>         float64[L, N] per-layer metrics over all languages
/// ```
/// `f["pair/retrieval_p1/en/de"][12].mean()` is the value alignment.json reports for en → de at layer 12.
public struct PseudoValues: Sendable, Equatable {
    public static let fileName = "pseudovalues.h5"
    public static let format = "interlingua.pseudovalues"
    public static let formatVersion = 1

    public var ids: [String]
    public var layers: [Int]
    public var series: [PseudoValueSeries]

    public init(ids: [String], layers: [Int], series: [PseudoValueSeries]) {
        self.ids = ids
        self.layers = layers
        self.series = series
    }

    /// The pair series of `metric` for `pair`, if stored.
    public func pairSeries(_ metric: String, _ pair: LanguagePair) -> PseudoValueSeries? {
        series.first { $0.metric == metric && $0.pair == pair }
    }

    /// The per-layer series of `metric`, if stored.
    public func layerSeries(_ metric: String) -> PseudoValueSeries? {
        series.first { $0.metric == metric && $0.pair == nil }
    }

    /// Writes the file at `url` (through a temporary name, renamed into place when complete).
    public func write(to url: URL) throws {
        try AlignmentOutputs.atomically(url) { temporary in
            let file = try H5File.create(temporary, overwrite: true)
            let root = file.root
            try root.setAttribute("format", .string(Self.format))
            try root.setAttribute("format_version", .int(Int64(Self.formatVersion)))
            try root.setAttribute("sentence_count", .int(Int64(ids.count)))
            try root.setAttribute("layer_count", .int(Int64(layers.count)))
            _ = try root.writeStrings("ids", ids)
            _ = try root.writeDataset("layers", layers.map { Int64($0) }, shape: [layers.count])
            for s in series {
                guard s.values.count == layers.count, s.values.allSatisfy({ $0.count == ids.count }) else {
                    throw AlignmentError.shapeMismatch("pseudo-values of \(s.metric) are not [\(layers.count), \(ids.count)]")
                }
                let path = s.pair.map { "pair/\(s.metric)/\($0.source)/\($0.target)" } ?? "layer/\(s.metric)"
                _ = try root.writeDataset(path, s.values.flatMap { $0 }, shape: [layers.count, ids.count])
            }
            try file.flush()
        }
    }

    /// Reads a file written by `write(to:)`.
    public static func read(from url: URL) throws -> PseudoValues {
        func bad(_ reason: String) -> AlignmentError { .unreadableReport(path: url.path, reason: reason) }
        let file: H5File
        do { file = try H5File.open(url) } catch { throw bad(error.localizedDescription) }
        do {
            let root = file.root
            guard case .string(let format)? = try? root.attribute("format"), format == Self.format else {
                throw bad("not an interlingua pseudo-value file (format attribute \(Self.format) missing)")
            }
            guard case .int(let version)? = try? root.attribute("format_version"), version == Self.formatVersion else {
                throw bad("unsupported format_version (this build reads \(Self.formatVersion))")
            }
            let ids = try root.dataset("ids").readStrings()
            let layers = try root.dataset("layers").read(Int64.self).map { Int($0) }
            let n = ids.count, l = layers.count
            func matrix(_ path: String) throws -> [[Double]] {
                let flat = try root.dataset(path).read(Double.self)
                guard flat.count == n * l else { throw bad("\(path) holds \(flat.count) values, expected \(l) × \(n)") }
                return (0..<l).map { Array(flat[($0 * n)..<(($0 + 1) * n)]) }
            }
            var series: [PseudoValueSeries] = []
            if root.contains("pair") {
                let pairGroup = try root.group("pair")
                for metric in try pairGroup.memberNames().sorted() {
                    let metricGroup = try pairGroup.group(metric)
                    for source in try metricGroup.memberNames().sorted() {
                        for target in try metricGroup.group(source).memberNames().sorted() {
                            series.append(PseudoValueSeries(
                                metric: metric, pair: LanguagePair(source: source, target: target),
                                values: try matrix("pair/\(metric)/\(source)/\(target)")))
                        }
                    }
                }
            }
            if root.contains("layer") {
                for metric in try root.group("layer").memberNames().sorted() {
                    series.append(PseudoValueSeries(metric: metric, pair: nil, values: try matrix("layer/\(metric)")))
                }
            }
            return PseudoValues(ids: ids, layers: layers, series: series)
        } catch let error as AlignmentError {
            throw error
        } catch {
            throw bad(error.localizedDescription)
        }
    }
}

/// Writes pseudovalues.h5 one layer at a time (memory: one layer's pseudo-values), for analyses too large to
/// hold every layer: datasets [L, N] are created when a series first appears and filled row by row; the file
/// gets its final name only in `finish()`.
public final class PseudoValueWriter {
    public let url: URL
    let temporary: URL
    let file: H5File
    let layerCount: Int
    let sentenceCount: Int
    private var finished = false

    public init(url: URL, ids: [String], layers: [Int]) throws {
        self.url = url
        temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        layerCount = layers.count
        sentenceCount = ids.count
        do {
            file = try H5File.create(temporary, overwrite: true)
            let root = file.root
            try root.setAttribute("format", .string(PseudoValues.format))
            try root.setAttribute("format_version", .int(Int64(PseudoValues.formatVersion)))
            try root.setAttribute("sentence_count", .int(Int64(ids.count)))
            try root.setAttribute("layer_count", .int(Int64(layers.count)))
            _ = try root.writeStrings("ids", ids)
            _ = try root.writeDataset("layers", layers.map { Int64($0) }, shape: [layers.count])
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw AlignmentError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    deinit {
        if !finished { try? FileManager.default.removeItem(at: temporary) }
    }

    /// Stores the pseudo-values of layer index `layer` (position in `layers`) of one series.
    public func write(layer: Int, metric: String, pair: LanguagePair?, values: [Double]) throws {
        guard layer >= 0, layer < layerCount, values.count == sentenceCount else {
            throw AlignmentError.shapeMismatch("pseudo-values of \(metric) at layer \(layer): \(values.count) values for \(sentenceCount) sentences")
        }
        let path = pair.map { "pair/\(metric)/\($0.source)/\($0.target)" } ?? "layer/\(metric)"
        do {
            let root = file.root
            let dataset = root.contains(path) ? try root.dataset(path)
                : try root.createDataset(path, of: Double.self, shape: [layerCount, sentenceCount])
            try dataset.write(values, offset: [layer, 0], count: [1, sentenceCount])
        } catch {
            throw AlignmentError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Flushes, closes and renames the file into place.
    public func finish() throws {
        do { try file.flush() } catch { throw AlignmentError.writeFailed(path: url.path, reason: error.localizedDescription) }
        guard rename(temporary.path, url.path) == 0 else {
            throw AlignmentError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
        }
        finished = true
    }
}
