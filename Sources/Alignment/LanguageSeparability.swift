// How much of the variance of all languages' sentence vectors is explained by the language label.

/// language_separability = SS_between / SS_total = 1 − SS_within / SS_total over all languages'
/// vectors x_{l,i}: SS_total = Σ_l Σᵢ ‖x_{l,i} − μ‖², SS_within = Σ_l Σᵢ ‖x_{l,i} − μ_l‖² (a one-way
/// ANOVA share / the "between-class" share of Fisher's criterion). Both sums are sums over sentences
/// of tᵢ = Σ_l ‖x_{l,i} − μ‖² and uᵢ = Σ_l ‖x_{l,i} − μ_l‖²; since the means minimise their sums, the
/// count gradient is ∂θ/∂cᵢ = −(uᵢ·SST − SSW·tᵢ) / (N·SST²). SST = 0 (all vectors equal) gives 0.
public func languageSeparability(_ languages: [LanguageVectors]) throws -> SentenceStatistic {
    guard let n = languages.first?.count, languages.allSatisfy({ $0.count == n }) else {
        throw AlignmentError.shapeMismatch("language_separability needs the same sentences in every language")
    }
    let d = languages[0].dimension
    var grand = [Double](repeating: 0, count: d)
    for lang in languages { for j in 0..<d { grand[j] += lang.mean[j] / Double(languages.count) } }
    var t = [Double](repeating: 0, count: n), u = [Double](repeating: 0, count: n)
    for lang in languages {
        let delta = (0..<d).map { lang.mean[$0] - grand[$0] }
        let cross = matrixVector(lang.centered, delta), deltaNorm = dot(delta, delta)
        for i in 0..<n {
            let within = lang.centeredGram[i, i]
            u[i] += within
            t[i] += within + 2 * cross[i] + deltaNorm
        }
    }
    let sst = t.reduce(0, +) / Double(n), ssw = u.reduce(0, +) / Double(n)
    guard sst > 0 else { return .constant(0, count: n) }
    let g = (0..<n).map { -(u[$0] * sst - ssw * t[$0]) / (Double(n) * sst * sst) }
    return SentenceStatistic(value: 1 - ssw / sst, countGradient: g)
}
