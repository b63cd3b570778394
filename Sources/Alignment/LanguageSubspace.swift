// Language-subspace removal (LSAR; Xie, Zhao, Wu & Xu 2022, "Discovering Low-rank Subspaces for
// Language-agnostic Multilingual Representations", EMNLP): project out the directions along which the
// languages' mean vectors differ, then measure retrieval in what remains.
import LinearAlgebra

/// The top-`rank` right singular vectors (rows, r × d) of the language means centered across languages,
/// M_c = M − 1·mean(M) (thin SVD). The rank is capped at the number of nonzero singular values
/// (at most L − 1); fewer than two languages give no directions.
public func languageSubspace(_ languages: [LanguageVectors], rank: Int) throws -> Matrix<Double> {
    try languageSubspace(means: languages.map(\.mean), rank: rank)
}

/// The same from the language means alone (what a streamed layer has before it reads a language twice).
func languageSubspace(means languageMeans: [[Double]], rank: Int) throws -> Matrix<Double> {
    let count = languageMeans.count
    guard count >= 2, rank > 0, let d = languageMeans.first?.count else { return Matrix(rows: 0, cols: languageMeans.first?.count ?? 0) }
    let means = columnCentered(Matrix(rows: count, cols: d, storage: languageMeans.flatMap { $0 }))
    let decomposition: SVD<Double>
    do { decomposition = try svd(means) } catch { throw AlignmentError.numerical("LSAR: \(error.localizedDescription)") }
    let s = decomposition.singularValues
    let tolerance = (s.first ?? 0) * 1e-10
    let r = min(rank, s.filter { $0 > tolerance }.count)
    return decomposition.vt.rows(0..<r)
}

/// U = X·Vᵀ (N × r): each raw sentence vector's coordinates in the language subspace V (r × d).
public func subspaceCoordinates(_ x: LanguageVectors, _ v: Matrix<Double>) -> Matrix<Double> {
    guard v.rows > 0 else { return Matrix(rows: x.count, cols: 0) }
    var u = matmul(x.centered, v, transB: .transposed)
    let shift = matrixVector(v, x.mean)
    for i in 0..<x.count { for j in 0..<v.rows { u[i, j] += shift[j] } }
    return u
}

/// Cosines after removal, x' = (I − VᵀV)x: x'·y' = x·y − uₓ·u_y and ‖x'‖² = ‖x‖² − ‖uₓ‖², from the raw
/// dot products and norms (a rank-r correction; no d-dimensional work).
public func cosineAfterRemoval(rawDots: Matrix<Double>, rowNormsSquared: [Double], colNormsSquared: [Double],
                               rowCoordinates ux: Matrix<Double>, colCoordinates uy: Matrix<Double>) -> Matrix<Double> {
    guard ux.cols > 0 else {
        return cosineFromDots(rawDots, rowNormsSquared: rowNormsSquared, colNormsSquared: colNormsSquared)
    }
    let dots = Matrix(rows: rawDots.rows, cols: rawDots.cols,
                      storage: zip(rawDots.storage, matmul(ux, uy, transB: .transposed).storage).map { $0 - $1 })
    let rows = (0..<ux.rows).map { i in max(0, rowNormsSquared[i] - (0..<ux.cols).reduce(0) { $0 + ux[i, $1] * ux[i, $1] }) }
    let cols = (0..<uy.rows).map { i in max(0, colNormsSquared[i] - (0..<uy.cols).reduce(0) { $0 + uy[i, $1] * uy[i, $1] }) }
    return cosineFromDots(dots, rowNormsSquared: rows, colNormsSquared: cols)
}
