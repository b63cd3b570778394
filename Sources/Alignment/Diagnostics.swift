// Is one dimension running the show? Per-layer anisotropy diagnostics of the raw (un-normalised)
// sentence vectors: rogue dimensions (Timkey & van Schijndel 2021, "All Bark and No Bite") make the raw
// cosine a function of one coordinate, so cosine-based measures then report that coordinate, not meaning.
import LinearAlgebra

/// One dimension's share of the layer's energy and variance.
public struct OutlierDimension: Codable, Sendable, Equatable {
    public var dimension: Int
    /// Σ x_j² / Σ ‖x‖² over all languages' sentence vectors (what drives the raw cosine).
    public var energyShare: Double
    /// Σ (x_j − μ_j)² / Σ ‖x − μ‖², μ the grand mean (what drives centered measures and PCA).
    public var varianceShare: Double

    public init(dimension: Int, energyShare: Double, varianceShare: Double) {
        self.dimension = dimension
        self.energyShare = energyShare
        self.varianceShare = varianceShare
    }

    enum CodingKeys: String, CodingKey {
        case dimension
        case energyShare = "energy_share"
        case varianceShare = "variance_share"
    }
}

/// Anisotropy of one layer's raw vectors (all languages stacked).
public struct LayerDiagnostics: Codable, Sendable, Equatable {
    public var layer: Int
    /// The three dimensions with the largest energy share, largest first.
    public var outlierDimensions: [OutlierDimension]
    /// The largest variance share of any single dimension.
    public var topVarianceShare: Double
    /// Share of the variance on the first principal component (nil when not computed).
    public var pc1VarianceShare: Double?

    public init(layer: Int, outlierDimensions: [OutlierDimension], topVarianceShare: Double, pc1VarianceShare: Double?) {
        self.layer = layer
        self.outlierDimensions = outlierDimensions
        self.topVarianceShare = topVarianceShare
        self.pc1VarianceShare = pc1VarianceShare
    }

    /// The energy share of the top dimension (0 for an empty layer).
    public var topEnergyShare: Double { outlierDimensions.first?.energyShare ?? 0 }

    enum CodingKeys: String, CodingKey {
        case layer
        case outlierDimensions = "outlier_dimensions"
        case topVarianceShare = "top_variance_share"
        case pc1VarianceShare = "pc1_variance_share"
    }
}

public enum AnisotropyDiagnostics {
    /// A layer whose top dimension carries more than this share of the energy (Σ x_j² / Σ ‖x‖²) gets a
    /// warning: the raw cosine of two such vectors is then mostly the product of that one coordinate.
    public static let dominanceThreshold = 0.5

    /// Energy and variance shares per dimension and the top-3 outliers of the raw vectors of one layer.
    /// One language per `workers` thread: each column sum runs over the rows in order whichever thread runs it.
    static func measure(layer: Int, _ languages: [LanguageVectors], pc1VarianceShare: Double?, workers: Int) throws -> LayerDiagnostics {
        let squares = try parallelMap(languages.count, workers: workers) { languages[$0].columnSquares }
        return measure(layer: layer, means: languages.map(\.mean), squares: squares,
                       counts: languages.map(\.count), pc1VarianceShare: pc1VarianceShare)
    }

    /// The same from per-language sufficient statistics (means μ_l, column sums of squares Σᵢ x_c,ij² of the
    /// centered rows, row counts), summed in language order: energy_j = Σ_l (Σᵢ x_c,ij² + N_l μ_l,j²),
    /// variance_j = Σ_l (Σᵢ x_c,ij² + N_l (μ_l,j − μ_j)²). What a streamed layer keeps of each language.
    static func measure(layer: Int, means: [[Double]], squares: [[Double]], counts: [Int], pc1VarianceShare: Double?) -> LayerDiagnostics {
        guard let d = means.first?.count, d > 0 else {
            return LayerDiagnostics(layer: layer, outlierDimensions: [], topVarianceShare: 0, pc1VarianceShare: pc1VarianceShare)
        }
        var grand = [Double](repeating: 0, count: d)
        for mean in means { for j in 0..<d { grand[j] += mean[j] / Double(means.count) } }
        var energy = [Double](repeating: 0, count: d), variance = [Double](repeating: 0, count: d)
        for (l, mean) in means.enumerated() {
            let n = Double(counts[l])
            for j in 0..<d {
                let delta = mean[j] - grand[j]
                energy[j] += squares[l][j] + n * mean[j] * mean[j]
                variance[j] += squares[l][j] + n * delta * delta
            }
        }
        let totalEnergy = energy.reduce(0, +), totalVariance = variance.reduce(0, +)
        func share(_ v: Double, _ total: Double) -> Double { total > 0 ? v / total : 0 }
        let ranked = (0..<d).sorted { energy[$0] > energy[$1] || (energy[$0] == energy[$1] && $0 < $1) }
        let outliers = ranked.prefix(3).map {
            OutlierDimension(dimension: $0, energyShare: share(energy[$0], totalEnergy), varianceShare: share(variance[$0], totalVariance))
        }
        return LayerDiagnostics(layer: layer, outlierDimensions: outliers,
                                topVarianceShare: share(variance.max() ?? 0, totalVariance), pc1VarianceShare: pc1VarianceShare)
    }

    /// One warning per dominating dimension: the layers where its energy share exceeds the threshold.
    public static func warnings(_ diagnostics: [LayerDiagnostics], normalization: Normalization) -> [String] {
        var layersByDimension: [Int: [(layer: Int, share: Double)]] = [:]
        for entry in diagnostics where entry.topEnergyShare > dominanceThreshold {
            if let top = entry.outlierDimensions.first { layersByDimension[top.dimension, default: []].append((entry.layer, top.energyShare)) }
        }
        return layersByDimension.keys.sorted().map { dimension in
            let entries = layersByDimension[dimension] ?? []
            let peak = entries.max { $0.share < $1.share }
            let span = ranges(entries.map(\.layer))
            let percent = String(format: "%.1f", (peak?.share ?? 0) * 100)
            let varianceToo = diagnostics.contains { $0.outlierDimensions.first?.dimension == dimension && $0.outlierDimensions[0].varianceShare > dominanceThreshold }
            var consequence = normalization == .none
                ? "the raw-cosine metrics (cosine, cosine_margin, retrieval_p1, mutual_knn) are dominated by it; consider --normalize"
                : "raw-cosine metrics would be dominated by it (measured here after --normalize \(normalization.argument))"
            if varianceToo { consequence += "; it also carries more than half of the variance, which centering keeps: standardize or all-but-top:K remove it" }
            return "dimension \(dimension) carries more than \(Int(dominanceThreshold * 100)) % of the squared norm of the sentence vectors at layers \(span) (up to \(percent) % at layer \(peak?.layer ?? 0)): \(consequence)"
        }
    }

    /// "1–4, 7, 9–12".
    static func ranges(_ layers: [Int]) -> String {
        var parts: [String] = []
        var start: Int?, previous: Int?
        for layer in layers.sorted() {
            if let p = previous, layer == p + 1 { previous = layer; continue }
            if let s = start, let p = previous { parts.append(s == p ? "\(s)" : "\(s)–\(p)") }
            start = layer
            previous = layer
        }
        if let s = start, let p = previous { parts.append(s == p ? "\(s)" : "\(s)–\(p)") }
        return parts.joined(separator: ", ")
    }
}
