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
            case .silu: map(g, times: u, count: count, silu)
            case .geluTanh: map(g, times: u, count: count, geluTanh)
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
            case .silu: map(g, times: nil, count: count, silu)
            case .geluTanh: map(g, times: nil, count: count, geluTanh)
            case .gelu:
                for i in 0..<count { g[i] = gelu(g[i]) }
            }
        }
    }

    /// SiLU(x) = x·σ(x) = x / (1 + e^−x), eight lanes at a time.
    @inline(__always)
    static func silu(_ x: SIMD8<Float>) -> SIMD8<Float> { x / (1 + VectorMath.exp(-x)) }

    /// GELU-tanh: ½x(1 + tanh y) with y = √(2/π)(x + 0.044715x³), as x·σ(2y) = x / (1 + e^−2y) (one
    /// exponential instead of a tanh).
    @inline(__always)
    static func geluTanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let twoC = Float(2 * (2 / Double.pi).squareRoot())
        return x / (1 + VectorMath.exp(-twoC * (x + 0.044715 * x * x * x)))
    }

    /// g[i] ← f(g[i]) (· u[i] when `u` is given), 8 lanes at a time; the tail goes through the same
    /// vector function (zero-padded), so every element gets the same arithmetic wherever it sits.
    @inline(__always)
    static func map(_ g: UnsafeMutablePointer<Float>, times u: UnsafePointer<Float>?, count: Int,
                    _ f: (SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        while i + 8 <= count {
            var y = f(UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self))
            if let u { y *= UnsafeRawPointer(u + i).loadUnaligned(as: SIMD8<Float>.self) }
            UnsafeMutableRawPointer(g + i).storeBytes(of: y, as: SIMD8<Float>.self)
            i += 8
        }
        guard i < count else { return }
        var x = SIMD8<Float>(repeating: 0)
        for j in 0..<(count - i) { x[j] = g[i + j] }
        let y = f(x)
        for j in 0..<(count - i) { g[i + j] = u.map { y[j] * $0[i + j] } ?? y[j] }
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
