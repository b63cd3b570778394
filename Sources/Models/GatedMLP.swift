// The gated feed-forward activation: act(gate) ⊙ up (Shazeer 2020, "GLU Variants Improve Transformer").
import Checkpoints
import Foundation
import LinearAlgebra

/// Combines the gate and up projections in place: gate[i] ← act(gate[i]) · up[i].
///
/// SiLU(x) = x·σ(x) (LLaMA's SwiGLU); GELU-tanh(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
/// (Gemma's `gelu_pytorch_tanh`, GeGLU), both in Float32.
public enum GatedActivation {
    /// For `rows` rows of `count` elements: gate at `gate + r·stride`, up at `up + r·stride`.
    public static func apply(_ activation: ModelConfig.Activation, gate: UnsafeMutablePointer<Float>,
                             up: UnsafePointer<Float>, rows: Int, count: Int, stride: Int) {
        for r in 0..<rows {
            let g = gate + r * stride, u = up + r * stride
            switch activation {
            case .silu, .geluTanh:
                gatedSigmoid(activation, g, up: u, count: count)
            case .gelu:
                for i in 0..<count { g[i] = gelu(g[i]) * u[i] }
            }
        }
    }

    /// g[i] ← x·σ(x) for SiLU and x·σ(2y) = ½x(1 + tanh y), y = √(2/π)(x + 0.044715x³), for GELU-tanh
    /// (one exponential instead of glibc's much slower tanhf), times `up[i]` when given; eight lanes at a
    /// time with the vectorized `VectorExp.exp` (the tail as a zero-padded block).
    @inline(__always)
    static func gatedSigmoid(_ activation: ModelConfig.Activation, _ g: UnsafeMutablePointer<Float>,
                             up: UnsafePointer<Float>?, count: Int) {
        let twoC = Float(2 * (2 / Double.pi).squareRoot())
        let silu = activation == .silu
        @inline(__always) func block(_ x: SIMD8<Float>) -> SIMD8<Float> {
            let z = silu ? -x : SIMD8<Float>(repeating: -twoC) * (x + SIMD8<Float>(repeating: 0.044715) * x * x * x)
            return x / (SIMD8<Float>(repeating: 1) + VectorExp.exp(z))
        }
        let raw = UnsafeMutableRawPointer(g)
        var i = 0
        if let up {
            let rawUp = UnsafeRawPointer(up)
            while i + 8 <= count {
                let y = block(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
                    * rawUp.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                raw.storeBytes(of: y, toByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
        } else {
            while i + 8 <= count {
                raw.storeBytes(of: block(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)), toByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
        }
        if i < count {
            var tail = SIMD8<Float>(repeating: 0), tailUp = SIMD8<Float>(repeating: 1)
            for k in 0..<(count - i) {
                tail[k] = g[i + k]
                if let up { tailUp[k] = up[i + k] }
            }
            let y = block(tail)
            for k in 0..<(count - i) { g[i + k] = up == nil ? y[k] : y[k] * tailUp[k] }
        }
    }

    /// In place: values[i] ← act(values[i]) for `rows` rows of `count` elements at row stride `stride`
    /// (the activation alone: before a hook sees it, or a non-gated MLP).
    public static func activate(_ activation: ModelConfig.Activation, _ values: UnsafeMutablePointer<Float>,
                                rows: Int, count: Int, stride: Int) {
        for r in 0..<rows {
            let g = values + r * stride
            switch activation {
            case .silu, .geluTanh:
                gatedSigmoid(activation, g, up: nil, count: count)
            case .gelu:
                for i in 0..<count { g[i] = gelu(g[i]) }
            }
        }
    }

    /// GELU with the exact erf: ½x(1 + erf(x/√2)).
    @inline(__always)
    static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * Float(0.5.squareRoot()))) }

    /// Array convenience (tests): act(gate) ⊙ up.
    public static func apply(_ activation: ModelConfig.Activation, gate: [Float], up: [Float]) -> [Float] {
        guard gate.count == up.count else { return [] }
        var g = gate
        g.withUnsafeMutableBufferPointer { pg in
            up.withUnsafeBufferPointer { pu in
                guard let a = pg.baseAddress, let b = pu.baseAddress else { return }
                apply(activation, gate: a, up: b, rows: 1, count: gate.count, stride: gate.count)
            }
        }
        return g
    }
}
