// Collects each layer's statistics as the analysis walks the layers: point values, bootstrap
// intervals (all statistics of a layer resampled together) and the pair-averaged primary curve with
// its replicates, from which the peak and its layer interval follow.
import LinearAlgebra

/// A series' identity within a layer.
struct SeriesKey: Hashable {
    var metric: String
    var source: String
    var target: String
}

/// The bootstrap side of an analysis, one layer at a time.
struct BootstrapAccumulator {
    let design: BootstrapDesign?
    let confidence: Double
    /// The series name whose pair average is the peak curve.
    let primary: String

    private(set) var pairValues: [SeriesKey: [Estimate]] = [:]
    private(set) var layerValues: [String: [Estimate]] = [:]
    /// The pair-averaged primary metric per layer, and per layer its B replicates.
    private(set) var curve: [Double] = []
    private(set) var curveReplicates: [[Double]] = []

    init(design: BootstrapDesign?, confidence: Double, primary: String) {
        self.design = design
        self.confidence = confidence
        self.primary = primary
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
        for (index, entry) in statistics.enumerated() { pairValues[entry.key, default: []].append(estimate(index, entry.stat)) }
        for (offset, entry) in layerStatistics.enumerated() {
            layerValues[entry.0, default: []].append(estimate(statistics.count + offset, entry.1))
        }
        let primaryIndices = statistics.indices.filter { statistics[$0].key.metric == primary }
        if !primaryIndices.isEmpty {
            curve.append(primaryIndices.reduce(0) { $0 + statistics[$1].stat.value } / Double(primaryIndices.count))
            if let replicates {
                curveReplicates.append((0..<replicates.rows).map { b in
                    primaryIndices.reduce(0) { $0 + replicates[b, $1] } / Double(primaryIndices.count)
                })
            }
        }
    }

    /// The peak of the primary curve with its layer interval (nil unless every layer had the primary).
    func peak(layers: [Int]) -> AlignmentPeak? {
        guard curve.count == layers.count else { return nil }
        return alignmentPeak(metric: primary, layers: layers, curve: curve,
                             replicates: design == nil ? nil : curveReplicates, level: confidence)
    }
}
