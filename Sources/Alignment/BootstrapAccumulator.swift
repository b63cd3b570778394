// Collects each layer's statistics as the analysis walks the layers: point values, bootstrap
// intervals (all statistics of a layer resampled together) and, for every pair metric, the
// pair-averaged curve with its replicates, from which each metric's peak and its layer interval follow.
import LinearAlgebra

/// A series' identity within a layer.
struct SeriesKey: Hashable {
    var metric: String
    var source: String
    var target: String
}

/// A pair-averaged curve and, per layer, its B bootstrap replicates.
struct AveragedCurve {
    var values: [Double] = []
    var replicates: [[Double]] = []
}

/// The bootstrap side of an analysis, one layer at a time.
struct BootstrapAccumulator {
    let design: BootstrapDesign?
    let confidence: Double
    /// The series names whose pair averages are tracked as curves with a peak (the pair metrics), primary first.
    let curveMetrics: [String]
    /// Series names averaged over pairs without a peak (controls).
    let controlCurves: [String]

    private(set) var pairValues: [SeriesKey: [Estimate]] = [:]
    private(set) var layerValues: [String: [Estimate]] = [:]
    private(set) var curves: [String: AveragedCurve] = [:]
    /// Per-sentence pseudo-values of every pair series per layer (`pseudovalues.h5`), when kept.
    private(set) var pseudoValues: [SeriesKey: [[Double]]] = [:]
    let keepPseudoValues: Bool

    init(design: BootstrapDesign?, confidence: Double, curveMetrics: [String], controlCurves: [String] = [],
         keepPseudoValues: Bool = false) {
        self.design = design
        self.confidence = confidence
        self.curveMetrics = curveMetrics
        self.controlCurves = controlCurves
        self.keepPseudoValues = keepPseudoValues
    }

    /// Adds one layer: its pair statistics and its layer-scope statistics (name, statistic).
    mutating func add(pairStatistics statistics: [(key: SeriesKey, stat: SentenceStatistic)],
                      layerStatistics: [(String, SentenceStatistic)]) {
        let all = statistics.map(\.stat) + layerStatistics.map(\.1)
        let replicates = design.map { $0.replicate(all) }
        let confidence = self.confidence
        func estimate(_ index: Int, _ stat: SentenceStatistic) -> Estimate {
            guard let replicates else { return Estimate(value: stat.value) }
            let column = (0..<replicates.rows).map { replicates[$0, index] }
            let interval = percentileInterval(column, level: confidence)
            return Estimate(value: stat.value, ciLow: interval.low, ciHigh: interval.high)
        }
        for (index, entry) in statistics.enumerated() {
            pairValues[entry.key, default: []].append(estimate(index, entry.stat))
            if keepPseudoValues { pseudoValues[entry.key, default: []].append(entry.stat.pseudoValues) }
        }
        for (offset, entry) in layerStatistics.enumerated() {
            layerValues[entry.0, default: []].append(estimate(statistics.count + offset, entry.1))
        }
        func average(_ name: String, _ indices: [Int], _ values: [Double]) {
            guard !indices.isEmpty else { return }
            var curve = curves[name] ?? AveragedCurve()
            curve.values.append(values.reduce(0, +) / Double(values.count))
            if let replicates {
                curve.replicates.append((0..<replicates.rows).map { b in
                    indices.reduce(0) { $0 + replicates[b, $1] } / Double(indices.count)
                })
            }
            curves[name] = curve
        }
        for metric in curveMetrics + controlCurves {
            let indices = statistics.indices.filter { statistics[$0].key.metric == metric }
            average(metric, indices, indices.map { statistics[$0].stat.value })
        }
    }

    // MARK: - A layer's pairs in chunks (the streamed path: bounded memory for `--pairs all`)

    /// Running sums of the current layer's curves: Σ values, Σ replicates per b, pairs so far.
    private var layerSums: [String: (value: Double, replicates: [Double], count: Int)] = [:]

    /// Adds a chunk of the current layer's pair statistics (pair order; chunks in order). The curve of a
    /// layer is the mean over its pairs, Σ in pair order whatever the chunks — the same left fold as `add`,
    /// so chunking changes no bit; a chunk's replicates are its own columns of C·V (each column of a
    /// product depends only on its own column of V).
    mutating func addPairChunk(_ statistics: [(key: SeriesKey, stat: SentenceStatistic)]) {
        guard !statistics.isEmpty else { return }
        let replicates = design.map { $0.replicate(statistics.map(\.stat)) }
        for (index, entry) in statistics.enumerated() {
            pairValues[entry.key, default: []].append(estimate(index, entry.stat, replicates))
            if keepPseudoValues { pseudoValues[entry.key, default: []].append(entry.stat.pseudoValues) }
        }
        for metric in curveMetrics + controlCurves {
            let indices = statistics.indices.filter { statistics[$0].key.metric == metric }
            guard !indices.isEmpty else { continue }
            var sum = layerSums[metric] ?? (0, [Double](repeating: 0, count: replicates?.rows ?? 0), 0)
            for i in indices { sum.value += statistics[i].stat.value }
            if let replicates {
                for b in 0..<replicates.rows { for i in indices { sum.replicates[b] += replicates[b, i] } }
            }
            sum.count += indices.count
            layerSums[metric] = sum
        }
    }

    /// Closes the current layer after its pair chunks: its layer-scope statistics and every curve's point.
    mutating func finishLayer(layerStatistics: [(String, SentenceStatistic)]) {
        let replicates = design.map { $0.replicate(layerStatistics.map(\.1)) }
        for (offset, entry) in layerStatistics.enumerated() {
            layerValues[entry.0, default: []].append(estimate(offset, entry.1, replicates))
        }
        for metric in curveMetrics + controlCurves {
            guard let sum = layerSums[metric] else { continue }
            var curve = curves[metric] ?? AveragedCurve()
            curve.values.append(sum.value / Double(sum.count))
            if design != nil { curve.replicates.append(sum.replicates.map { $0 / Double(sum.count) }) }
            curves[metric] = curve
        }
        layerSums = [:]
    }

    /// Statistic `index`'s estimate: its value and the percentile interval of its column of `replicates`.
    private func estimate(_ index: Int, _ stat: SentenceStatistic, _ replicates: Matrix<Double>?) -> Estimate {
        guard let replicates else { return Estimate(value: stat.value) }
        let column = (0..<replicates.rows).map { replicates[$0, index] }
        let interval = percentileInterval(column, level: confidence)
        return Estimate(value: stat.value, ciLow: interval.low, ciHigh: interval.high)
    }

    /// The peak of a metric's curve with its layer interval (nil unless every layer had the metric).
    func peak(_ metric: String, layers: [Int]) -> AlignmentPeak? {
        guard let curve = curves[metric], curve.values.count == layers.count else { return nil }
        return alignmentPeak(metric: metric, layers: layers, curve: curve.values,
                             replicates: design == nil ? nil : curve.replicates, level: confidence)
    }

    /// A curve with per-layer percentile intervals (no peak).
    func estimates(_ name: String) -> [Estimate]? {
        guard let curve = curves[name] else { return nil }
        return curve.values.indices.map { l in
            guard design != nil, l < curve.replicates.count else { return Estimate(value: curve.values[l]) }
            let interval = percentileInterval(curve.replicates[l], level: confidence)
            return Estimate(value: curve.values[l], ciLow: interval.low, ciHigh: interval.high)
        }
    }
}
