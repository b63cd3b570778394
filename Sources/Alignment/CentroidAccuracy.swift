// Can a sentence vector's language be read off by the nearest language centroid?
import LinearAlgebra

/// centroid_accuracy = fraction of vectors x_{l,i} whose nearest centroid (Euclidean, in-sample means
/// μ_m of every language) is their own, ‖x − μ_m‖² = ‖x_c‖² + 2x_c·(μ_l − μ_m) + ‖μ_l − μ_m‖²; ties go to
/// the earlier language. Per-sentence quantities: the mean hit over languages.
public func centroidAccuracy(_ languages: [LanguageVectors]) throws -> SentenceStatistic {
    guard let n = languages.first?.count, languages.allSatisfy({ $0.count == n }) else {
        throw AlignmentError.shapeMismatch("centroid_accuracy needs the same sentences in every language")
    }
    let count = languages.count, d = languages[0].dimension
    let means = Matrix<Double>(rows: count, cols: d, storage: languages.flatMap(\.mean))
    var q = [Double](repeating: 0, count: n)
    for (l, lang) in languages.enumerated() {
        let xm = matmul(lang.centered, means, transB: .transposed)   // N × L: x_c · μ_m
        let offsets = (0..<count).map { m -> Double in
            let diff = (0..<d).map { lang.mean[$0] - languages[m].mean[$0] }
            return dot(diff, diff)
        }
        for i in 0..<n {
            let ownDot = xm[i, l]
            var best = 0, bestDistance = Double.infinity
            for m in 0..<count {
                let distance = 2 * (ownDot - xm[i, m]) + offsets[m]
                if distance < bestDistance { bestDistance = distance; best = m }
            }
            if best == l { q[i] += 1 / Double(count) }
        }
    }
    return SentenceStatistic(perSentence: q)
}
