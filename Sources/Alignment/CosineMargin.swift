// Cosine of translations minus cosine of non-translations: raw LLM cosines are inflated by anisotropy.
import LinearAlgebra

/// cosine_margin = (1/N) Σᵢ Sᵢᵢ − 1/(N(N−1)) Σ_{i≠j} Sᵢⱼ.
///
/// Written as a mean of per-sentence quantities mᵢ = Sᵢᵢ − (r̄ᵢ + c̄ᵢ)/2, where r̄ᵢ and c̄ᵢ are the
/// off-diagonal means of row i and column i (their means over i both equal the off-diagonal mean),
/// which is what the bootstrap resamples. Needs N ≥ 2.
public func cosineMargin(_ s: Matrix<Double>) throws -> SentenceStatistic {
    let n = s.rows
    guard n == s.cols else { throw AlignmentError.shapeMismatch("cosine_margin needs a square matrix, got \(s.rows)×\(s.cols)") }
    guard n >= 2 else { throw AlignmentError.tooFewSentences(metric: "cosine_margin", needed: 2, got: n) }
    var rows = [Double](repeating: 0, count: n), cols = [Double](repeating: 0, count: n)
    s.storage.withUnsafeBufferPointer { p in
        for i in 0..<n {
            var r = 0.0
            for j in 0..<n {
                r += p[i * n + j]
                cols[j] += p[i * n + j]
            }
            rows[i] = r
        }
    }
    let q = (0..<n).map { i -> Double in
        let diag = s[i, i]
        let offRow = (rows[i] - diag) / Double(n - 1), offCol = (cols[i] - diag) / Double(n - 1)
        return diag - (offRow + offCol) / 2
    }
    return SentenceStatistic(perSentence: q)
}
