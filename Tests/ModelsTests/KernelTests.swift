// The shared pieces against hand-computed values.
import Checkpoints
import Foundation
import Models
import Testing

@Suite("RMSNorm divides by the root mean square, then multiplies by the weight")
struct RMSNormTests {
    @Test func unitRMSLeavesOnlyTheWeight() {
        // mean(x²) = 1, so y = x · w.
        let y = RMSNorm.normalize([1, -1, 1, -1], weight: [1, 2, 3, 4], epsilon: 0)
        #expect(y == [1, -2, 3, -4])
    }

    @Test func epsilonEntersUnderTheRoot() {
        // mean(x²) = 1, ε = 3 → divide by √4 = 2.
        let y = RMSNorm.normalize([1, -1, 1, -1], weight: [1, 1, 1, 1], epsilon: 3)
        #expect(y == [0.5, -0.5, 0.5, -0.5])
    }

    @Test func longVectorsUseEveryElement() {
        // 19 elements (two SIMD blocks and a tail): x = 2 everywhere except x[18] = 2·√20 … mean = (18·4 + 80)/19 = 8.
        var x = [Float](repeating: 2, count: 19)
        x[18] = 2 * Float(20).squareRoot()
        let y = RMSNorm.normalize(x, weight: [Float](repeating: 1, count: 19), epsilon: 0)
        let expected = 2 / Float(8).squareRoot()
        #expect(abs(y[0] - expected) < 1e-6)
        #expect(abs(y[18] - Float(20).squareRoot() * expected) < 1e-5)
    }
}

@Suite("RoPE rotates the halves of a head vector by position times frequency")
struct RoPETests {
    @Test func positionZeroIsTheIdentity() {
        let rope = RotaryEmbedding(headDim: 4, base: 10_000)
        #expect(rope.rotated([1, 2, 3, 4], position: 0) == [1, 2, 3, 4])
    }

    @Test func rotateHalfPairsElementIWithIPlusHalf() {
        // θ = [1, 10000^(−1/2) = 0.01]; position 3 rotates (x0, x2) by 3 rad and (x1, x3) by 0.03 rad.
        let rope = RotaryEmbedding(headDim: 4, base: 10_000)
        #expect(rope.inverseFrequencies == [1, 0.01])
        let y = rope.rotated([1, 1, 0, 2], position: 3)
        let expected: [Double] = [cos(3.0), cos(0.03) - 2 * sin(0.03), sin(3.0), 2 * cos(0.03) + sin(0.03)]
        for (a, b) in zip(y, expected) { #expect(abs(Double(a) - b) < 1e-6) }
    }

    @Test func linearScalingDividesEveryFrequency() {
        let rope = RotaryEmbedding(headDim: 4, base: 10_000, scaling: .init(kind: .linear, factor: 4))
        #expect(rope.inverseFrequencies == [0.25, 0.0025])
    }

    @Test func llama3ScalingKeepsHighDividesLowAndBlendsTheMiddle() {
        // headDim 6, base 100: θ = 1, 100^(−1/3), 100^(−2/3); wavelengths 2π/θ ≈ 6.3, 29.2, 135.4.
        // Original context 64, factors low 1 / high 4: wavelengths < 16 are kept, > 64 divided by 8,
        // between: (1 − s)·θ/8 + s·θ with s = (64/λ − 1)/(4 − 1).
        let scaling = ModelConfig.RopeScaling(kind: .llama3, factor: 8, lowFreqFactor: 1, highFreqFactor: 4,
                                              originalContextLength: 64)
        let rope = RotaryEmbedding(headDim: 6, base: 100, scaling: scaling)
        let theta1 = pow(100, -1.0 / 3), theta2 = pow(100, -2.0 / 3)
        let s = (64 / (2 * Double.pi / theta1) - 1) / 3
        let expected = [1, (1 - s) * theta1 / 8 + s * theta1, theta2 / 8]
        for (a, b) in zip(rope.inverseFrequencies, expected) { #expect(abs(Double(a) - b) < 1e-6 * b) }
    }
}

@Suite("Gated activations multiply act(gate) by up")
struct GatedActivationTests {
    @Test func siluIsXTimesSigmoid() {
        let y = GatedActivation.apply(.silu, gate: [0, 1, -2], up: [5, 2, 1])
        // silu(1) = 1/(1 + e⁻¹) = 0.7310586; silu(−2) = −2/(1 + e²) = −0.2384058.
        #expect(y[0] == 0)
        #expect(abs(y[1] - 2 * 0.7310586) < 1e-6)
        #expect(abs(y[2] + 0.2384058) < 1e-6)
    }

    @Test("the vectorized exponential keeps SiLU and GELU-tanh within 4 ulp of e^z for the Float z, tails included")
    func vectorizedExponentialAcrossTheRange() {
        // 601 values (not a multiple of 8: the zero-padded tail is exercised too). The reference is x/(1 + e^z)
        // in Double for the kernel's own Float argument z (−x, or −2c(x + 0.044715x³)), so the check is the
        // exponential's error, not the argument's rounding; where e^z overflows Float (z > 88.72, as glibc's
        // expf) the kernel gives x/∞ = −0.
        let xs = (0..<601).map { Float(-110 + 0.366 * Double($0)) } + [-103.9, -87.4, -87.3, 88.7, 88.8, 0, -0.0]
        let silu = GatedActivation.apply(.silu, gate: xs, up: [Float](repeating: 1, count: xs.count))
        let gelu = GatedActivation.apply(.geluTanh, gate: xs, up: [Float](repeating: 1, count: xs.count))
        let twoC = Float(2 * (2 / Double.pi).squareRoot())
        func check(_ name: String, _ x: Float, _ z: Float, _ got: Float) {
            if z > 88.722_839 {
                #expect(got == 0, "\(name)(\(x)) = \(got), expected −0")
                return
            }
            let expected = Double(x) / (1 + exp(Double(z)))
            #expect(abs(Double(got) - expected) <= 4.8e-7 * abs(expected) + 1e-44, "\(name)(\(x)) = \(got), expected \(expected)")
        }
        for (i, x) in xs.enumerated() {
            check("silu", x, -x, silu[i])
            check("gelu_tanh", x, -twoC * (x + 0.044715 * x * x * x), gelu[i])
        }
        #expect(GatedActivation.apply(.silu, gate: [.nan], up: [1])[0].isNaN)
    }

    @Test func geluTanhMatchesPyTorchsApproximation() {
        // torch.nn.functional.gelu(x, approximate="tanh") at 1, −1, 3: 0.8411920, −0.1588080, 2.9963627.
        let y = GatedActivation.apply(.geluTanh, gate: [1, -1, 3], up: [1, 1, 1])
        #expect(abs(y[0] - 0.8411920) < 1e-6)
        #expect(abs(y[1] + 0.1588080) < 1e-6)
        #expect(abs(y[2] - 2.9963627) < 1e-5)
    }
}

@Suite("Causal attention mixes values of earlier tokens only")
struct CausalAttentionTests {
    /// One sentence of 3 tokens, head dim 2, q/k/v packed in one [3, 6] row-major matrix per token.
    func run(_ attention: CausalSelfAttention, q: [[Float]], k: [[Float]], v: [[Float]]) -> [[Float]] {
        let t = q.count, hd = attention.headDim
        let qw = attention.heads * hd, kw = attention.kvHeads * hd, stride = qw + 2 * kw
        var packed = [Float](repeating: 0, count: t * stride)
        for r in 0..<t {
            for j in 0..<qw { packed[r * stride + j] = q[r][j] }
            for j in 0..<kw { packed[r * stride + qw + j] = k[r][j]; packed[r * stride + qw + kw + j] = v[r][j] }
        }
        var out = [Float](repeating: .nan, count: t * qw)
        var scores = [Float](repeating: 0, count: t * t)
        packed.withUnsafeBufferPointer { p in
            let b = p.baseAddress!
            attention.apply(sequence: 0..<t, q: b, k: b + qw, v: b + qw + kw, qkvStride: stride,
                            output: out.withUnsafeMutableBufferPointer { $0.baseAddress! }, outputStride: qw,
                            scores: scores.withUnsafeMutableBufferPointer { $0.baseAddress! })
        }
        return (0..<t).map { Array(out[($0 * qw)..<(($0 + 1) * qw)]) }
    }

    let q: [[Float]] = [[1, 0], [0, 1], [1, 1]]
    let k: [[Float]] = [[1, 0], [0, 1], [0, 0]]
    let v: [[Float]] = [[10, 0], [0, 10], [4, 4]]

    @Test func softmaxOverThePrefix() {
        let out = run(CausalSelfAttention(heads: 1, kvHeads: 1, headDim: 2, scale: 1), q: q, k: k, v: v)
        // Token 0 sees only itself. Token 1: scores (0, 1) → weights (1, e)/(1 + e).
        // Token 2: scores (1, 1, 0) → weights (e, e, 1)/(2e + 1).
        let e = Float(M_E)
        #expect(out[0] == [10, 0])
        #expect(abs(out[1][0] - 10 / (1 + e)) < 1e-5 && abs(out[1][1] - 10 * e / (1 + e)) < 1e-5)
        let z = 2 * e + 1
        #expect(abs(out[2][0] - (10 * e + 4) / z) < 1e-5 && abs(out[2][1] - (10 * e + 4) / z) < 1e-5)
    }

    @Test func slidingWindowOfTwoDropsTheOldestKey() {
        let out = run(CausalSelfAttention(heads: 1, kvHeads: 1, headDim: 2, scale: 1, slidingWindow: 2), q: q, k: k, v: v)
        // Token 2 sees tokens 1 and 2: scores (1, 0) → weights (e, 1)/(e + 1).
        let e = Float(M_E)
        #expect(abs(out[2][0] - 4 / (e + 1)) < 1e-5 && abs(out[2][1] - (10 * e + 4) / (e + 1)) < 1e-5)
    }

    @Test func scaleAndSoftcapShapeTheScores() {
        // Scale 2, cap 1: token 1's scores (0, 2) → (0, tanh 2).
        let out = run(CausalSelfAttention(heads: 1, kvHeads: 1, headDim: 2, scale: 2, logitSoftcap: 1), q: q, k: k, v: v)
        let w = Float(exp(tanh(2.0)))
        #expect(abs(out[1][0] - 10 / (1 + w)) < 1e-5 && abs(out[1][1] - 10 * w / (1 + w)) < 1e-5)
    }

    @Test func groupedQueryHeadsShareTheirKeyValueHead() {
        // Two query heads over one key/value head: head 1 repeats head 0's query, so outputs match.
        let q2 = q.map { $0 + $0 }
        let out = run(CausalSelfAttention(heads: 2, kvHeads: 1, headDim: 2, scale: 1), q: q2, k: k, v: v)
        for row in out { #expect(Array(row[0..<2]) == Array(row[2..<4])) }
    }
}
