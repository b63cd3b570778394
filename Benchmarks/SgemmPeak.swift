// The machine's sgemm peak, measured in the same process as the trace benchmark so the two compare fairly.
import Foundation
import LinearAlgebra

/// Best GFLOP/s of square row-major sgemm (2·n³ FLOPs) over a few sizes, each repeated, with all BLAS threads.
enum SgemmPeakBenchmark {
    static func run() -> Double {
        print("sgemm peak (square C = A·B, best of repeats)")
        var best = 0.0
        for n in [256, 512, 1024, 1536] {
            let a = [Float](unsafeUninitializedCapacity: n * n) { buf, count in
                for i in 0..<(n * n) { buf[i] = Float((i * 7919) % 1000) / 1000 - 0.5 }
                count = n * n
            }
            var c = [Float](repeating: 0, count: n * n)
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let repeats = max(3, Int(2e10 / flops))
            var sizeBest = 0.0
            a.withUnsafeBufferPointer { ap in
                c.withUnsafeMutableBufferPointer { cp in
                    guard let a = ap.baseAddress, let c = cp.baseAddress else { return }
                    BLAS.gemm(.none, .none, m: n, n: n, k: n, a: a, lda: n, b: a, ldb: n, c: c, ldc: n)  // warm-up
                    for _ in 0..<repeats {
                        let start = DispatchTime.now().uptimeNanoseconds
                        BLAS.gemm(.none, .none, m: n, n: n, k: n, a: a, lda: n, b: a, ldb: n, c: c, ldc: n)
                        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                        sizeBest = max(sizeBest, flops / seconds / 1e9)
                    }
                }
            }
            print(String(format: "  n = %5d: %7.1f GFLOP/s", n, sizeBest))
            best = max(best, sizeBest)
        }
        print(String(format: "  peak: %.1f GFLOP/s with %d BLAS threads", best, BLASThreads.count))
        // The tracer's own shapes: X [T, k] · Wᵀ with W [n, k] row-major (SmolLM2 QKV, gate+up, down at T = 2048).
        for (m, n, k) in [(2048, 960, 576), (2048, 3072, 576), (2048, 576, 1536)] {
            print(String(format: "  X·Wᵀ %d×%d·(%d×%d)ᵀ: %7.1f GFLOP/s", m, k, n, k, projection(m: m, n: n, k: k)))
        }
        return best
    }

    /// Best GFLOP/s of C[m, n] = X[m, k] · W[n, k]ᵀ, the layout of a projection over packed tokens.
    static func projection(m: Int, n: Int, k: Int) -> Double {
        let x = [Float](repeating: 0.01, count: m * k)
        let w = [Float](repeating: 0.02, count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        let flops = 2 * Double(m) * Double(n) * Double(k)
        var best = 0.0
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                c.withUnsafeMutableBufferPointer { cp in
                    guard let x = xp.baseAddress, let w = wp.baseAddress, let c = cp.baseAddress else { return }
                    for _ in 0..<6 {
                        let start = DispatchTime.now().uptimeNanoseconds
                        BLAS.gemm(.none, .transposed, m: m, n: n, k: k, a: x, lda: k, b: w, ldb: k, c: c, ldc: n)
                        best = max(best, flops / (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9) / 1e9)
                    }
                }
            }
        }
        return best
    }
}
