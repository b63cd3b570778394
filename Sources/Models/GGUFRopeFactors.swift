// LLaMA 3 RoPE scaling recovered from the `rope_freqs.weight` tensor llama.cpp's converter writes.
//
// For `rope_scaling.rope_type == "llama3"` the converter stores no scaling metadata; it writes one
// factor per rotary frequency θ_i = base^(−2i/dim), i < dim/2 (Meta's Llama 3.1 rule, as in
// transformers' `_compute_llama3_parameters`), with wavelength λ_i = 2π/θ_i, L = original context:
//   λ_i < L / high_freq_factor → 1
//   λ_i > L / low_freq_factor  → factor
//   otherwise, with s = (L/λ_i − low) / (high − low): 1 / ((1 − s)/factor + s)
// The converter takes L from `original_max_position_embeddings` at the top of config.json, which
// Llama 3.x configs lack, so L is its default 8192; low and high are Meta's published 1 and 4.
import Checkpoints
import Foundation

enum GGUFRopeFactors {
    static let (lowFreqFactor, highFreqFactor, originalContext) = (1.0, 4.0, 8192.0)

    /// λ_i = 2π / θ_i = 2π · base^(2i/dim).
    static func wavelength(_ i: Int, base: Double, dimensions: Int) -> Double {
        2 * Double.pi * pow(base, Double(2 * i) / Double(dimensions))
    }

    /// s of the smooth band, or nil outside it (then the factor is 1 below, `factor` above).
    static func smoothing(_ wavelength: Double) -> Double? {
        guard wavelength >= originalContext / highFreqFactor, wavelength <= originalContext / lowFreqFactor else { return nil }
        return (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor)
    }

    /// The factor of frequency `i` under LLaMA 3 scaling with `factor`.
    static func llama3Factor(_ i: Int, base: Double, dimensions: Int, factor: Double) -> Double {
        let w = wavelength(i, base: base, dimensions: dimensions)
        if let s = smoothing(w) { return 1 / ((1 - s) / factor + s) }
        return w < originalContext / highFreqFactor ? 1 : factor
    }

    /// The LLaMA 3 scaling that produced `factors`, or nil when it is the identity (every factor 1).
    /// Throws when the factors follow no LLaMA 3 rule with Meta's constants.
    static func llama3Scaling(_ factors: [Float], base: Double, dimensions: Int, file: String) throws -> ModelConfig.RopeScaling? {
        let unsupported = CheckpointError.unsupported(
            file: file, reason: "rope_freqs.weight does not follow LLaMA 3 RoPE scaling (low 1, high 4, context 8192)")
        guard dimensions >= 2, factors.count == dimensions / 2, base > 1 else { throw unsupported }
        // `factor` from the first frequency that depends on it.
        var factor: Double?
        for (i, f) in factors.enumerated() {
            let w = wavelength(i, base: base, dimensions: dimensions)
            if let s = smoothing(w) {
                // f = 1 / ((1 − s)/F + s)  ⇒  F = (1 − s) / (1/f − s); configs use round factors.
                factor = ((1 - s) / (1 / Double(f) - s) * 1000).rounded() / 1000
                break
            }
            if w > originalContext / lowFreqFactor {
                factor = Double(f)
                break
            }
        }
        guard let factor else {
            guard factors.allSatisfy({ $0 == 1 }) else { throw unsupported }
            return nil
        }
        guard factor.isFinite, factor > 0 else { throw unsupported }
        for (i, f) in factors.enumerated() {
            let expected = llama3Factor(i, base: base, dimensions: dimensions, factor: factor)
            guard abs(Double(f) - expected) <= 1e-4 * expected else { throw unsupported }
        }
        if factor == 1 { return nil }   // every factor is 1: frequencies unchanged
        return ModelConfig.RopeScaling(kind: .llama3, factor: factor, lowFreqFactor: lowFreqFactor,
                                       highFreqFactor: highFreqFactor, originalContextLength: Int(originalContext))
    }
}
