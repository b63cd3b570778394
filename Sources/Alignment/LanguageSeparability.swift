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
    return languageSeparability(languages.map { separabilityTerms($0, grandMean: grand) }, sentences: n)
}

/// One language's share of `language_separability`'s sums: ‖x_c,i‖² (its within term), x_c,i·(μ_l − μ)
/// and ‖μ_l − μ‖² — all a streamed layer keeps of the language (3 numbers per sentence, μ from pass 0).
struct SeparabilityTerms: Sendable {
    var within: [Double]
    var cross: [Double]
    var deltaNorm: Double
}

func separabilityTerms(_ lang: LanguageVectors, grandMean grand: [Double]) -> SeparabilityTerms {
    let delta = (0..<lang.dimension).map { lang.mean[$0] - grand[$0] }
    return SeparabilityTerms(within: lang.centeredNormsSquared, cross: matrixVector(lang.centered, delta), deltaNorm: dot(delta, delta))
}

/// The statistic from every language's terms, summed over languages in their order.
func languageSeparability(_ terms: [SeparabilityTerms], sentences n: Int) -> SentenceStatistic {
    var t = [Double](repeating: 0, count: n), u = [Double](repeating: 0, count: n)
    for term in terms {
        for i in 0..<n {
            let within = term.within[i]
            u[i] += within
            t[i] += within + 2 * term.cross[i] + term.deltaNorm
        }
    }
    let sst = t.reduce(0, +) / Double(n), ssw = u.reduce(0, +) / Double(n)
    guard sst > 0 else { return .constant(0, count: n) }
    let g = (0..<n).map { -(u[$0] * sst - ssw * t[$0]) / (Double(n) * sst * sst) }
    return SentenceStatistic(value: 1 - ssw / sst, countGradient: g)
}
