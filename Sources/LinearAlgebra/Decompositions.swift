// Thin SVD and symmetric eigendecomposition through LAPACKE (row-major layout).
import CLinearAlgebra
import Foundation

/// Failures reported by LAPACK (`info` ≠ 0).
public enum LinearAlgebraError: Error, LocalizedError, Equatable {
    /// `routine` returned `info`: negative = bad argument, positive = no convergence.
    case lapackFailed(routine: String, info: Int)
    /// The input contains NaN or infinity, which LAPACK cannot decompose meaningfully.
    case nonFinite(routine: String)

    public var errorDescription: String? {
        switch self {
        case let .lapackFailed(routine, info):
            return info < 0 ? "\(routine): argument \(-info) is invalid"
                            : "\(routine): did not converge (info \(info))"
        case let .nonFinite(routine):
            return "\(routine): input contains NaN or infinity"
        }
    }
}

/// A thin singular value decomposition A = U·diag(S)·Vᵀ of an m×n matrix, r = min(m, n):
/// U is m×r with orthonormal columns, S holds r non-negative values in descending order, Vᵀ is r×n.
public struct SVD<Element: BLASScalar>: Sendable {
    public var u: Matrix<Element>
    public var singularValues: [Element]
    public var vt: Matrix<Element>
}

/// A symmetric eigendecomposition A = V·diag(λ)·Vᵀ: eigenvalues ascending, eigenvectors as the
/// columns of `vectors` (orthonormal).
public struct SymmetricEigen<Element: BLASScalar>: Sendable {
    public var values: [Element]
    public var vectors: Matrix<Element>
}

// MARK: - SVD

/// Thin SVD by divide and conquer (`LAPACKE_dgesdd`, jobz = 'S'), falling back to the QR-iteration
/// driver `dgesvd` when gesdd fails to converge (it can, on some rank-deficient inputs).
public func svd(_ a: Matrix<Double>) throws -> SVD<Double> {
    try _svd(a, gesdd: LAPACKE_dgesdd, gesvd: LAPACKE_dgesvd)
}

/// Thin SVD in Float (`LAPACKE_sgesdd`, falling back to `sgesvd`).
public func svd(_ a: Matrix<Float>) throws -> SVD<Float> {
    try _svd(a, gesdd: LAPACKE_sgesdd, gesvd: LAPACKE_sgesvd)
}

private typealias GESDD<T> = (Int32, CChar, Int32, Int32, UnsafeMutablePointer<T>?, Int32,
                              UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?, Int32,
                              UnsafeMutablePointer<T>?, Int32) -> Int32
private typealias GESVD<T> = (Int32, CChar, CChar, Int32, Int32, UnsafeMutablePointer<T>?, Int32,
                              UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?, Int32,
                              UnsafeMutablePointer<T>?, Int32, UnsafeMutablePointer<T>?) -> Int32

private func _svd<T: BLASScalar>(_ a: Matrix<T>, gesdd: GESDD<T>, gesvd: GESVD<T>) throws -> SVD<T> {
    let m = a.rows, n = a.cols, r = min(m, n)
    guard a.storage.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFinite(routine: "gesdd") }
    if r == 0 {
        return SVD(u: Matrix(rows: m, cols: 0), singularValues: [], vt: Matrix(rows: 0, cols: n))
    }
    let layout = Int32(LAPACK_ROW_MAJOR)
    var work = a.storage
    var s = [T](repeating: 0, count: r)
    var u = Matrix<T>(rows: m, cols: r)
    var vt = Matrix<T>(rows: r, cols: n)
    let info = gesdd(layout, CChar(UInt8(ascii: "S")), Int32(m), Int32(n), &work, Int32(n),
                     &s, &u.storage, Int32(r), &vt.storage, Int32(n))
    if info == 0 { return SVD(u: u, singularValues: s, vt: vt) }
    // Fallback: gesvd on a fresh copy (gesdd destroyed `work`).
    work = a.storage
    var superb = [T](repeating: 0, count: max(r - 1, 1))
    let info2 = gesvd(layout, CChar(UInt8(ascii: "S")), CChar(UInt8(ascii: "S")), Int32(m), Int32(n),
                      &work, Int32(n), &s, &u.storage, Int32(r), &vt.storage, Int32(n), &superb)
    guard info2 == 0 else { throw LinearAlgebraError.lapackFailed(routine: "gesvd", info: Int(info2)) }
    return SVD(u: u, singularValues: s, vt: vt)
}

// MARK: - Symmetric eigendecomposition

/// Eigenvalues (ascending) and eigenvectors of a symmetric matrix by `LAPACKE_dsyevd` (upper triangle read).
public func symmetricEigen(_ a: Matrix<Double>) throws -> SymmetricEigen<Double> {
    precondition(a.rows == a.cols, "symmetricEigen needs a square matrix")
    guard a.storage.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFinite(routine: "dsyevd") }
    let n = a.rows
    var v = a
    var w = [Double](repeating: 0, count: n)
    if n == 0 { return SymmetricEigen(values: [], vectors: v) }
    let info = LAPACKE_dsyevd(Int32(LAPACK_ROW_MAJOR), CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                              Int32(n), &v.storage, Int32(n), &w)
    guard info == 0 else { throw LinearAlgebraError.lapackFailed(routine: "dsyevd", info: Int(info)) }
    return SymmetricEigen(values: w, vectors: v)
}

/// Eigenvalues (ascending) and eigenvectors of a symmetric Float matrix by `LAPACKE_ssyevd`.
public func symmetricEigen(_ a: Matrix<Float>) throws -> SymmetricEigen<Float> {
    precondition(a.rows == a.cols, "symmetricEigen needs a square matrix")
    guard a.storage.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFinite(routine: "ssyevd") }
    let n = a.rows
    var v = a
    var w = [Float](repeating: 0, count: n)
    if n == 0 { return SymmetricEigen(values: [], vectors: v) }
    let info = LAPACKE_ssyevd(Int32(LAPACK_ROW_MAJOR), CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                              Int32(n), &v.storage, Int32(n), &w)
    guard info == 0 else { throw LinearAlgebraError.lapackFailed(routine: "ssyevd", info: Int(info)) }
    return SymmetricEigen(values: w, vectors: v)
}
