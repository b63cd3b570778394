// A statistic together with what the bootstrap needs to resample it cheaply.

/// A value θ with per-sentence pseudo-values v: the bootstrap replicate for resample counts c is
/// Σᵢ cᵢ·vᵢ / N. For a mean of per-sentence quantities the pseudo-values are those quantities and the
/// replicate is exact. For other statistics they come from the first-order expansion in sentence
/// counts, θ(c) ≈ θ + Σᵢ (cᵢ − 1)·∂θ/∂cᵢ (the infinitesimal jackknife, Efron 1982 §6), so that
/// vᵢ = θ + N·(gᵢ − ḡ) with gᵢ = ∂θ/∂cᵢ at c = 1.
public struct SentenceStatistic: Sendable, Equatable {
    public var value: Double
    public var pseudoValues: [Double]

    public init(value: Double, pseudoValues: [Double]) {
        self.value = value
        self.pseudoValues = pseudoValues
    }

    /// The mean of per-sentence quantities `q` (resampled exactly).
    public init(perSentence q: [Double]) {
        self.value = q.isEmpty ? 0 : q.reduce(0, +) / Double(q.count)
        self.pseudoValues = q
    }

    /// θ with its gradient in sentence counts, g = ∂θ/∂c at c = 1.
    public init(value: Double, countGradient g: [Double]) {
        let n = Double(g.count)
        let mean = g.isEmpty ? 0 : g.reduce(0, +) / n
        self.value = value
        self.pseudoValues = g.map { value + n * ($0 - mean) }
    }

    /// A statistic that is identically `value` (degenerate input); every replicate equals it.
    public static func constant(_ value: Double, count: Int) -> SentenceStatistic {
        SentenceStatistic(value: value, pseudoValues: Array(repeating: value, count: count))
    }

    /// The mean of two statistics over the same sentences (e.g. forward and backward retrieval).
    public static func average(_ a: SentenceStatistic, _ b: SentenceStatistic) -> SentenceStatistic {
        SentenceStatistic(value: (a.value + b.value) / 2,
                          pseudoValues: zip(a.pseudoValues, b.pseudoValues).map { ($0 + $1) / 2 })
    }
}
