// Representation normalisation before every measure: LLM residual streams are anisotropic (Ethayarajh
// 2019) and a few "rogue" dimensions can dominate cosine similarity (Timkey & van Schijndel 2021);
// removing the common mean and the top principal directions restores isotropy (Mu & Viswanath 2018).
import LinearAlgebra

/// How sentence vectors are transformed, per layer, before any measure (`--normalize`).
public enum Normalization: Sendable, Equatable, Hashable {
    /// The vectors as traced.
    case none
    /// Each language's own mean vector removed (x − μ_l).
    case center
    /// Per-dimension z-score over all languages' vectors of the layer: (x − μ)/σ, μ and σ per dimension
    /// over the L·N stacked vectors (a constant dimension becomes 0).
    case standardize
    /// "All-but-the-top" (Mu & Viswanath 2018): the common mean μ removed, then the top `k` principal
    /// directions of all languages' stacked vectors projected out.
    case allButTop(Int)

    /// `none`, `center`, `standardize` or `all-but-top:K` (K ≥ 1).
    public init?(argument: String) {
        switch argument {
        case "none": self = .none
        case "center": self = .center
        case "standardize": self = .standardize
        default:
            let prefix = "all-but-top:"
            guard argument.hasPrefix(prefix), let k = Int(argument.dropFirst(prefix.count)), k >= 1 else { return nil }
            self = .allButTop(k)
        }
    }

    /// The spelling `init(argument:)` reads.
    public var argument: String {
        switch self {
        case .none: return "none"
        case .center: return "center"
        case .standardize: return "standardize"
        case let .allButTop(k): return "all-but-top:\(k)"
        }
    }

    public static let choices = "none, center, standardize, all-but-top:K"

    /// A sentence describing the transformation (alignment.json `definitions`).
    public var definition: String {
        switch self {
        case .none: return "sentence vectors as traced (no normalisation)"
        case .center: return "each language's mean vector subtracted from its sentence vectors (per layer)"
        case .standardize: return "each dimension z-scored over all languages' sentence vectors of the layer, (x − μ)/σ (a constant dimension becomes 0)"
        case let .allButTop(k): return "the mean of all languages' sentence vectors subtracted and the top \(k) principal direction(s) of the stacked vectors projected out, per layer (Mu & Viswanath 2018)"
        }
    }
}

extension Normalization: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Normalization(argument: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown normalisation '\(text)'"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(argument)
    }
}

extension Normalization {
    /// The languages' vectors of one layer after the transformation (same order).
    func apply(_ languages: [LanguageVectors]) throws -> [LanguageVectors] {
        guard let first = languages.first else { return languages }
        let d = first.dimension
        switch self {
        case .none:
            return languages
        case .center:
            return languages.map { LanguageVectors(centered: $0.centered, mean: [Double](repeating: 0, count: d), centeredGram: $0.centeredGram) }
        case .standardize:
            let scaling = StandardizeScaling(means: languages.map(\.mean), squares: languages.map { $0.columnSquares },
                                             counts: languages.map(\.count))
            return languages.map { scaling.apply($0.centered, mean: $0.mean) }
        case let .allButTop(k):
            let grand = grandMean(languages)
            let axes = try principalComponents(languages, components: k).axes   // k × d, of the stacked grand-centered vectors
            return languages.map { lang in
                let delta = (0..<d).map { lang.mean[$0] - grand[$0] }
                var centered = lang.centered
                if axes.rows > 0 {
                    let coordinates = matmul(centered, axes, transB: .transposed)       // N × k
                    centered = subtracting(centered, matmul(coordinates, axes))
                }
                var mean = delta
                if axes.rows > 0 {
                    let m = matmul(Matrix(rows: 1, cols: d, storage: delta), axes, transB: .transposed)
                    mean = subtracting(Matrix(rows: 1, cols: d, storage: delta), matmul(m, axes)).storage
                }
                return LanguageVectors(centered: centered, mean: mean, centeredGram: gram(centered))
            }
        }
    }
}

/// What `standardize` needs of a layer's languages: the grand mean μ and 1/σ per dimension, σ² = Σ_l
/// (Σᵢ x_c,ij² + N_l (μ_l,j − μ_j)²) / Σ_l N_l, from per-language sufficient statistics (means and column
/// sums of squares of the centered rows) summed in language order — so a streamed layer (one language at a
/// time) gets the same bits as one held in memory.
struct StandardizeScaling: Sendable {
    var grand: [Double]
    var inverse: [Double]

    init(means: [[Double]], squares: [[Double]], counts: [Int]) {
        let d = means.first?.count ?? 0
        var grand = [Double](repeating: 0, count: d)
        for mean in means { for j in 0..<d { grand[j] += mean[j] / Double(means.count) } }
        var variance = [Double](repeating: 0, count: d)
        for (l, mean) in means.enumerated() {
            for j in 0..<d {
                let delta = mean[j] - grand[j]
                variance[j] += squares[l][j] + Double(counts[l]) * delta * delta
            }
        }
        let total = Double(counts.reduce(0, +))
        self.grand = grand
        self.inverse = variance.map { v -> Double in
            let sd = (v / total).squareRoot()
            return sd > 0 && sd.isFinite ? 1 / sd : 0
        }
    }

    /// The language's mean after the transformation, (μ_l − μ)/σ.
    func mean(_ mean: [Double]) -> [Double] { (0..<mean.count).map { (mean[$0] - grand[$0]) * inverse[$0] } }

    /// The language's centered rows scaled by 1/σ (its own mean is still removed).
    func centered(_ centered: Matrix<Double>) -> Matrix<Double> {
        var scaled = centered
        scaleColumns(&scaled, inverse)
        return scaled
    }

    func apply(_ centered: Matrix<Double>, mean: [Double]) -> LanguageVectors {
        let scaled = self.centered(centered)
        return LanguageVectors(centered: scaled, mean: self.mean(mean), centeredGram: gram(scaled))
    }
}

/// The mean of the languages' means (every language has the same sentences): the grand mean.
func grandMean(_ languages: [LanguageVectors]) -> [Double] {
    guard let d = languages.first?.dimension else { return [] }
    var grand = [Double](repeating: 0, count: d)
    for lang in languages { for j in 0..<d { grand[j] += lang.mean[j] / Double(languages.count) } }
    return grand
}

/// Σᵢ aᵢⱼ² per column.
func columnSumsOfSquares(_ a: Matrix<Double>) -> [Double] {
    let n = a.rows, d = a.cols
    var out = [Double](repeating: 0, count: d)
    a.storage.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { o in
            for i in 0..<n { for j in 0..<d { o[j] += p[i * d + j] * p[i * d + j] } }
        }
    }
    return out
}

func scaleColumns(_ a: inout Matrix<Double>, _ factors: [Double]) {
    let n = a.rows, d = a.cols
    a.storage.withUnsafeMutableBufferPointer { p in
        for i in 0..<n { for j in 0..<d { p[i * d + j] *= factors[j] } }
    }
}

func subtracting(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
    Matrix(rows: a.rows, cols: a.cols, storage: zip(a.storage, b.storage).map { $0 - $1 })
}

extension Normalization: CustomStringConvertible {
    public var description: String { argument }
}

extension Normalization {
    /// The default of `--normalize` (docs/alignment.md gives the evidence): each language's mean removed.
    public static let defaultChoice = Normalization.center
}
