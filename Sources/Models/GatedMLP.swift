// The gated feed-forward activation: act(gate) ⊙ up (Shazeer 2020, "GLU Variants Improve Transformer").
import CKernels
import Checkpoints
import Foundation
import LinearAlgebra

/// Combines the gate and up projections in place: gate[i] ← act(gate[i]) · up[i].
///
/// SiLU(x) = x·σ(x) (LLaMA's SwiGLU); GELU-tanh(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
/// (Gemma's `gelu_pytorch_tanh`, GeGLU), both in Float32, both as x·σ(·) in CKernels' `ck_gated_sigmoid_rows`
/// (GELU-tanh as x·σ(2y): one exponential instead of glibc's much slower tanhf; vectorized for the CPU's
/// x86-64 level, its e^x with `VectorExp.exp`'s bits).
public enum GatedActivation {
    /// For `rows` rows of `count` elements: gate at `gate + r·stride`, up at `up + r·stride`.
    public static func apply(_ activation: ModelConfig.Activation, gate: UnsafeMutablePointer<Float>,
                             up: UnsafePointer<Float>, rows: Int, count: Int, stride: Int) {
        switch activation {
        case .silu, .geluTanh:
            ck_gated_sigmoid_rows(activation == .silu ? 1 : 0, gate, up, rows, count, stride)
        case .gelu:
            for r in 0..<rows {
                let g = gate + r * stride, u = up + r * stride
                for i in 0..<count { g[i] = gelu(g[i]) * u[i] }
            }
        }
    }

    /// In place: values[i] ← act(values[i]) for `rows` rows of `count` elements at row stride `stride`
    /// (the activation alone: before a hook sees it, or a non-gated MLP).
    public static func activate(_ activation: ModelConfig.Activation, _ values: UnsafeMutablePointer<Float>,
                                rows: Int, count: Int, stride: Int) {
        switch activation {
        case .silu, .geluTanh:
            ck_gated_sigmoid_rows(activation == .silu ? 1 : 0, values, nil, rows, count, stride)
        case .gelu:
            for r in 0..<rows {
                let g = values + r * stride
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
