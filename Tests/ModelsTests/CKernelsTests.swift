// CKernels against the Swift arithmetic they replaced, bit for bit (the clone the test machine runs).
import CKernels
import Foundation
import LinearAlgebra
import Testing

/// Values with both signs, tiny and huge magnitudes, and the exponential's clamping range.
private func sampleValues(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let unit = Float(state >> 40) / Float(1 << 24)
        return (unit - 0.5) * 40 * (state & 1 == 0 ? 1 : 0.01)
    }
}

@Suite("CKernels give the bits of the Swift arithmetic they replaced")
struct CKernelsTests {
    @Test func sumOfSquaresKeepsEightPartialSumsAddedInOrder() {
        for count in [0, 1, 7, 8, 9, 16, 19, 64, 577] {
            let x = sampleValues(count, seed: UInt64(count) + 1)
            // The replaced Swift kernel: a SIMD8 accumulator, its `sum()`, then the tail.
            var acc = SIMD8<Float>(repeating: 0)
            for b in 0..<(count / 8) { let v = SIMD8<Float>(x[(b * 8)..<(b * 8 + 8)]); acc += v * v }
            var expected = acc.sum()
            for i in (count / 8 * 8)..<count { expected += x[i] * x[i] }
            #expect(ck_sum_of_squares(x, count).bitPattern == expected.bitPattern, "count \(count)")
        }
    }

    @Test func gatedActivationsUseVectorExpsExponential() {
        var x = sampleValues(203, seed: 7)
        x += [0, -0.0, 88.7, 89, -103.9, -104, 200, -200, .infinity, -.infinity, .nan]
        let up = sampleValues(x.count, seed: 8)
        let twoC = Float(2 * (2 / Double.pi).squareRoot())
        for silu in [true, false] {
            var g = x
            ck_gated_sigmoid_rows(silu ? 1 : 0, &g, up, 1, g.count, g.count)
            for i in x.indices {
                let v = SIMD8<Float>(repeating: x[i])
                let z = silu ? -v : SIMD8<Float>(repeating: -twoC) * (v + SIMD8<Float>(repeating: 0.044715) * v * v * v)
                let expected = (v / (SIMD8<Float>(repeating: 1) + VectorExp.exp(z)))[0] * up[i]
                #expect(g[i].bitPattern == expected.bitPattern || (g[i].isNaN && expected.isNaN),
                        "\(silu ? "SiLU" : "GELU-tanh")(\(x[i])): \(g[i]) vs \(expected)")
            }
        }
    }

    @Test func postNormAddInOnePassEqualsTheSeparatePasses() {
        let rows = 5, count = 83
        let branch = sampleValues(rows * count, seed: 3), start = sampleValues(rows * count, seed: 4)
        let weight = sampleValues(count, seed: 5), next = sampleValues(count, seed: 6)
        var normedBranch = [Float](repeating: 0, count: rows * count)
        ck_rms_norm_rows(branch, count, &normedBranch, count, rows, count, weight, 1e-6)
        var separate = start
        ck_add(&separate, normedBranch, separate.count)
        var separateNext = [Float](repeating: 0, count: rows * count)
        ck_rms_norm_rows(separate, count, &separateNext, count, rows, count, next, 1e-6)

        var fused = start, fusedNext = [Float](repeating: 0, count: rows * count)
        ck_rms_norm_add_rows(branch, &fused, rows, count, weight, next, &fusedNext, 1e-6)
        #expect(fused.map(\.bitPattern) == separate.map(\.bitPattern))
        #expect(fusedNext.map(\.bitPattern) == separateNext.map(\.bitPattern))
    }

    @Test func rotaryVectorBlocksEqualTheScalarFormula() {
        let half = 40, heads = 3, stride = 2 * half + 5
        let x = sampleValues(heads * stride, seed: 9)
        let c = sampleValues(half, seed: 10), s = sampleValues(half, seed: 11)
        var rotated = x
        ck_rotate_heads(&rotated, heads, stride, half, c, s, 0)
        for h in 0..<heads {
            for i in 0..<half {
                let x1 = x[h * stride + i], x2 = x[h * stride + i + half]
                #expect(rotated[h * stride + i].bitPattern == (x1 * c[i] - x2 * s[i]).bitPattern)
                #expect(rotated[h * stride + i + half].bitPattern == (x2 * c[i] + x1 * s[i]).bitPattern)
            }
            #expect(rotated[(h * stride + 2 * half)..<(h * stride + stride)] == x[(h * stride + 2 * half)..<(h * stride + stride)])
        }
    }
}
