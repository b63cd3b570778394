// Mean cosine of translation pairs.
import LinearAlgebra

/// cosine = (1/N) Σᵢ cos(xᵢ, yᵢ), from the cross cosine matrix S (Sᵢⱼ = cos(xᵢ, yⱼ)); per-sentence
/// quantities Sᵢᵢ.
public func translationCosine(_ s: Matrix<Double>) -> SentenceStatistic {
    SentenceStatistic(perSentence: (0..<min(s.rows, s.cols)).map { s[$0, $0] })
}
