// Per-layer PCA of all languages' sentence vectors, by thin SVD (Eckart–Young: the top right singular
// vectors of the centered data are the principal axes; σ²/‖Z‖²_F is each one's explained variance).
import Foundation
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
    guard languages.first != nil else { throw AlignmentError.invalidSetting("PCA needs at least one language") }
    let request = PCARequest(means: languages.map(\.mean), components: k, oversampling: oversampling)
    return try principalComponents(PCABlocks(languages), [request], exactLimit: exactLimit, powerIterations: powerIterations)[0]
}

/// Where a PCA gets each language's centered rows X_c (N × d, language order) and their squared norms:
/// held in memory (`PCABlocks`), or re-read from the source for every pass (`StreamedPCABlocks`,
/// LayerMeasurement+Streaming.swift) so that only one language's rows are resident at a time.
protocol PCABlockSource {
    var count: Int { get }
    var sentences: Int { get }
    var dimension: Int { get }
    var centeredNormsSquared: [[Double]] { get }
    /// X_c of language l in Double.
    func centered(_ l: Int) throws -> Matrix<Double>
    /// X_c of language l rounded to Float (the randomized iterations' products).
    func rounded(_ l: Int) throws -> Matrix<Float>
    /// Called once before the first `rounded` (the in-memory blocks make their Float copies then).
    mutating func prepareRounded() throws
}

/// The centered rows X_c of every language shared by several PCAs, with the Gram diagonals (‖x_c‖²) and,
/// made once, the Float copies the randomized iterations multiply with.
struct PCABlocks: PCABlockSource {
    var centered: [Matrix<Double>]
    var centeredNormsSquared: [[Double]]
    private(set) var rounded: [Matrix<Float>]?
    /// Threads for the Float copies (the analysis's `--threads`).
    let workers: Int

    init(_ languages: [LanguageVectors], workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        centered = languages.map(\.centered)
        centeredNormsSquared = languages.map(\.centeredNormsSquared)
        self.workers = workers
    }

    /// One language per worker (each conversion is the same elementwise rounding whichever thread runs it).
    mutating func prepareRounded() throws {
        guard rounded == nil else { return }
        let blocks = centered
        rounded = try parallelMap(blocks.count, workers: workers) { blocks[$0].asFloat }
    }

    var count: Int { centered.count }
    var sentences: Int { centered.first?.rows ?? 0 }
    var dimension: Int { centered.first?.cols ?? 0 }
    func centered(_ l: Int) throws -> Matrix<Double> { centered[l] }
    func rounded(_ l: Int) throws -> Matrix<Float> { rounded?[l] ?? centered[l].asFloat }
}

/// One PCA over `PCABlocks`: language l's rows are x_c + (μ_l − μ), μ the mean of `means`.
struct PCARequest {
    var means: [[Double]]
    var components: Int
    var oversampling: Int
}

/// Several PCAs of the same centered blocks (differing in their language means, e.g. normalised and raw
/// vectors) computed together: the randomized passes multiply each block once by every request's
/// matrices side by side, so the data are read once per pass whatever the number of requests. Each
/// request's result is what it would be alone (its own seed-fixed test matrix, its own iterations).
func principalComponents<Blocks: PCABlockSource>(_ shared: Blocks, _ requests: [PCARequest], exactLimit: Int = 256,
                                                 powerIterations: Int = 2) throws -> [LayerProjection] {
    var blocks = shared
    guard blocks.count > 0 else { throw AlignmentError.invalidSetting("PCA needs at least one language") }
    let count = blocks.count
    let n = blocks.sentences, d = blocks.dimension, m = n * count
    if let resident = blocks as? PCABlocks, !resident.centered.allSatisfy({ $0.rows == n && $0.cols == d }) {
        throw AlignmentError.shapeMismatch("PCA needs the same sentences and dimension in every language")
    }
    guard requests.allSatisfy({ $0.means.count == count }) else {
        throw AlignmentError.shapeMismatch("PCA needs the same sentences and dimension in every language")
    }
    var results = [LayerProjection?](repeating: nil, count: requests.count)
    var deltas: [[[Double]]] = [], totals: [Double] = [], active: [Int] = []
    for (r, request) in requests.enumerated() {
        let kk = min(request.components, m, d)
        var grand = [Double](repeating: 0, count: d)
        for mean in request.means { for j in 0..<d { grand[j] += mean[j] / Double(count) } }
        let delta = request.means.map { mean in (0..<d).map { mean[$0] - grand[$0] } }
        var total = 0.0
        for (norms, dl) in zip(blocks.centeredNormsSquared, delta) {
            for i in 0..<n { total += norms[i] }
            total += Double(n) * dot(dl, dl)
        }
        deltas.append(delta)
        totals.append(total)
        if kk > 0, total > 0 {
            active.append(r)
        } else {
            results[r] = LayerProjection(explainedVarianceRatio: Array(repeating: 0, count: max(kk, 0)),
                                         coordinates: (0..<count).map { _ in Matrix(rows: n, cols: max(kk, 0)) },
                                         axes: Matrix(rows: 0, cols: d))
        }
    }
    guard !active.isEmpty else { return results.map { $0! } }

    // Z_r·M_r and Z_rᵀ·Y_r for every active request r at once, without stacking Z: each block multiplies
    // the requests' matrices side by side. With `rounded` the block products use the Float copies (sgemm,
    // half the memory traffic) — enough to find the subspace, never used for reported numbers.
    func zTimes(_ mtx: [Matrix<Double>], rounded: Bool = false) throws -> [Matrix<Double>] {
        var out = mtx.map { Matrix<Double>(rows: m, cols: $0.cols) }
        let joined = sideBySide(mtx)
        let joinedFloat = rounded ? joined.asFloat : Matrix<Float>(rows: 0, cols: 0)
        for l in 0..<count {
            let product = rounded ? matmul(try blocks.rounded(l), joinedFloat).asDouble : matmul(try blocks.centered(l), joined)
            var offset = 0
            for (a, r) in active.enumerated() {
                let cols = mtx[a].cols
                let shift = matmul(Matrix(rows: 1, cols: d, storage: deltas[r][l]), mtx[a]).storage
                out[a].storage.withUnsafeMutableBufferPointer { o in
                    product.storage.withUnsafeBufferPointer { p in
                        for i in 0..<n { for j in 0..<cols { o[(l * n + i) * cols + j] = p[i * joined.cols + offset + j] + shift[j] } }
                    }
                }
                offset += cols
            }
        }
        return out
    }
    func zTransposeTimes(_ y: [Matrix<Double>], rounded: Bool = false) throws -> [Matrix<Double>] {
        var out = y.map { Matrix<Double>(rows: d, cols: $0.cols) }
        for l in 0..<count {
            let parts = y.map { $0.rows(l * n..<(l + 1) * n) }
            let joined = sideBySide(parts)
            let product = rounded ? matmul(try blocks.rounded(l), joined.asFloat, transA: .transposed).asDouble
                                  : matmul(try blocks.centered(l), joined, transA: .transposed)
            var offset = 0
            for (a, r) in active.enumerated() {
                let block = parts[a], cols = block.cols
                let sums = (0..<cols).map { j in (0..<n).reduce(0) { $0 + block[$1, j] } }
                let delta = deltas[r][l]
                out[a].storage.withUnsafeMutableBufferPointer { o in
                    product.storage.withUnsafeBufferPointer { p in
                        for row in 0..<d { for j in 0..<cols { o[row * cols + j] += p[row * joined.cols + offset + j] + delta[row] * sums[j] } }
                    }
                }
                offset += cols
            }
        }
        return out
    }
    func orthonormalBasis(_ a: Matrix<Double>) throws -> Matrix<Double> {
        do { return try svd(a).u } catch { throw AlignmentError.numerical("PCA: \(error.localizedDescription)") }
    }

    var axesByRequest: [Matrix<Double>] = []       // kk × d, rows = principal axes
    var singularByRequest: [[Double]] = []
    if min(m, d) <= exactLimit {
        for r in active {
            let kk = min(requests[r].components, m, d)
            var z = Matrix<Double>(rows: m, cols: d)
            for l in 0..<count {
                let block = try blocks.centered(l)
                for i in 0..<n { for j in 0..<d { z[l * n + i, j] = block[i, j] + deltas[r][l][j] } }
            }
            let decomposition: SVD<Double>
            do { decomposition = try svd(z) } catch { throw AlignmentError.numerical("PCA: \(error.localizedDescription)") }
            axesByRequest.append(decomposition.vt.rows(0..<kk))
            singularByRequest.append(Array(decomposition.singularValues.prefix(kk)))
        }
    } else {
        let omegas = active.map { r -> Matrix<Double> in
            let kk = min(requests[r].components, m, d)
            let width = min(kk + max(requests[r].oversampling, 1), m, d)
            var rng = SplitMix64(seed: 0x5043_4131)   // fixed: the projection must not depend on --seed
            return Matrix(rows: d, cols: width, storage: (0..<(d * width)).map { _ in rng.normal() })
        }
        try blocks.prepareRounded()
        var q = try zTimes(omegas, rounded: true).map(orthonormalBasis)
        for _ in 0..<powerIterations {
            let w = try zTransposeTimes(q, rounded: true).map(orthonormalBasis)
            q = try zTimes(w, rounded: true).map(orthonormalBasis)
        }
        for (a, b) in try zTransposeTimes(q).enumerated() {    // d × width = (QᵀZ)ᵀ, in Double
            let kk = min(requests[active[a]].components, m, d)
            let decomposition: SVD<Double>
            do { decomposition = try svd(b.transposed) } catch { throw AlignmentError.numerical("PCA: \(error.localizedDescription)") }
            axesByRequest.append(decomposition.vt.rows(0..<kk))
            singularByRequest.append(Array(decomposition.singularValues.prefix(kk)))
        }
    }
    for a in axesByRequest.indices {
        for c in 0..<axesByRequest[a].rows {
            var largest = 0
            for j in 0..<d where abs(axesByRequest[a][c, j]) > abs(axesByRequest[a][c, largest]) { largest = j }
            if axesByRequest[a][c, largest] < 0 { for j in 0..<d { axesByRequest[a][c, j] = -axesByRequest[a][c, j] } }
        }
    }
    let projected = try zTimes(axesByRequest.map(\.transposed))
    for (a, r) in active.enumerated() {
        let coordinates = (0..<count).map { projected[a].rows($0 * n..<($0 + 1) * n) }
        results[r] = LayerProjection(explainedVarianceRatio: singularByRequest[a].map { $0 * $0 / totals[r] },
                                     coordinates: coordinates, axes: axesByRequest[a])
    }
    return results.map { $0! }
}

/// Matrices with the same rows placed side by side ([A | B | …]).
func sideBySide(_ parts: [Matrix<Double>]) -> Matrix<Double> {
    if parts.count == 1 { return parts[0] }
    let rows = parts.first?.rows ?? 0, cols = parts.reduce(0) { $0 + $1.cols }
    var out = Matrix<Double>(rows: rows, cols: cols)
    var offset = 0
    for part in parts {
        for i in 0..<rows { for j in 0..<part.cols { out.storage[i * cols + offset + j] = part.storage[i * part.cols + j] } }
        offset += part.cols
    }
    return out
}
