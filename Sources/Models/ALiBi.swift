// Attention with linear biases (Press, Smith & Lewis 2022, "Train Short, Test Long"), as BLOOM adds them.
import Foundation

/// ALiBi: head h adds m_h · j to the score of every key j (its position in the sentence) before the
/// softmax; as softmax is shift-invariant per row this is the paper's −m_h·(i − j). The slopes are the
/// geometric sequence of transformers' `build_alibi_tensor`: for n heads, with p = 2^⌊log₂ n⌋,
/// m_h = b^(h+1) for h < p with b = 2^(−8/p); when n is not a power of 2 the remaining n − p heads take the
/// odd powers e^1, e^3, … of e = 2^(−4/p) (the slopes of 2p heads that lie between the first p).
public enum ALiBi {
    /// The n slopes, in Float32 as torch computes them (powers of a Float32 base).
    public static func slopes(heads n: Int) -> [Float] {
        guard n > 0 else { return [] }
        var p = 1
        while p * 2 <= n { p *= 2 }
        let base = Float(pow(2.0, -pow(2.0, -(log2(Double(p)) - 3))))
        var slopes = (1...p).map { powf(base, Float($0)) }
        if p != n {
            let extra = Float(pow(2.0, -pow(2.0, -(log2(Double(2 * p)) - 3))))
            let remaining = min(p, n - p)
            slopes += (0..<remaining).map { powf(extra, Float(2 * $0 + 1)) }
        }
        return slopes
    }

    /// Adds `slope · j` to column j of every row of the `length × length` score matrix (the keys' positions
    /// within the sentence, as BLOOM's `alibi + α·QKᵀ`; the causal mask later drops j > i).
    static func addBias(slope: Float, to scores: UnsafeMutablePointer<Float>, length: Int) {
        for i in 0..<length {
            let row = scores + i * length
            for j in 0...i { row[j] += slope * Float(j) }
        }
    }
}
