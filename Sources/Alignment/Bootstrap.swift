// Sentence resampling for percentile intervals (Efron & Tibshirani 1993, ch. 13), with a deterministic RNG.
import Foundation
import LinearAlgebra

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit state advanced by the golden-ratio increment and
/// finalised by two xor-shift-multiply rounds. Same seed → same stream on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<bound by Lemire's multiply-shift with rejection (unbiased).
    public mutating func uniform(below bound: Int) -> Int {
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// A standard normal deviate (Box–Muller), for random projections.
    public mutating func normal() -> Double {
        let u1 = (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992.0
        let u2 = Double(next() >> 11) / 9_007_199_254_740_992.0
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// The bootstrap design: B resamples of N sentences, shared by every language, pair and layer so that
/// per-layer values and the peak layer are resampled jointly. Stored as counts cᵦᵢ (how often sentence
/// i is drawn in replicate b; Σᵢ cᵦᵢ = N), so a replicate of a statistic with pseudo-values v is
/// (C·v)ᵦ / N — one dgemm for all statistics of a layer.
public struct BootstrapDesign: Sendable {
    public let replicates: Int
    public let sentences: Int
    /// B × N counts.
    public let counts: Matrix<Double>

    public init(replicates: Int, sentences: Int, seed: UInt64) {
        self.replicates = replicates
        self.sentences = sentences
        var c = Matrix<Double>(rows: replicates, cols: sentences)
        var rng = SplitMix64(seed: seed)
        if sentences > 0 {
            for b in 0..<replicates {
                for _ in 0..<sentences { c.storage[b * sentences + rng.uniform(below: sentences)] += 1 }
            }
        }
        self.counts = c
    }

    /// Replicates of many statistics at once: column s of the result (B × S) holds statistic s.
    public func replicate(_ statistics: [SentenceStatistic]) -> Matrix<Double> {
        let s = statistics.count
        guard s > 0, replicates > 0 else { return Matrix(rows: replicates, cols: s) }
        var v = Matrix<Double>(rows: sentences, cols: s)
        for (j, stat) in statistics.enumerated() {
            for i in 0..<sentences { v.storage[i * s + j] = stat.pseudoValues[i] }
        }
        return matmul(counts, v, alpha: 1 / Double(sentences))
    }
}

/// The percentile interval [q_(1−level)/2, q_(1+level)/2] of `values` with linear interpolation
/// between order statistics (NumPy's default `percentile`).
public func percentileInterval(_ values: [Double], level: Double = 0.95) -> (low: Double, high: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let sorted = values.sorted()
    func quantile(_ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
    return (quantile((1 - level) / 2), quantile((1 + level) / 2))
}
