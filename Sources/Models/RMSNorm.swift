// Root-mean-square layer normalization (Zhang & Sennrich 2019), as LLaMA and Gemma 3 apply it.
import CKernels
import Foundation

/// RMSNorm: y = x · (mean(x²) + ε)^(−1/2) · w, computed in Float32.
///
/// `w` is the canonical multiplier (see `CanonicalName`): LLaMA's weight as stored; Gemma's 1 + w,
/// which the checkpoint readers already add. The order of operations follows transformers'
/// `LlamaRMSNorm` / `Gemma3RMSNorm` in float32: normalize first, then multiply by the weight. The rows
/// are computed by CKernels' `ck_rms_norm_rows` (vectorized for the CPU's x86-64 level, the same bits on each).
public enum RMSNorm {
    /// Normalizes one vector of `count` elements from `input` into `output` (they may alias).
    public static func normalize(_ input: UnsafePointer<Float>, count: Int, weight: UnsafePointer<Float>,
                                 epsilon: Float, into output: UnsafeMutablePointer<Float>) {
        ck_rms_norm_rows(input, count, output, count, 1, count, weight, epsilon)
    }

    /// Normalizes each of `rows` rows (`count` elements, row strides `inputStride` / `outputStride`).
    public static func normalizeRows(_ input: UnsafePointer<Float>, inputStride: Int, rows: Int, count: Int,
                                     weight: UnsafePointer<Float>, epsilon: Float,
                                     into output: UnsafeMutablePointer<Float>, outputStride: Int) {
        ck_rms_norm_rows(input, inputStride, output, outputStride, rows, count, weight, epsilon)
    }

    /// Array convenience (tests, small vectors).
    public static func normalize(_ x: [Float], weight: [Float], epsilon: Float) -> [Float] {
        guard x.count == weight.count else { return [] }
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { px in
            weight.withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    guard let a = px.baseAddress, let w = pw.baseAddress, let o = po.baseAddress else { return }
                    normalize(a, count: x.count, weight: w, epsilon: epsilon, into: o)
                }
            }
        }
        return out
    }
}
