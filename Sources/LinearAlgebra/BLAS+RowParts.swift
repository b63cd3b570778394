// sgemm whose bits do not depend on the thread count: C's rows in parts at fixed boundaries, each part one
// single-threaded OpenBLAS call, the parts side by side on this process's threads.
import Dispatch

extension BLAS {
    /// Parts of `gemmInRowParts` start at multiples of this many rows of C.
    ///
    /// OpenBLAS computes a row of C = A·op(B) (row-major) with the same arithmetic in every call only while
    /// it falls in the same place of the kernel's row groups: with the Haswell/Zen kernels of Debian's
    /// OpenBLAS 0.3.21 a row inside a full group of 12 rows (counted from the call's first row) has one
    /// result, a row of the last M mod 12 another (narrower kernels, other summation), and OpenBLAS's own
    /// threads split C at boundaries that depend on the thread count; with SkylakeX/Cooperlake only calls of
    /// M ≤ 2 differ. Parts that start at multiples of a multiple of every kernel's group (8, 12, 16, 24)
    /// reproduce one single-threaded call bit for bit: checked in C for M 50…2049, N 192…3072, K 64…1536,
    /// parts of 24, 48 and 96 rows, 2–3 parts, kernels Haswell, Zen, SkylakeX, Cooperlake, Sandybridge and
    /// Nehalem (0 of 810 splits differ each).
    public static let rowPartUnit = 48

    /// Below this many rows, `gemmInRowParts(fewRowsOnAllThreads: true)` is one call on OpenBLAS's threads.
    public static let fewRows = 512

    /// C ← α·A·op(B) + β·C with A m × k (row-major, as stored), op(B) k × n: `BLASThreads.count` parts of C's
    /// rows (fewer when m is small), each at least `rowPartUnit` rows and starting at a multiple of it, run
    /// side by side, each one sgemm with OpenBLAS on one thread (`BLASThreads.withOpenBLASOnOneThread`). The bits are those of
    /// one single-threaded call of the whole product, whatever the thread count. A product of m ≤ 2 rows (a
    /// generation step) is one call with OpenBLAS's own `count` threads instead
    /// (`BLASThreads.withOpenBLASOnAllThreads`): it reads the whole of B for one or two rows, so its time
    /// is B's memory traffic, which one thread would halve the bandwidth of; no split of its columns keeps
    /// the bits on every kernel (SkylakeX's small-matrix path depends on n), so its bits may depend on the
    /// thread count there.
    ///
    /// `fewRowsOnAllThreads`: a product of fewer than `fewRows` rows also runs on OpenBLAS's own threads —
    /// generation's decode steps over a few sequences, which one thread would slow down to half, and its
    /// prefills of a few hundred tokens, whose two parts (at multiples of 48 rows) can differ by a sixth
    /// (231 rows: 96 + 135; measured 16 % slower) — at the price of bits that may depend on the thread count.
    public static func gemmInRowParts(_ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float = 1,
                                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
                                      fewRowsOnAllThreads: Bool = false) {
        guard m > 0, n > 0 else { return }
        let threads = BLASThreads.count
        guard m > 2, !fewRowsOnAllThreads || m >= fewRows else {
            BLASThreads.withOpenBLASOnAllThreads {
                gemm(.none, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            }
            return
        }
        let unit = rowPartUnit
        let parts = max(1, min(threads, m / unit))
        BLASThreads.withOpenBLASOnOneThread {
            guard parts > 1 else {
                gemm(.none, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
                return
            }
            // Part p starts at the multiple of `unit` nearest to p·m/parts (the last part takes the rest).
            let starts = (0...parts).map { p in p == parts ? m : min(m, ((m * p / parts + unit / 2) / unit) * unit) }
            // The operands, for the workers (each writes disjoint rows of C).
            let task = UncheckedSendable((a: a, b: b, c: c))
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lower = starts[p], upper = starts[p + 1], t = task.value
                guard lower < upper else { return }
                gemm(.none, transB, m: upper - lower, n: n, k: k, alpha: alpha, a: t.a + lower * lda, lda: lda,
                     b: t.b, ldb: ldb, beta: beta, c: t.c + lower * ldc, ldc: ldc)
            }
        }
    }
}

/// A value handed to GCD workers that only touch disjoint parts of what it points at.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
