// Rotary position embeddings (Su et al. 2021) in Hugging Face's rotate-half layout, with linear,
// LLaMA 3, YaRN and dynamic-NTK frequency scaling as transformers' `modeling_rope_utils.py` computes them.
import CKernels
import Checkpoints
import Foundation

/// RoPE for one base frequency: position p rotates the pair (x[i], x[i + h]) of a head vector
/// (h = headDim / 2) by the angle p·θ_i with θ_i = base^(−2i/headDim):
///
///     y[i]     = x[i]·cos(pθ_i) − x[i+h]·sin(pθ_i)
///     y[i + h] = x[i+h]·cos(pθ_i) + x[i]·sin(pθ_i)
///
/// (transformers' `q·cos + rotate_half(q)·sin`); with `interleaved` the pair is (x[2i], x[2i + 1])
/// (Cohere, whose `rotate_half` and cos/sin `repeat_interleave` work on adjacent elements). Frequencies and angles are Float32 as transformers
/// computes them; cos/sin are tabulated per position once and reused for every head and sentence.
public final class RotaryEmbedding {
    public let headDim: Int
    /// Whether the rotated pairs are (x[2i], x[2i+1]) (Cohere's `rotate_half` over interleaved pairs, GGML's
    /// normal RoPE mode) instead of (x[i], x[i + h]).
    public let interleaved: Bool
    /// θ_i after scaling, i < headDim/2.
    public let inverseFrequencies: [Float]
    /// cos and sin are multiplied by this (YaRN's attention factor; 1 otherwise), so q·k scales by its square.
    public let attentionScaling: Float
    private let base: Double
    private let scaling: ModelConfig.RopeScaling?
    private var cosTable: [Float] = []
    private var sinTable: [Float] = []
    private var positions = 0
    /// Dynamic NTK: tables of sentences longer than the original context, by length.
    private var dynamicTables: [Int: RotaryEmbedding] = [:]

    /// `scaling`: `linear` divides every frequency by the factor; `llama3` (Meta's LLaMA 3.1 rule,
    /// transformers' `_compute_llama3_parameters`) divides low frequencies by the factor, keeps high
    /// ones and interpolates smoothly between the two wavelength bounds; `yarn` (Peng et al. 2023,
    /// `_compute_yarn_parameters`) blends interpolated and extrapolated frequencies over a linear ramp
    /// between the correction dimensions of β_fast and β_slow and scales cos/sin by the attention factor;
    /// `dynamic` (`_compute_dynamic_ntk_parameters`) is plain RoPE for sentences up to the original
    /// context and raises the base for a longer sentence of length L to
    /// base·(factor·L/original − (factor − 1))^(dim/(dim−2)).
    public init(headDim: Int, base: Double, scaling: ModelConfig.RopeScaling? = nil, interleaved: Bool = false) {
        self.headDim = headDim
        self.interleaved = interleaved
        self.base = base
        self.scaling = scaling
        let half = headDim / 2
        var frequencies = (0..<half).map { i in Float(1 / pow(base, Double(2 * i) / Double(headDim))) }
        var attention: Float = 1
        if let scaling {
            let factor = Float(scaling.factor)
            switch scaling.kind {
            case .linear:
                frequencies = frequencies.map { $0 / factor }
            case .llama3:
                let low = Float(scaling.lowFreqFactor ?? 1)
                let high = Float(scaling.highFreqFactor ?? 4)
                let original = Float(scaling.originalContextLength ?? 8192)
                let lowFreqWavelength = original / low
                let highFreqWavelength = original / high
                frequencies = frequencies.map { f in
                    let wavelength = 2 * Float.pi / f
                    if wavelength < highFreqWavelength { return f }
                    if wavelength > lowFreqWavelength { return f / factor }
                    let smooth = (original / wavelength - low) / (high - low)
                    return (1 - smooth) * f / factor + smooth * f
                }
            case .yarn:
                let dim = Double(headDim), original = Double(scaling.originalContextLength ?? 4096)
                let factor = scaling.factor
                func correctionDimension(_ rotations: Double) -> Double {
                    dim * log(original / (rotations * 2 * Double.pi)) / (2 * log(base))
                }
                var low = correctionDimension(scaling.betaFast ?? 32)
                var high = correctionDimension(scaling.betaSlow ?? 1)
                if scaling.truncate ?? true {
                    low = low.rounded(.down)
                    high = high.rounded(.up)
                }
                low = max(low, 0)
                high = min(high, dim - 1)
                if low == high { high += 0.001 }
                let positionFrequencies = (0..<half).map { i in Float(pow(base, Double(2 * i) / dim)) }
                frequencies = (0..<half).map { i in
                    let extrapolation = 1 / positionFrequencies[i]
                    let interpolation = 1 / (Float(factor) * positionFrequencies[i])
                    let ramp = min(max((Float(i) - Float(low)) / (Float(high) - Float(low)), 0), 1)
                    let extrapolationFactor = 1 - ramp
                    return interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor
                }
                attention = Float(scaling.attentionFactor ?? (factor <= 1 ? 1 : 0.1 * log(factor) + 1))
            case .dynamic:
                break
            }
        }
        inverseFrequencies = frequencies
        attentionScaling = attention
    }

    /// The rotation of a sentence of `length` tokens: this one, except under dynamic scaling past the
    /// original context.
    public func table(forSentenceOf length: Int) -> RotaryEmbedding {
        guard let scaling, scaling.kind == .dynamic, let original = scaling.originalContextLength, length > original
        else { return self }
        if let cached = dynamicTables[length] { return cached }
        let factor = scaling.factor, dim = Double(headDim)
        let scaledBase = base * pow(factor * Double(length) / Double(original) - (factor - 1), dim / (dim - 2))
        let table = RotaryEmbedding(headDim: headDim, base: scaledBase, interleaved: interleaved)
        table.reserve(positions: length)
        dynamicTables[length] = table
        return table
    }

    /// Makes the cos/sin tables cover positions 0..<count.
    public func reserve(positions count: Int) {
        guard count > positions else { return }
        let half = headDim / 2
        var cosines = [Float](repeating: 0, count: count * half)
        var sines = [Float](repeating: 0, count: count * half)
        for p in 0..<count {
            for i in 0..<half {
                let angle = Float(p) * inverseFrequencies[i]
                cosines[p * half + i] = Float(cos(Double(angle))) * attentionScaling
                sines[p * half + i] = Float(sin(Double(angle))) * attentionScaling
            }
        }
        cosTable = cosines
        sinTable = sines
        positions = count
    }

    /// Rotates the head vector at `x` (headDim elements) in place for `position`
    /// (the tables must cover it: call `reserve(positions:)` first).
    public func rotate(_ x: UnsafeMutablePointer<Float>, position: Int) {
        rotate(heads: 1, of: x, headStride: headDim, position: position)
    }

    /// Rotates `heads` head vectors (at `x`, `x + headStride`, …) in place for `position`, as `rotate` does
    /// each (one table lookup for all), with CKernels' `ck_rotate_heads` (vectorized for the CPU's x86-64
    /// level). Only reads the tables: safe from several threads at once.
    public func rotate(heads: Int, of x: UnsafeMutablePointer<Float>, headStride: Int, position: Int) {
        let half = headDim / 2
        cosTable.withUnsafeBufferPointer { c in
            sinTable.withUnsafeBufferPointer { s in
                guard let cb = c.baseAddress, let sb = s.baseAddress else { return }
                ck_rotate_heads(x, heads, headStride, half, cb + position * half, sb + position * half, interleaved ? 1 : 0)
            }
        }
    }

    /// Array convenience (tests): the head vector `x` rotated for `position`.
    public func rotated(_ x: [Float], position: Int) -> [Float] {
        guard x.count == headDim, position >= 0 else { return [] }
        reserve(positions: position + 1)
        var y = x
        y.withUnsafeMutableBufferPointer { p in if let b = p.baseAddress { rotate(b, position: position) } }
        return y
    }
}
