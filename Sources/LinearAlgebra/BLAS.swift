// Thin wrappers over CBLAS (OpenBLAS): general and symmetric rank-k products, row-major throughout.
import CLinearAlgebra
import Foundation

/// Whether an operand enters a product as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// Which triangle of a symmetric result BLAS fills.
public enum Triangle: Sendable {
    case upper, lower

    var cblas: CBLAS_UPLO { self == .upper ? CblasUpper : CblasLower }
}

/// Pointer-level BLAS for callers that manage their own buffers (the tracer's scratch space).
/// All matrices are row-major; `lda`, `ldb`, `ldc` are row strides in elements.
public enum BLAS {
    /// C ← α·op(A)·op(B) + β·C with op(A) m×k, op(B) k×n, C m×n (`cblas_sgemm` / `cblas_dgemm`).
    @inlinable
    public static func gemm<T: BLASScalar>(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: T = 1, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        T._gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

extension Float: BLASScalar {
    public static func _gemm(_ ta: Transpose, _ tb: Transpose, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, ta.cblas, tb.cblas, blasint(m), blasint(n), blasint(k), alpha,
                    a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func _syrkUpper(_ trans: Transpose, _ n: Int, _ k: Int, _ alpha: Float, _ a: UnsafePointer<Float>,
                                  _ lda: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, trans.cblas, blasint(n), blasint(k), alpha, a, blasint(lda), 0,
                    c, blasint(ldc))
    }
}

extension Double: BLASScalar {
    public static func _gemm(_ ta: Transpose, _ tb: Transpose, _ m: Int, _ n: Int, _ k: Int, _ alpha: Double,
                             _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
                             _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        cblas_dgemm(CblasRowMajor, ta.cblas, tb.cblas, blasint(m), blasint(n), blasint(k), alpha,
                    a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func _syrkUpper(_ trans: Transpose, _ n: Int, _ k: Int, _ alpha: Double, _ a: UnsafePointer<Double>,
                                  _ lda: Int, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, trans.cblas, blasint(n), blasint(k), alpha, a, blasint(lda), 0,
                    c, blasint(ldc))
    }
}

// MARK: - Matrix-level products

/// op(A)·op(B) scaled by `alpha` (a new matrix). An empty inner dimension gives the zero matrix.
public func matmul<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>, transA: Transpose = .none,
                                  transB: Transpose = .none, alpha: T = 1) -> Matrix<T> {
    let (m, ka) = transA == .none ? (a.rows, a.cols) : (a.cols, a.rows)
    let (kb, n) = transB == .none ? (b.rows, b.cols) : (b.cols, b.rows)
    precondition(ka == kb, "matmul: inner dimensions \(ka) and \(kb) differ")
    // BLAS is not called with empty buffers.
    guard m > 0, n > 0, ka > 0 else { return Matrix<T>(rows: m, cols: n) }
    // β = 0: BLAS writes every element of C without reading it, so C is not zero-filled first.
    return Matrix<T>(rows: m, cols: n) { pc in
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                BLAS.gemm(transA, transB, m: m, n: n, k: ka, alpha: alpha,
                          a: pa.baseAddress!, lda: max(a.cols, 1), b: pb.baseAddress!, ldb: max(b.cols, 1),
                          c: pc.baseAddress!, ldc: max(n, 1))
            }
        }
    }
}

/// The Gram matrix A·Aᵀ (`.none`) or Aᵀ·A (`.transposed`) by `cblas_?syrk`, both triangles filled.
public func gram<T: BLASScalar>(_ a: Matrix<T>, _ trans: Transpose = .none, alpha: T = 1) -> Matrix<T> {
    let n = trans == .none ? a.rows : a.cols
    let k = trans == .none ? a.cols : a.rows
    guard n > 0, k > 0 else { return Matrix<T>(rows: n, cols: n) }
    // β = 0: BLAS writes the upper triangle without reading it (BLAS: "C need not be set on input") and the
    // lower one is copied from it, so C is not zero-filled first.
    return Matrix<T>(rows: n, cols: n) { pc in
        a.storage.withUnsafeBufferPointer { pa in
            T._syrkUpper(trans, n, k, alpha, pa.baseAddress!, max(a.cols, 1), pc.baseAddress!, n)
            symmetrizeFromUpper(pc.baseAddress!, n)
        }
    }
}

@inline(__always)
func symmetrizeFromUpper<T>(_ c: UnsafeMutablePointer<T>, _ n: Int) {
    for i in 0..<n {
        for j in 0..<i { c[i * n + j] = c[j * n + i] }
    }
}

// MARK: - Threads

/// The number of threads OpenBLAS uses for every product (`--threads` maps here).
public enum BLASThreads {
    private static let condition = NSCondition()
    /// The count `set` last chose (OpenBLAS's own at start: the cores, or `OPENBLAS_NUM_THREADS`).
    nonisolated(unsafe) private static var configured = Int(openblas_get_num_threads())
    /// Running `withOpenBLASOnOneThread` bodies (OpenBLAS stays on one thread while any is).
    nonisolated(unsafe) private static var oneThreadSections = 0
    /// Running `withOpenBLASOnAllThreads` bodies (OpenBLAS stays on `count` threads while any is).
    nonisolated(unsafe) private static var allThreadSections = 0

    /// The thread count of this process's products and row-parallel kernels: what `set` chose. Unchanged
    /// while OpenBLAS runs on one thread inside `withOpenBLASOnOneThread`.
    public static var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return configured
    }

    /// Sets the thread count (values below 1 are treated as 1), and OpenBLAS's unless a
    /// `withOpenBLASOnOneThread` body is running (it gets the new count when the last one ends).
    public static func set(_ n: Int) {
        condition.lock()
        defer { condition.unlock() }
        configured = max(1, n)
        if oneThreadSections == 0 { openblas_set_num_threads(Int32(configured)) }
    }

    /// Runs `body` with OpenBLAS on one thread — for callers that run single-threaded products side by side
    /// on their own threads (`BLAS.gemmInRowParts`, attention heads) — and gives OpenBLAS `count` again
    /// after the last such body ends, so overlapping bodies never restore it under one another. Waits
    /// while a `withOpenBLASOnAllThreads` body runs. Bodies must not enter the other kind of section.
    public static func withOpenBLASOnOneThread<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        while allThreadSections > 0 { condition.wait() }
        oneThreadSections += 1
        if oneThreadSections == 1 && configured > 1 { openblas_set_num_threads(1) }
        condition.unlock()
        defer {
            condition.lock()
            oneThreadSections -= 1
            if oneThreadSections == 0 && configured > 1 { openblas_set_num_threads(Int32(configured)) }
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }

    /// Runs `body` with OpenBLAS on `count` threads: waits while a `withOpenBLASOnOneThread` body runs
    /// elsewhere in the process, so that a product whose bits depend on OpenBLAS's thread count (sgemm of
    /// one or two rows, `BLAS.gemmInRowParts`) always sees the count this process chose. Bodies must not
    /// enter the other kind of section.
    public static func withOpenBLASOnAllThreads<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        while oneThreadSections > 0 { condition.wait() }
        allThreadSections += 1
        condition.unlock()
        defer {
            condition.lock()
            allThreadSections -= 1
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
