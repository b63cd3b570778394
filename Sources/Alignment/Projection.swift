// Per-layer PCA of all languages' sentence vectors, by thin SVD (Eckart–Young: the top right singular
// vectors of the centered data are the principal axes; σ²/‖Z‖²_F is each one's explained variance).
import LinearAlgebra

/// The first principal components of one layer.
public struct LayerProjection: Sendable {
    /// Share of the total variance on each component.
    public var explainedVarianceRatio: [Double]
    /// Per language (input order): N × k coordinates zᵢ·vₖ of the centered vectors.
    public var coordinates: [Matrix<Double>]
    /// k × d: the principal axes (rows, unit length, sign fixed as documented).
    public var axes: Matrix<Double>
}

/// Centered PCA of the stacked vectors of all languages, Z = [X_l − 1μᵀ] with μ the grand mean (rows
/// x_c + (μ_l − μ) per language). Each component's sign is fixed so that its largest-magnitude loading
/// is positive, so runs and layers compare. When min(rows, d) ≤ `exactLimit`, Z is decomposed directly
/// by thin SVD; otherwise by randomized subspace iteration (Halko, Martinsson & Tropp 2011, alg. 4.4:
/// Gaussian test matrix from a fixed seed, k + `oversampling` columns, `powerIterations` passes, products in
/// Float since they only locate the subspace) followed by the thin SVD of the small projected matrix
/// QᵀZ and the coordinates, both in Double.
public func principalComponents(_ languages: [LanguageVectors], components k: Int, exactLimit: Int = 256,
                                powerIterations: Int = 2, oversampling: Int = 10) throws -> LayerProjection {
    guard let first = languages.first else { throw AlignmentError.invalidSetting("PCA needs at least one language") }
    let n = first.count, d = first.dimension, m = n * languages.count
    guard languages.allSatisfy({ $0.count == n && $0.dimension == d }) else {
        throw AlignmentError.shapeMismatch("PCA needs the same sentences and dimension in every language")
    }
    let kk = min(k, m, d)
    var grand = [Double](repeating: 0, count: d)
    for lang in languages { for j in 0..<d { grand[j] += lang.mean[j] / Double(languages.count) } }
    let deltas = languages.map { lang in (0..<d).map { lang.mean[$0] - grand[$0] } }
    var total = 0.0
    for (lang, delta) in zip(languages, deltas) {
        for i in 0..<n { total += lang.centeredGram[i, i] }
        total += Double(n) * dot(delta, delta)
    }
    guard kk > 0, total > 0 else {
        return LayerProjection(explainedVarianceRatio: Array(repeating: 0, count: max(kk, 0)),
                               coordinates: languages.map { _ in Matrix(rows: n, cols: max(kk, 0)) },
                               axes: Matrix(rows: 0, cols: d))
    }

    // Z·M and Zᵀ·Y without stacking Z; with `rounded` the block products use Float copies (sgemm,
    // half the memory traffic) — enough to find the subspace, never used for reported numbers.
    var roundedBlocks: [Matrix<Float>] = []
    func zTimes(_ mtx: Matrix<Double>, rounded: Bool = false) -> Matrix<Double> {
        var out = Matrix<Double>(rows: m, cols: mtx.cols)
        let mtxFloat = rounded ? mtx.asFloat : Matrix<Float>(rows: 0, cols: 0)
        for (l, lang) in languages.enumerated() {
            let block = rounded ? matmul(roundedBlocks[l], mtxFloat).asDouble : matmul(lang.centered, mtx)
            let shift = matmul(Matrix(rows: 1, cols: d, storage: deltas[l]), mtx).storage
            for i in 0..<n { for j in 0..<mtx.cols { out[l * n + i, j] = block[i, j] + shift[j] } }
        }
        return out
    }
    func zTransposeTimes(_ y: Matrix<Double>, rounded: Bool = false) -> Matrix<Double> {
        var out = Matrix<Double>(rows: d, cols: y.cols)
        for (l, lang) in languages.enumerated() {
            let block = y.rows(l * n..<(l + 1) * n)
            let product = rounded ? matmul(roundedBlocks[l], block.asFloat, transA: .transposed).asDouble
                                  : matmul(lang.centered, block, transA: .transposed)
            let sums = (0..<y.cols).map { j in (0..<n).reduce(0) { $0 + block[$1, j] } }
            for a in 0..<d { for j in 0..<y.cols { out[a, j] += product[a, j] + deltas[l][a] * sums[j] } }
        }
        return out
    }
    func orthonormalBasis(_ a: Matrix<Double>) throws -> Matrix<Double> {
        do { return try svd(a).u } catch { throw AlignmentError.numerical("PCA: \(error.localizedDescription)") }
    }

    var axes: Matrix<Double>            // kk × d, rows = principal axes
    var singular: [Double]
    if min(m, d) <= exactLimit {
        var z = Matrix<Double>(rows: m, cols: d)
        for (l, lang) in languages.enumerated() {
            for i in 0..<n { for j in 0..<d { z[l * n + i, j] = lang.centered[i, j] + deltas[l][j] } }
        }
        let decomposition: SVD<Double>
        do { decomposition = try svd(z) } catch { throw AlignmentError.numerical("PCA: \(error.localizedDescription)") }
        axes = decomposition.vt.rows(0..<kk)
        singular = Array(decomposition.singularValues.prefix(kk))
    } else {
        let width = min(kk + max(oversampling, 1), m, d)
        var rng = SplitMix64(seed: 0x5043_4131)   // fixed: the projection must not depend on --seed
        let omega = Matrix(rows: d, cols: width, storage: (0..<(d * width)).map { _ in rng.normal() })
        roundedBlocks = languages.map { $0.centered.asFloat }
        var q = try orthonormalBasis(zTimes(omega, rounded: true))
        for _ in 0..<powerIterations {
            let w = try orthonormalBasis(zTransposeTimes(q, rounded: true))
            q = try orthonormalBasis(zTimes(w, rounded: true))
        }
        roundedBlocks = []
        let b = zTransposeTimes(q).transposed   // width × d = QᵀZ, in Double
        let decomposition: SVD<Double>
        do { decomposition = try svd(b) } catch { throw AlignmentError.numerical("PCA: \(error.localizedDescription)") }
        axes = decomposition.vt.rows(0..<kk)
        singular = Array(decomposition.singularValues.prefix(kk))
    }
    for c in 0..<kk {
        var largest = 0
        for j in 0..<d where abs(axes[c, j]) > abs(axes[c, largest]) { largest = j }
        if axes[c, largest] < 0 { for j in 0..<d { axes[c, j] = -axes[c, j] } }
    }
    let projected = zTimes(axes.transposed)
    let coordinates = (0..<languages.count).map { projected.rows($0 * n..<($0 + 1) * n) }
    return LayerProjection(explainedVarianceRatio: singular.map { $0 * $0 / total }, coordinates: coordinates, axes: axes)
}
