// The gated feed-forward activation: act(gate) ⊙ up (Shazeer 2020, "GLU Variants Improve Transformer").
import Checkpoints
import Foundation

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
            case .silu:
                for i in 0..<count {
                    let x = g[i]
                    g[i] = x / (1 + expf(-x)) * u[i]
                }
            case .geluTanh:
                // ½(1 + tanh y) = σ(2y): one expf instead of glibc's much slower tanhf.
                let twoC = Float(2 * (2 / Double.pi).squareRoot())
                for i in 0..<count {
                    let x = g[i]
                    g[i] = x / (1 + expf(-twoC * (x + 0.044715 * x * x * x))) * u[i]
                }
            case .gelu:
                for i in 0..<count { g[i] = gelu(g[i]) * u[i] }
            }
        }
    }

    /// In place: values[i] ← act(values[i]) for `rows` rows of `count` elements at row stride `stride`
    /// (the activation alone: before a hook sees it, or a non-gated MLP).
    public static func activate(_ activation: ModelConfig.Activation, _ values: UnsafeMutablePointer<Float>,
                                rows: Int, count: Int, stride: Int) {
        for r in 0..<rows {
            let g = values + r * stride
            switch activation {
            case .silu:
                for i in 0..<count { g[i] = g[i] / (1 + expf(-g[i])) }
            case .geluTanh:
                let twoC = Float(2 * (2 / Double.pi).squareRoot())
                for i in 0..<count {
                    let x = g[i]
                    g[i] = x / (1 + expf(-twoC * (x + 0.044715 * x * x * x)))
                }
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
