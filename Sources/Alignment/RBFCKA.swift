// CKA with Gaussian (RBF) kernels (Kornblith et al. 2019, §3 "Kernel selection"; bandwidth as in
// their notebook's `gram_rbf(x, threshold)`).
import Foundation
import LinearAlgebra

/// The doubly centered RBF kernel HRH with Rᵢⱼ = exp(−‖xᵢ − xⱼ‖² / (2σ²)), σ² = scale² · median of the
/// full N×N squared-distance matrix (diagonal zeros included, as NumPy's `np.median(sq_distances)` in
/// the notebook), i.e. σ = scale × median distance. Squared distances come from the linear Gram
/// (kᵢᵢ + kⱼⱼ − 2kᵢⱼ). If that median is 0 (most sentences identical) the mean squared distance is
/// used; if all distances are 0 the kernel is constant and centers to 0 (CKA then reports 0).
public func centeredRBFKernel(gram k: Matrix<Double>, scale: Double) throws -> Matrix<Double> {
    guard scale > 0, scale.isFinite else { throw AlignmentError.invalidSetting("RBF scale must be positive, got \(scale)") }
    let n = k.rows
    var d = Matrix<Double>(rows: n, cols: n)
    let diag = (0..<n).map { k[$0, $0] }
    k.storage.withUnsafeBufferPointer { pk in
        d.storage.withUnsafeMutableBufferPointer { pd in
            for i in 0..<n {
                for j in 0..<n { pd[i * n + j] = max(0, diag[i] + diag[j] - 2 * pk[i * n + j]) }
            }
        }
    }
    var sigma2 = median(d.storage)
    if !(sigma2 > 0) { sigma2 = d.storage.reduce(0, +) / Double(max(d.storage.count, 1)) }
    sigma2 *= scale * scale
    let factor = sigma2 > 0 ? -1 / (2 * sigma2) : 0
    d.storage.withUnsafeMutableBufferPointer { p in
        for i in 0..<(n * n) { p[i] = Foundation.exp(p[i] * factor) }
    }
    return doublyCentered(d)
}

/// CKA of two centered RBF kernels (biased HSIC, as `cka(gram_rbf(X), gram_rbf(Y))` in the notebook).
public func rbfCKA(centeredKernelX k: Matrix<Double>, centeredKernelY l: Matrix<Double>) throws -> SentenceStatistic {
    guard k.rows == l.rows, k.rows == k.cols, l.rows == l.cols else {
        throw AlignmentError.shapeMismatch("cka_rbf needs two N×N kernels")
    }
    guard k.rows >= 2 else { throw AlignmentError.tooFewSentences(metric: "cka_rbf", needed: 2, got: k.rows) }
    return ckaFromHSIC(biasedHSIC(k, l), biasedHSIC(k, k), biasedHSIC(l, l))
}

/// HKH with H = I − 11ᵀ/N: subtract row and column means, add back the grand mean.
func doublyCentered(_ k: Matrix<Double>) -> Matrix<Double> {
    let n = k.rows
    guard n > 0 else { return k }
    let r = rowSums(k).map { $0 / Double(n) }
    let grand = r.reduce(0, +) / Double(n)
    var out = k
    out.storage.withUnsafeMutableBufferPointer { p in
        for i in 0..<n {
            for j in 0..<n { p[i * n + j] += grand - r[i] - r[j] }
        }
    }
    return out
}

/// The median (mean of the two middle values for an even count, as NumPy) by quickselect, O(count).
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    var a = values
    let n = a.count
    let upper = quickselect(&a, n / 2)
    if n % 2 == 1 { return upper }
    // After selection every element before n/2 is ≤ a[n/2]; the lower middle is their maximum.
    var lower = -Double.infinity
    for i in 0..<(n / 2) where a[i] > lower { lower = a[i] }
    return (lower + upper) / 2
}

/// Puts the k-th smallest element at index k (Hoare partition, median-of-three pivot).
func quickselect(_ a: inout [Double], _ k: Int) -> Double {
    var lo = 0, hi = a.count - 1
    while lo < hi {
        let mid = lo + (hi - lo) / 2
        let pivot = max(min(a[lo], a[mid]), min(max(a[lo], a[mid]), a[hi]))
        var i = lo, j = hi
        while i <= j {
            while a[i] < pivot { i += 1 }
            while a[j] > pivot { j -= 1 }
            if i <= j {
                a.swapAt(i, j)
                i += 1
                j -= 1
            }
        }
        if k <= j { hi = j } else if k >= i { lo = i } else { break }
    }
    return a[k]
}
