// Precision@1 of translation retrieval by cosine.
import LinearAlgebra

/// Which side queries: `.forward` finds yᵢ among all y for each xᵢ (rows of S), `.backward` finds xᵢ
/// among all x for each yᵢ (columns of S).
public enum RetrievalDirection: Sendable {
    case forward, backward
}

/// retrieval_p1 = (1/N) Σᵢ [argmaxⱼ Sᵢⱼ = i] (forward; backward uses columns). Ties go to the lowest
/// index, as NumPy's argmax. Per-sentence quantities are the hits (0 or 1); the bootstrap keeps the
/// full candidate set.
public func retrievalAtOne(_ s: Matrix<Double>, direction: RetrievalDirection) -> SentenceStatistic {
    let n = s.rows, m = s.cols
    var hits = [Double](repeating: 0, count: direction == .forward ? n : m)
    s.storage.withUnsafeBufferPointer { p in
        switch direction {
        case .forward:
            for i in 0..<n {
                var best = 0
                for j in 1..<max(m, 1) where p[i * m + j] > p[i * m + best] { best = j }
                if best == i { hits[i] = 1 }
            }
        case .backward:
            var best = [Int](repeating: 0, count: m)
            for i in 1..<max(n, 1) {
                for j in 0..<m where p[i * m + j] > p[best[j] * m + j] { best[j] = i }
            }
            for j in 0..<m where best[j] == j { hits[j] = 1 }
        }
    }
    return SentenceStatistic(perSentence: hits)
}
