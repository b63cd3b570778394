// The alignment peak: where the pair-averaged primary metric is largest, and how sure we are of it.

/// The peak of `curve` (pair-averaged primary metric per layer; the first maximum on ties) with the
/// percentile interval of the peak layer over bootstrap replicates: `replicates[l][b]` is the curve at
/// layer l in replicate b, and each replicate's peak is its own argmax. The layer interval uses the
/// nearest order statistics outward (so its ends are layers), at `level` (0.95).
public func alignmentPeak(metric: String, layers: [Int], curve: [Double], replicates: [[Double]]?,
                          level: Double = 0.95) -> AlignmentPeak? {
    guard !curve.isEmpty, curve.count == layers.count else { return nil }
    let peakIndex = argmax(curve)
    guard let replicates, let b = replicates.first?.count, b > 0, replicates.count == curve.count else {
        return AlignmentPeak(metric: metric, layer: layers[peakIndex], value: curve[peakIndex], layerCILow: nil,
                             layerCIHigh: nil, layerFrequency: [], curve: curve.map { Estimate(value: $0) })
    }
    var peaks = [Int](repeating: 0, count: b)
    var hits = [Int](repeating: 0, count: layers.count)
    for r in 0..<b {
        let index = argmax((0..<layers.count).map { replicates[$0][r] })
        peaks[r] = layers[index]
        hits[index] += 1
    }
    let frequency = hits.map { Double($0) / Double(b) }
    peaks.sort()
    let lowRank = Int((((1 - level) / 2) * Double(b - 1)).rounded(.down))
    let highRank = Int((((1 + level) / 2) * Double(b - 1)).rounded(.up))
    let estimates = curve.indices.map { l -> Estimate in
        let interval = percentileInterval(replicates[l], level: level)
        return Estimate(value: curve[l], ciLow: interval.low, ciHigh: interval.high)
    }
    return AlignmentPeak(metric: metric, layer: layers[peakIndex], value: curve[peakIndex],
                         layerCILow: peaks[lowRank], layerCIHigh: peaks[min(highRank, b - 1)],
                         layerFrequency: frequency, curve: estimates)
}

/// Index of the first maximum.
func argmax(_ values: [Double]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}
