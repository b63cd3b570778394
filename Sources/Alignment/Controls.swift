// Controls that say what a value means: how much of it surface tokens alone explain (lexical overlap),
// and what it is when nothing is aligned (translations shuffled: the chance level).
import LinearAlgebra

/// The lexical-overlap baseline of one pair: retrieval and cosine on pooled one-hot token vectors.
public struct LexicalBaseline: Codable, Sendable, Equatable {
    public var source: String
    public var target: String
    /// Mean of forward and backward retrieval P@1 on bag-of-token cosines.
    public var retrievalP1: Estimate
    /// Mean cosine of the translations' bags.
    public var cosine: Estimate

    public init(source: String, target: String, retrievalP1: Estimate, cosine: Estimate) {
        self.source = source
        self.target = target
        self.retrievalP1 = retrievalP1
        self.cosine = cosine
    }

    enum CodingKeys: String, CodingKey {
        case source, target, cosine
        case retrievalP1 = "retrieval_p1"
    }
}

/// The shuffled-pairing control: the primary metric with one language's rows permuted (translations
/// no longer aligned), averaged over pairs, per layer.
public struct ShuffledControl: Codable, Sendable, Equatable {
    /// The permutation's seed is `--seed` xor this constant (so it differs from the bootstrap's stream).
    public static let seedOffset: UInt64 = 0x7368_7566_666C_6564   // "shuffled"
    /// Internal series names of the control (never in `pair_metrics`).
    static let seriesPrefix = "shuffled:"

    public var metric: String
    /// Seed of the permutation (a derangement of the sentences, `derangement(_:seed:)`).
    public var permutationSeed: UInt64
    /// The pair-averaged metric per layer on shuffled pairs, with bootstrap intervals.
    public var curve: [Estimate]
    /// Per pair, per layer.
    public var pairs: [PairMetricSeries]?

    public init(metric: String, permutationSeed: UInt64, curve: [Estimate], pairs: [PairMetricSeries]? = nil) {
        self.metric = metric
        self.permutationSeed = permutationSeed
        self.curve = curve
        self.pairs = pairs
    }

    enum CodingKeys: String, CodingKey {
        case metric, curve, pairs
        case permutationSeed = "permutation_seed"
    }
}

/// Both controls of a run.
public struct AlignmentControls: Codable, Sendable, Equatable {
    /// Per pair (nil when the source has no token ids, e.g. vectors given in memory).
    public var lexicalOverlap: [LexicalBaseline]?
    /// The pair means of the lexical baseline, with intervals.
    public var lexicalOverlapMean: LexicalBaseline?
    public var shuffled: ShuffledControl?

    public init(lexicalOverlap: [LexicalBaseline]?, lexicalOverlapMean: LexicalBaseline?, shuffled: ShuffledControl?) {
        self.lexicalOverlap = lexicalOverlap
        self.lexicalOverlapMean = lexicalOverlapMean
        self.shuffled = shuffled
    }

    enum CodingKeys: String, CodingKey {
        case shuffled
        case lexicalOverlap = "lexical_overlap"
        case lexicalOverlapMean = "lexical_overlap_mean"
    }
}

/// A uniformly random permutation of 0..<n (Fisher–Yates with SplitMix64) that moves every element
/// when n ≥ 2 (Sattolo's variant: one n-cycle), so no translation stays paired with itself.
public func derangement(_ n: Int, seed: UInt64) -> [Int] {
    var p = Array(0..<n)
    var rng = SplitMix64(seed: seed)
    var i = n - 1
    while i > 0 {
        let j = rng.uniform(below: i)   // j < i: Sattolo
        p.swapAt(i, j)
        i -= 1
    }
    return p
}

/// Rows and columns of a square matrix permuted: out[i, j] = a[π[i], π[j]].
func permutedSymmetric(_ a: Matrix<Double>, _ pi: [Int]) -> Matrix<Double> {
    let n = a.rows
    var out = Matrix<Double>(rows: n, cols: n)
    for i in 0..<n { for j in 0..<n { out.storage[i * n + j] = a.storage[pi[i] * n + pi[j]] } }
    return out
}

/// Columns permuted: out[i, j] = a[i, π[j]].
func permutedColumns(_ a: Matrix<Double>, _ pi: [Int]) -> Matrix<Double> {
    let n = a.rows, m = a.cols
    var out = Matrix<Double>(rows: n, cols: m)
    for i in 0..<n { for j in 0..<m { out.storage[i * m + j] = a.storage[i * m + pi[j]] } }
    return out
}
