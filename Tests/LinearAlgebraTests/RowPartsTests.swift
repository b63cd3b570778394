import Testing
import LinearAlgebra

/// Seeded values in [-0.5, 0.5).
private func seeded(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24) - 0.5
    }
}

@Suite("An sgemm in row parts gives the bits of one single-threaded call whatever the thread count", .serialized)
struct RowPartsTests {
    /// C = A·Bᵀ by `gemmInRowParts` with `threads` threads (β 0, or 1 onto `start`).
    func product(m: Int, n: Int, k: Int, threads: Int, accumulate: Bool) -> [UInt32] {
        let a = seeded(m * k, seed: 1), b = seeded(n * k, seed: 2)
        var c = accumulate ? seeded(m * n, seed: 3) : [Float](repeating: .nan, count: m * n)
        let before = BLASThreads.count
        BLASThreads.set(threads)
        defer { BLASThreads.set(before) }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemmInRowParts(.transposed, m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: k,
                                        beta: accumulate ? 1 : 0, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        return c.map(\.bitPattern)
    }

    // Row counts around the part unit (48) and OpenBLAS's row groups (Haswell/Zen: 12), shapes of the
    // bundled models' projections (d 576/640, kv 192, ffn 1536/2048).
    @Test("1, 2 and 3 threads; β 0 and 1", arguments: [3, 47, 95, 96, 97, 143, 200, 1001, 2048])
    func threadCountChangesNoBit(m: Int) {
        for (n, k) in [(192, 576), (1536, 576), (640, 2048)] {
            for accumulate in [false, true] {
                let one = product(m: m, n: n, k: k, threads: 1, accumulate: accumulate)
                #expect(!one.contains(Float.nan.bitPattern))
                for threads in [2, 3] {
                    #expect(product(m: m, n: n, k: k, threads: threads, accumulate: accumulate) == one,
                            "m \(m), n \(n), k \(k), \(threads) threads, β \(accumulate ? 1 : 0)")
                }
            }
        }
    }

    @Test("the thread count is what set chose, also while OpenBLAS runs on one thread")
    func countIsStableInsideOneThreadSections() {
        let before = BLASThreads.count
        BLASThreads.set(2)
        defer { BLASThreads.set(before) }
        BLASThreads.withOpenBLASOnOneThread { #expect(BLASThreads.count == 2) }
        #expect(BLASThreads.count == 2)
    }
}
