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
    let diag = (0..<n).map { k[$0, $0] }
    // Upper-triangle squared distances: the full matrix is symmetric with a zero diagonal.
    var upper = [Double]()
    upper.reserveCapacity(n * (n - 1) / 2)
    k.storage.withUnsafeBufferPointer { pk in
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) { upper.append(max(0, diag[i] + diag[j] - 2 * pk[i * n + j])) }
        }
    }
    var sigma2 = medianOfSymmetric(offDiagonal: upper, size: n)
    if !(sigma2 > 0) { sigma2 = 2 * upper.reduce(0, +) / Double(max(n * n, 1)) }
    sigma2 *= scale * scale
    let factor = sigma2 > 0 ? -1 / (2 * sigma2) : 0
    var d = Matrix<Double>(rows: n, cols: n, repeating: 1)
    d.storage.withUnsafeMutableBufferPointer { p in
        var t = 0
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) {
                let value = Foundation.exp(upper[t] * factor)
                p[i * n + j] = value
                p[j * n + i] = value
                t += 1
            }
        }
    }
    return doublyCentered(d)
}

/// CKA of two centered RBF kernels (biased HSIC, as `cka(gram_rbf(X), gram_rbf(Y))` in the notebook).
public func rbfCKA(centeredKernelX k: Matrix<Double>, centeredKernelY l: Matrix<Double>) throws -> SentenceStatistic {
    try rbfCKA(centeredKernelX: k, centeredKernelY: l, selfX: nil, selfY: nil)
}

/// RBF CKA with HSIC(K, K), HSIC(L, L) given when already known (nil: computed).
func rbfCKA(centeredKernelX k: Matrix<Double>, centeredKernelY l: Matrix<Double>, selfX: HSICTerm?, selfY: HSICTerm?) throws -> SentenceStatistic {
    guard k.rows == l.rows, k.rows == k.cols, l.rows == l.cols else {
        throw AlignmentError.shapeMismatch("cka_rbf needs two N×N kernels")
    }
    guard k.rows >= 2 else { throw AlignmentError.tooFewSentences(metric: "cka_rbf", needed: 2, got: k.rows) }
    return ckaFromHSIC(biasedHSIC(k, l), selfX ?? biasedHSIC(k, k), selfY ?? biasedHSIC(l, l))
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

/// The median of a symmetric n×n matrix with zero diagonal given its strict upper triangle (row-major):
/// the full matrix holds n zeros and every off-diagonal value twice, so its r-th smallest element
/// (0-based, distances ≥ 0) is 0 for r < n and otherwise the ⌊(r − n)/2⌋-th smallest upper value.
/// Even counts average the two middle elements, as NumPy's median.
func medianOfSymmetric(offDiagonal upper: [Double], size n: Int) -> Double {
    let total = n * n
    guard total > 0 else { return 0 }
    if upper.isEmpty { return 0 }
    var values = upper
    func element(_ rank: Int) -> Double {
        rank < n ? 0 : quickselect(&values, (rank - n) / 2)
    }
    if total % 2 == 1 { return element(total / 2) }
    let low = total / 2 - 1, high = total / 2
    guard low >= n else { return (element(low) + element(high)) / 2 }
    // One selection: after it, every value past index k is ≥ the k-th smallest, so the (k + 1)-th is their minimum.
    let k = (low - n) / 2, kHigh = (high - n) / 2
    let lower = quickselect(&values, k)
    let upperValue = kHigh == k ? lower : values[(k + 1)...].min() ?? lower
    return (lower + upperValue) / 2
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
