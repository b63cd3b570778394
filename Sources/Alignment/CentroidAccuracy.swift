// Can a sentence vector's language be read off by the nearest language centroid?
import LinearAlgebra

/// centroid_accuracy = fraction of vectors x_{l,i} whose nearest centroid (Euclidean, in-sample means
/// μ_m of every language) is their own, ‖x − μ_m‖² = ‖x_c‖² + 2x_c·(μ_l − μ_m) + ‖μ_l − μ_m‖²; ties go to
/// the earlier language. Per-sentence quantities: the mean hit over languages.
public func centroidAccuracy(_ languages: [LanguageVectors]) throws -> SentenceStatistic {
    guard let n = languages.first?.count, languages.allSatisfy({ $0.count == n }) else {
        throw AlignmentError.shapeMismatch("centroid_accuracy needs the same sentences in every language")
    }
    let means = languages.map(\.mean)
    let hits = languages.enumerated().map { centroidHits($0.element, index: $0.offset, means: means) }
    return centroidAccuracy(hits, sentences: n)
}

/// Whether each of language `l`'s vectors is nearest to its own centroid among `means` (all languages'):
/// what a streamed layer keeps of the language (the means come from pass 0).
func centroidHits(_ lang: LanguageVectors, index l: Int, means: [[Double]]) -> [Bool] {
    let count = means.count, d = lang.dimension, n = lang.count
    let meanMatrix = Matrix<Double>(rows: count, cols: d, storage: means.flatMap { $0 })
    let xm = matmul(lang.centered, meanMatrix, transB: .transposed)   // N × L: x_c · μ_m
    let offsets = (0..<count).map { m -> Double in
        let diff = (0..<d).map { lang.mean[$0] - means[m][$0] }
        return dot(diff, diff)
    }
    return (0..<n).map { i in
        let ownDot = xm[i, l]
        var best = 0, bestDistance = Double.infinity
        for m in 0..<count {
            let distance = 2 * (ownDot - xm[i, m]) + offsets[m]
            if distance < bestDistance { bestDistance = distance; best = m }
        }
        return best == l
    }
}

/// The per-sentence mean hit over languages, 1/L added per hit in language order.
func centroidAccuracy(_ hits: [[Bool]], sentences n: Int) -> SentenceStatistic {
    var q = [Double](repeating: 0, count: n)
    for language in hits { for i in 0..<n where language[i] { q[i] += 1 / Double(hits.count) } }
    return SentenceStatistic(perSentence: q)
}
