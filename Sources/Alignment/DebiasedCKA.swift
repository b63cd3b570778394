// CKA with the unbiased HSIC estimator (Song, Smola, Gretton, Bedo & Borgwardt 2012, "Feature Selection
// via Dependence Maximization", eq. 5), as Kornblith et al.'s notebook `cka(..., debiased=True)`.
import LinearAlgebra

/// HSIC₁(K, L) = [tr(K̃L̃) + (1ᵀK̃1)(1ᵀL̃1)/((N−1)(N−2)) − 2/(N−2)·1ᵀK̃L̃1] / (N(N−3)), K̃ = K with zero
/// diagonal, with its gradient in sentence counts. In counts c (a resample repeats sentences, and a
/// repeated sentence's copies meet off the diagonal): tr(K̃L̃) = cᵀ(K∘L)c − Σcᵢkᵢlᵢ,
/// 1ᵀK̃1 = cᵀKc − Σcᵢkᵢ, 1ᵀK̃L̃1 = Σᵢ cᵢ((Kc)ᵢ − kᵢ)((Lc)ᵢ − lᵢ), k = diag K; differentiated at c = 1.
func unbiasedHSIC(_ k: Matrix<Double>, _ l: Matrix<Double>) -> (value: Double, countGradient: [Double]) {
    let n = k.rows
    let nn = Double(n)
    let kd = (0..<n).map { k[$0, $0] }, ld = (0..<n).map { l[$0, $0] }
    let m = rowSumsOfProduct(k, l)
    let alpha = zip(rowSums(k), kd).map { $0 - $1 }, beta = zip(rowSums(l), ld).map { $0 - $1 }
    let traceTerm = m.reduce(0, +) - zip(kd, ld).reduce(0) { $0 + $1.0 * $1.1 }
    let sk = alpha.reduce(0, +), sl = beta.reduce(0, +)
    let cross = zip(alpha, beta).reduce(0) { $0 + $1.0 * $1.1 }
    let kBeta = matrixVector(k, beta), lAlpha = matrixVector(l, alpha)
    let a = 1 / ((nn - 1) * (nn - 2)), b = 2 / (nn - 2), scale = 1 / (nn * (nn - 3))
    let value = (traceTerm + sk * sl * a - b * cross) * scale
    var g = [Double](repeating: 0, count: n)
    for i in 0..<n {
        let dTrace = 2 * m[i] - kd[i] * ld[i]
        let dSk = 2 * (alpha[i] + kd[i]) - kd[i], dSl = 2 * (beta[i] + ld[i]) - ld[i]
        let dCross = alpha[i] * beta[i] + kBeta[i] + lAlpha[i]
        g[i] = (dTrace + (dSk * sl + sk * dSl) * a - b * dCross) * scale
    }
    return (value, g)
}

/// Debiased linear CKA from two N×N linear Grams (centered or not: HSIC₁ ignores feature shifts).
/// Needs N ≥ 4 (the estimator divides by N−3); a non-positive self-HSIC₁ (no measurable variance)
/// gives 0, never NaN.
public func debiasedCKA(gramX k: Matrix<Double>, gramY l: Matrix<Double>) throws -> SentenceStatistic {
    try debiasedCKA(gramX: k, gramY: l, selfX: nil, selfY: nil)
}

/// Debiased CKA with HSIC₁(K, K), HSIC₁(L, L) given when already known (nil: computed).
func debiasedCKA(gramX k: Matrix<Double>, gramY l: Matrix<Double>, selfX: HSICTerm?, selfY: HSICTerm?) throws -> SentenceStatistic {
    guard k.rows == l.rows, k.rows == k.cols, l.rows == l.cols else {
        throw AlignmentError.shapeMismatch("cka_debiased needs two N×N Grams, got \(k.rows)×\(k.cols) and \(l.rows)×\(l.cols)")
    }
    guard k.rows >= 4 else { throw AlignmentError.tooFewSentences(metric: "cka_debiased", needed: 4, got: k.rows) }
    return ckaFromHSIC(unbiasedHSIC(k, l), selfX ?? unbiasedHSIC(k, k), selfY ?? unbiasedHSIC(l, l))
}
