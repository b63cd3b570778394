// Several align runs on one axis (absolute layers or relative depth) and their differences with a paired
// bootstrap: the same sentence resamples applied to both runs (Efron & Tibshirani 1993, §8.3 on paired data).
import Alignment
import Foundation
import LinearAlgebra

/// A pair-averaged (or single-pair) statistic of one run: pseudo-values per layer, or only point values when
/// the run has no pseudovalues.h5.
struct RunStatistic {
    /// `values[l][i]`, sentences in `ids` order; nil without pseudo-values.
    var pseudo: [[Double]]?
    var ids: [String]
    /// θ_l (from the pseudo-values when present, else from alignment.json).
    var estimates: [Double]
    /// Intervals from alignment.json when no pseudo-values exist (the primary metric's curve only).
    var reportIntervals: [(low: Double?, high: Double?)]?
}

/// The comparison of several runs.
public struct Comparison {
    public var runs: [CompareRun]
    public var settings: CompareSettings

    public init(runs: [CompareRun], settings: CompareSettings) {
        self.runs = runs
        self.settings = settings
    }

    /// The metrics to compare when none are given: the first run's primary (the metric its peak locates).
    public static func defaultMetrics(_ runs: [CompareRun]) -> [String] {
        guard let first = runs.first else { return [] }
        return [first.report.peak?.metric ?? first.report.settings.primary.rawValue]
    }

    /// Relative depth unless every run has the same number of blocks.
    public static func defaultDepth(_ runs: [CompareRun]) -> CompareSettings.Depth {
        Set(runs.map(\.blocks)).count > 1 ? .relative : .absolute
    }

    public func run(toolVersion: String = "") throws -> CompareReport {
        guard runs.count >= 2 else { throw CompareError.invalidSetting("compare needs at least two runs, got \(runs.count)") }
        guard Set(runs.map(\.label)).count == runs.count else {
            throw CompareError.invalidSetting("run labels must differ (\(runs.map(\.label).joined(separator: ", "))); name them with --label")
        }
        guard settings.bootstrap >= 0, settings.bootstrap <= 100_000 else {
            throw CompareError.invalidSetting("--bootstrap must be in 0…100000")
        }
        guard settings.confidence > 0, settings.confidence < 1 else {
            throw CompareError.invalidSetting("confidence must be in (0, 1)")
        }
        var leftOut: [String] = []

        // Shared pairs (ordered as the first run lists them) and what each run has beyond them.
        let firstPairs = runs[0].report.pairs
        let shared = firstPairs.filter { pair in runs.allSatisfy { $0.report.pairs.contains(pair) } }
        for run in runs {
            let extra = run.report.pairs.filter { !shared.contains($0) }
            if !extra.isEmpty {
                leftOut.append("\(run.label): pairs not measured by every run: "
                               + extra.map { "\($0.source)-\($0.target)" }.joined(separator: ", "))
            }
        }

        // Pooling and normalisation are one per run: nothing to share, so a difference is said, not hidden.
        for (name, value) in [("pools", { (r: CompareRun) in r.report.settings.pool.rawValue }),
                              ("normalisations", { (r: CompareRun) in r.report.settings.normalize.argument })]
            where Set(runs.map(value)).count > 1 {
            leftOut.append("\(name) differ (" + runs.map { "\($0.label): \(value($0))" }.joined(separator: ", ")
                           + "): each run is compared on its own vectors")
        }

        // Metrics: the requested ones that every run has (as a pair series over the shared pairs, or a layer series).
        var metrics: [String] = []
        for metric in settings.metrics {
            let missing = runs.filter { !has(metric, $0, pairs: shared) }
            if missing.isEmpty { metrics.append(metric) } else {
                leftOut.append("metric \(metric): not measured by " + missing.map(\.label).joined(separator: ", "))
            }
        }
        guard !metrics.isEmpty else {
            throw CompareError.nothingInCommon(shared.isEmpty && runs.contains(where: { !$0.report.pairs.isEmpty })
                ? "the runs share no language pair"
                : "none of the metrics \(settings.metrics.joined(separator: ", ")) was measured by every run")
        }
        for run in runs where run.pseudoValues == nil {
            leftOut.append("\(run.label): no \(PseudoValues.fileName) (align output of an older version): "
                           + "no intervals except the primary curve's, no paired differences")
        }

        var curves: [CompareCurve] = []
        var peaks: [ComparePeak] = []
        var differences: [CompareDifference] = []
        for metric in metrics {
            let isLayerMetric = runs[0].report.layerSeries(metric) != nil && !runs[0].pairMetricNames.contains(metric)
            let statistics = try runs.map { try statistic(metric, of: $0, pairs: isLayerMetric ? nil : shared) }
            for (run, stat) in zip(runs, statistics) {
                let design = self.design(sentences: stat.ids.count, seedOffset: 0)
                let replicates = design.flatMap { d in stat.pseudo.map { replicateCurves(d, $0) } }
                curves.append(curve(metric, run, stat, replicates: replicates, source: "*", target: "*"))
                peaks.append(peak(metric, run, stat, replicates: replicates))
            }
            if settings.perPair && !isLayerMetric {
                for pair in shared {
                    for run in runs {
                        let stat = try statistic(metric, of: run, pairs: [pair])
                        let replicates = design(sentences: stat.ids.count, seedOffset: 0).flatMap { d in stat.pseudo.map { replicateCurves(d, $0) } }
                        curves.append(curve(metric, run, stat, replicates: replicates, source: pair.source, target: pair.target))
                    }
                }
            }
            for a in 0..<runs.count {
                for b in (a + 1)..<runs.count {
                    differences.append(difference(metric, runs[a], statistics[a], runs[b], statistics[b]))
                }
            }
        }
        for d in differences where !d.paired {
            let why = runs.first { $0.label == d.runA }?.pseudoValues == nil || runs.first { $0.label == d.runB }?.pseudoValues == nil
                ? "a run has no pseudo-values" : "the runs measured different sentences"
            let note = "\(d.metric): \(d.runA) − \(d.runB) compared unpaired (\(why))"
            if !leftOut.contains(note) { leftOut.append(note) }
        }

        let summaries = runs.map { run in
            RunSummary(label: run.label, path: run.path, model: run.report.source.model, nLayers: run.blocks,
                       sentenceCount: run.report.sentenceCount, languages: run.report.languages,
                       pseudoValues: run.pseudoValues != nil)
        }
        var used = settings
        used.metrics = metrics
        return CompareReport(toolVersion: toolVersion, created: ISO8601DateFormatter().string(from: Date()),
                             settings: used, runs: summaries, metrics: metrics, pairs: shared, leftOut: leftOut,
                             curves: curves, peaks: peaks, differences: differences)
    }

    // MARK: - Statistics of one run

    func has(_ metric: String, _ run: CompareRun, pairs: [LanguagePair]) -> Bool {
        if run.report.layerSeries(metric) != nil { return true }
        guard !pairs.isEmpty else { return false }
        return pairs.allSatisfy { run.report.series(metric, source: $0.source, target: $0.target) != nil }
    }

    /// The mean over `pairs` (nil: the layer metric) of `metric` in `run`: pseudo-values are averaged linearly,
    /// which is exact for the mean statistic and for every bootstrap replicate of it.
    func statistic(_ metric: String, of run: CompareRun, pairs: [LanguagePair]?) throws -> RunStatistic {
        let report = run.report
        let layerCount = report.layers.count
        let reportSeries: [[Estimate]]
        if let pairs {
            reportSeries = pairs.compactMap { report.series(metric, source: $0.source, target: $0.target)?.values }
        } else {
            reportSeries = report.layerSeries(metric).map { [$0.values] } ?? []
        }
        guard !reportSeries.isEmpty, reportSeries.allSatisfy({ $0.count == layerCount }) else {
            throw CompareError.inconsistentRun(path: run.path, reason: "\(metric) does not have one value per layer")
        }
        let reportMean = (0..<layerCount).map { l in reportSeries.reduce(0) { $0 + $1[l].value } / Double(reportSeries.count) }

        if let pv = run.pseudoValues {
            let found: [PseudoValueSeries] = pairs.map { $0.compactMap { pv.pairSeries(metric, $0) } }
                ?? [pv.layerSeries(metric)].compactMap { $0 }
            if found.count == (pairs?.count ?? 1) {
                let n = pv.ids.count
                var mean = [[Double]](repeating: [Double](repeating: 0, count: n), count: layerCount)
                for s in found {
                    for l in 0..<layerCount { for i in 0..<n { mean[l][i] += s.values[l][i] } }
                }
                let k = Double(found.count)
                for l in 0..<layerCount { for i in 0..<n { mean[l][i] /= k } }
                let estimates = mean.map { $0.reduce(0, +) / Double(n) }
                return RunStatistic(pseudo: mean, ids: pv.ids, estimates: estimates, reportIntervals: nil)
            }
        }
        // Without pseudo-values: the primary curve's intervals when the pairs are exactly the run's own.
        var intervals: [(low: Double?, high: Double?)]?
        if let peak = report.peak, peak.metric == metric, pairs == report.pairs, peak.curve.count == layerCount {
            intervals = peak.curve.map { ($0.ciLow, $0.ciHigh) }
        }
        return RunStatistic(pseudo: nil, ids: [], estimates: reportMean, reportIntervals: intervals)
    }

    // MARK: - Bootstrap

    func design(sentences: Int, seedOffset: UInt64) -> BootstrapDesign? {
        settings.bootstrapDesign(sentences, seedOffset: seedOffset)
    }

    /// Replicates of every layer's mean: R = C·Vᵀ / N, [B × L] with C the B × N resample counts.
    func replicateCurves(_ design: BootstrapDesign, _ pseudo: [[Double]]) -> Matrix<Double> {
        let layers = pseudo.count, n = design.sentences
        var v = Matrix<Double>(rows: n, cols: layers)
        for l in 0..<layers { for i in 0..<n { v.storage[i * layers + l] = pseudo[l][i] } }
        return matmul(design.counts, v, alpha: 1 / Double(n))
    }

    func column(_ m: Matrix<Double>, _ c: Int) -> [Double] { (0..<m.rows).map { m[$0, c] } }

    func curve(_ metric: String, _ run: CompareRun, _ stat: RunStatistic, replicates: Matrix<Double>?,
               source: String, target: String) -> CompareCurve {
        let points = run.report.layers.enumerated().map { l, layer -> CurvePoint in
            var low: Double?, high: Double?
            if let replicates {
                let interval = percentileInterval(column(replicates, l), level: settings.confidence)
                (low, high) = (interval.low, interval.high)
            } else if let intervals = stat.reportIntervals {
                (low, high) = intervals[l]
            }
            return CurvePoint(layer: layer, relativeDepth: run.relativeDepth(layer), value: stat.estimates[l],
                              ciLow: low, ciHigh: high)
        }
        return CompareCurve(metric: metric, run: run.label, source: source, target: target, points: points)
    }

    func peak(_ metric: String, _ run: CompareRun, _ stat: RunStatistic, replicates: Matrix<Double>?) -> ComparePeak {
        let layers = run.report.layers
        let curveReplicates = replicates.map { r in layers.indices.map { column(r, $0) } }
        let found = alignmentPeak(metric: metric, layers: layers, curve: stat.estimates, replicates: curveReplicates,
                                  level: settings.confidence)
        let layer = found?.layer ?? layers[0]
        return ComparePeak(metric: metric, run: run.label, layer: layer, relativeDepth: run.relativeDepth(layer),
                           value: found?.value ?? .nan, layerCILow: found?.layerCILow, layerCIHigh: found?.layerCIHigh)
    }

    // MARK: - Differences

    /// Where run B's curve is read for each grid point: (grid layer, relative depth, B position as
    /// (lower index, upper index, weight of upper), A position likewise).
    struct GridPoint {
        var layer: Int
        var relativeDepth: Double
        var a: (Int, Int, Double)
        var b: (Int, Int, Double)
    }

    /// The comparison grid: both runs' layers when their depths agree; else the shallower run's layers, the
    /// deeper run linearly interpolated at the same relative depth (positions p = depth × blocks).
    func grid(_ a: CompareRun, _ b: CompareRun) -> (points: [GridPoint], name: String) {
        if a.blocks == b.blocks, a.report.layers == b.report.layers {
            return (a.report.layers.indices.map { GridPoint(layer: a.report.layers[$0], relativeDepth: a.relativeDepth(a.report.layers[$0]),
                                                             a: ($0, $0, 0), b: ($0, $0, 0)) }, "layers")
        }
        let gridRun = a.blocks <= b.blocks ? a : b
        func position(_ run: CompareRun, _ depth: Double) -> (Int, Int, Double) {
            let layers = run.report.layers
            let p = depth * Double(run.blocks)
            // Layer indices are 0…blocks in order; clamp to the stored range.
            guard let first = layers.first, let last = layers.last else { return (0, 0, 0) }
            let clamped = min(max(p, Double(first)), Double(last))
            let lower = Int(clamped.rounded(.down)) - first
            let upper = min(lower + 1, layers.count - 1)
            return (lower, upper, clamped - Double(lower + first))
        }
        let points = gridRun.report.layers.map { layer -> GridPoint in
            let depth = gridRun.relativeDepth(layer)
            return GridPoint(layer: layer, relativeDepth: depth, a: position(a, depth), b: position(b, depth))
        }
        return (points, "relative depth of \(gridRun.label)")
    }

    static func interpolate(_ values: [Double], _ at: (Int, Int, Double)) -> Double {
        at.2 == 0 ? values[at.0] : (1 - at.2) * values[at.0] + at.2 * values[at.1]
    }

    func difference(_ metric: String, _ a: CompareRun, _ sa: RunStatistic, _ b: CompareRun, _ sb: RunStatistic) -> CompareDifference {
        let (points, gridName) = grid(a, b)
        let estimateA = points.map { Self.interpolate(sa.estimates, $0.a) }
        let estimateB = points.map { Self.interpolate(sb.estimates, $0.b) }
        let peakA = argmaxIndex(sa.estimates), peakB = argmaxIndex(sb.estimates)
        let peakValue = sa.estimates[peakA] - sb.estimates[peakB]
        let peakDepth = a.relativeDepth(a.report.layers[peakA]) - b.relativeDepth(b.report.layers[peakB])

        // Replicate curves of A and B on their own layers: paired (same design, B in A's sentence order) or not.
        var replicatesA: Matrix<Double>?, replicatesB: Matrix<Double>?
        var paired = false
        if let pa = sa.pseudo, let pb = sb.pseudo {
            if Set(sa.ids) == Set(sb.ids), sa.ids.count == sb.ids.count, Set(sa.ids).count == sa.ids.count,
               let design = design(sentences: sa.ids.count, seedOffset: 0) {
                let position = Dictionary(uniqueKeysWithValues: sb.ids.enumerated().map { ($1, $0) })
                let order = sa.ids.map { position[$0] ?? 0 }
                let reordered = pb.map { row in order.map { row[$0] } }
                replicatesA = replicateCurves(design, pa)
                replicatesB = replicateCurves(design, reordered)
                paired = true
            } else if let da = design(sentences: sa.ids.count, seedOffset: 0),
                      let db = design(sentences: sb.ids.count, seedOffset: 0x9E37_79B9_7F4A_7C15) {
                replicatesA = replicateCurves(da, pa)
                replicatesB = replicateCurves(db, pb)
            }
        }

        var diffPoints: [DifferencePoint] = []
        var peakValueEstimate = Estimate(value: peakValue)
        var peakDepthEstimate = Estimate(value: peakDepth)
        if let ra = replicatesA, let rb = replicatesB {
            let replicates = ra.rows
            var peakValues = [Double](repeating: 0, count: replicates), peakDepths = peakValues
            for r in 0..<replicates {
                let curveA = (0..<ra.cols).map { ra[r, $0] }, curveB = (0..<rb.cols).map { rb[r, $0] }
                let ia = argmaxIndex(curveA), ib = argmaxIndex(curveB)
                peakValues[r] = curveA[ia] - curveB[ib]
                peakDepths[r] = a.relativeDepth(a.report.layers[ia]) - b.relativeDepth(b.report.layers[ib])
            }
            let pv = percentileInterval(peakValues, level: settings.confidence)
            let pd = percentileInterval(peakDepths, level: settings.confidence)
            peakValueEstimate = Estimate(value: peakValue, ciLow: pv.low, ciHigh: pv.high)
            peakDepthEstimate = Estimate(value: peakDepth, ciLow: pd.low, ciHigh: pd.high)
            for (g, point) in points.enumerated() {
                let values = (0..<replicates).map { r in
                    Self.interpolate((0..<ra.cols).map { ra[r, $0] }, point.a) - Self.interpolate((0..<rb.cols).map { rb[r, $0] }, point.b)
                }
                let interval = percentileInterval(values, level: settings.confidence)
                diffPoints.append(DifferencePoint(layer: point.layer, relativeDepth: point.relativeDepth,
                                                  difference: estimateA[g] - estimateB[g], ciLow: interval.low,
                                                  ciHigh: interval.high,
                                                  excludesZero: interval.low > 0 || interval.high < 0))
            }
        } else {
            for (g, point) in points.enumerated() {
                diffPoints.append(DifferencePoint(layer: point.layer, relativeDepth: point.relativeDepth,
                                                  difference: estimateA[g] - estimateB[g], ciLow: nil, ciHigh: nil,
                                                  excludesZero: false))
            }
        }
        return CompareDifference(metric: metric, runA: a.label, runB: b.label, paired: paired, grid: gridName,
                                 points: diffPoints, layersExcludingZero: diffPoints.filter(\.excludesZero).map(\.layer),
                                 peakValue: peakValueEstimate, peakRelativeDepth: peakDepthEstimate)
    }

    /// Index of the first maximum (the convention of the alignment peak).
    func argmaxIndex(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
