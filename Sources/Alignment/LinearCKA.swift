// Linear centered kernel alignment (Kornblith, Norouzi, Lee & Hinton 2019, "Similarity of Neural
// Network Representations Revisited", eq. 3–4).
import LinearAlgebra

/// Biased HSIC of two doubly centered kernels, HSIC(K, L) = (1/N²) Σᵢⱼ KᵢⱼLᵢⱼ = tr(KHLH)/N² (the
/// (N−1)⁻² normalisation cancels in CKA), with its gradient in sentence counts. With weights w = c/N
/// and weighted centering, HSIC(w) = Σᵢⱼ wᵢwⱼKᵢⱼLᵢⱼ − 2Σᵢ wᵢ(Kw)ᵢ(Lw)ᵢ + (wᵀKw)(wᵀLw); at w = 1/N
/// the centering terms have zero derivative (K·1 = 0), so ∂HSIC/∂cₖ = (2/N²) Σⱼ KₖⱼLₖⱼ.
func biasedHSIC(_ k: Matrix<Double>, _ l: Matrix<Double>) -> (value: Double, countGradient: [Double]) {
    let n = Double(k.rows)
    let r = rowSumsOfProduct(k, l)
    return (r.reduce(0, +) / (n * n), r.map { 2 * $0 / (n * n) })
}

/// CKA = HSIC(K,L) / √(HSIC(K,K)·HSIC(L,L)) from three HSIC values with their count gradients
/// (quotient rule). A kernel with zero self-HSIC (all sentences identical) shares nothing: CKA = 0.
func ckaFromHSIC(_ kl: (value: Double, countGradient: [Double]), _ kk: (value: Double, countGradient: [Double]),
                 _ ll: (value: Double, countGradient: [Double])) -> SentenceStatistic {
    let n = kl.countGradient.count
    guard kk.value > 0, ll.value > 0, kk.value.isFinite, ll.value.isFinite else { return .constant(0, count: n) }
    let denominator = (kk.value * ll.value).squareRoot()
    let cka = kl.value / denominator
    var g = [Double](repeating: 0, count: n)
    for i in 0..<n {
        g[i] = kl.countGradient[i] / denominator
            - cka * (kk.countGradient[i] / kk.value + ll.countGradient[i] / ll.value) / 2
    }
    return SentenceStatistic(value: cka, countGradient: g)
}

/// Linear CKA from the centered Grams K = X_cX_cᵀ and L = Y_cY_cᵀ (Gram form, O(N²) given the Grams).
public func linearCKA(centeredGramX k: Matrix<Double>, centeredGramY l: Matrix<Double>) throws -> SentenceStatistic {
    try linearCKA(centeredGramX: k, centeredGramY: l, selfX: nil, selfY: nil)
}

/// HSIC of a kernel with itself and its count gradient: computed once per language and layer, shared by
/// every pair the language is in.
typealias HSICTerm = (value: Double, countGradient: [Double])

/// Linear CKA with the self-HSIC terms HSIC(K, K), HSIC(L, L) given when already known (nil: computed).
func linearCKA(centeredGramX k: Matrix<Double>, centeredGramY l: Matrix<Double>, selfX: HSICTerm?, selfY: HSICTerm?) throws -> SentenceStatistic {
    guard k.rows == l.rows, k.rows == k.cols, l.rows == l.cols else {
        throw AlignmentError.shapeMismatch("cka_linear needs two N×N Grams, got \(k.rows)×\(k.cols) and \(l.rows)×\(l.cols)")
    }
    guard k.rows >= 2 else { throw AlignmentError.tooFewSentences(metric: "cka_linear", needed: 2, got: k.rows) }
    return ckaFromHSIC(biasedHSIC(k, l), selfX ?? biasedHSIC(k, k), selfY ?? biasedHSIC(l, l))
}

/// Linear CKA of two sets of sentence vectors (rows), choosing the cheaper form: the feature-space
/// form ‖Y_cᵀX_c‖²_F / (‖X_cᵀX_c‖_F‖Y_cᵀY_c‖_F) (cost N·d_x·d_y) when the dimensions are below N, the
/// Gram form ⟨K, L⟩/(‖K‖‖L‖) (cost N²·d) otherwise. Both equal Kornblith et al.'s eq. 4.
public func linearCKA(_ x: Matrix<Double>, _ y: Matrix<Double>) throws -> Double {
    guard x.rows == y.rows else { throw AlignmentError.shapeMismatch("cka_linear: \(x.rows) vs \(y.rows) sentences") }
    guard x.rows >= 2 else { throw AlignmentError.tooFewSentences(metric: "cka_linear", needed: 2, got: x.rows) }
    let xc = columnCentered(x), yc = columnCentered(y)
    let n = x.rows
    if x.cols * y.cols < n * max(x.cols, y.cols) {
        let cross = squaredFrobenius(matmul(yc, xc, transA: .transposed))
        let sx = squaredFrobenius(gram(xc, .transposed)).squareRoot()
        let sy = squaredFrobenius(gram(yc, .transposed)).squareRoot()
        return sx > 0 && sy > 0 ? cross / (sx * sy) : 0
    }
    return try linearCKA(centeredGramX: gram(xc), centeredGramY: gram(yc)).value
}

/// X − 1·mean(X) (column means accumulated in Double).
public func columnCentered(_ x: Matrix<Double>) -> Matrix<Double> {
    let n = x.rows, d = x.cols
    var mean = [Double](repeating: 0, count: d)
    var out = x
    out.storage.withUnsafeMutableBufferPointer { p in
        for i in 0..<n { for j in 0..<d { mean[j] += p[i * d + j] } }
        for j in 0..<d { mean[j] /= Double(max(n, 1)) }
        for i in 0..<n { for j in 0..<d { p[i * d + j] -= mean[j] } }
    }
    return out
}

func squaredFrobenius(_ a: Matrix<Double>) -> Double {
    a.storage.withUnsafeBufferPointer { p in
        guard let base = p.baseAddress else { return 0 }
        return sumOfProducts(base, base, p.count)
    }
}
