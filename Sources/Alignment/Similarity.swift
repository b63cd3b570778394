// Dot products and cosine similarities between sentence vectors, always in Double.
import Foundation
import LinearAlgebra

/// One language's sentence vectors at one layer, prepared once and shared by every measure:
/// centered rows X_c = X − 1μᵀ (Double), the mean μ, and the centered Gram K = X_c·X_cᵀ (dsyrk).
/// Centering first keeps the large common component of LLM activations out of the products, so no
/// measure subtracts two large numbers; raw dot products are rebuilt by adding the mean terms back.
public struct LanguageVectors: Sendable {
    public let centered: Matrix<Double>
    public let mean: [Double]
    /// K = X_c X_cᵀ: the doubly centered linear Gram HKH of Kornblith et al. 2019.
    public let centeredGram: Matrix<Double>
    /// (X_c μ)ᵢ: cross term between each centered row and the mean.
    public let centeredDotMean: [Double]
    public let meanNormSquared: Double
    /// Σᵢ x_c,ij² per dimension when the centering accumulated it (rows in order, the bits of
    /// `columnSumsOfSquares(centered)`); nil for vectors built from already centered rows.
    private let knownColumnSquares: [Double]?

    /// Σᵢ x_c,ij² per dimension: the centering's sums, else one pass over the centered rows (same bits).
    var columnSquares: [Double] { knownColumnSquares ?? columnSumsOfSquares(centered) }

    public var count: Int { centered.rows }
    public var dimension: Int { centered.cols }

    /// X_c = X − 1μᵀ and μ of `x` ([N, d] Float), μ accumulated in Double, each column over the rows in
    /// order, columns split over the cores (the result does not depend on their number). The one centering
    /// of the analysis: the in-memory and the streamed paths (which re-center a language when they read it
    /// again) call it, so both see the same bits. It also returns Σᵢ x_c,ij² per column, summed over the
    /// rows in order as it writes them (what `columnSumsOfSquares(centered)` gives, without another pass).
    static func centering(_ x: Matrix<Float>) throws -> (centered: Matrix<Double>, mean: [Double], squares: [Double]) {
        let n = x.rows, d = x.cols
        var mean = [Double](repeating: 0, count: d)
        var squares = [Double](repeating: 0, count: d)
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, d / 64))
        let flags = _FiniteFlags(parts)
        // Every element is written below, so the matrix is not zero-filled first.
        let centered = Matrix<Double>(rows: n, cols: d) { dst in
            x.storage.withUnsafeBufferPointer { src in
                mean.withUnsafeMutableBufferPointer { mu in
                    squares.withUnsafeMutableBufferPointer { sq in
                        let pointers = _SendablePointers(src: src.baseAddress, mu: mu.baseAddress, dst: dst.baseAddress, sq: sq.baseAddress)
                        DispatchQueue.concurrentPerform(iterations: parts) { part in
                            guard let src = pointers.src, let mu = pointers.mu, let dst = pointers.dst, let sq = pointers.sq else { return }
                            let lo = d * part / parts, hi = d * (part + 1) / parts
                            for i in 0..<n {
                                let row = src + i * d
                                for j in lo..<hi { mu[j] += Double(row[j]) }
                            }
                            // A column sum is finite exactly when all its values are: n finite Floats (each below
                            // 2¹²⁸ in magnitude) cannot overflow a Double sum, and ±∞ or NaN stays non-finite.
                            var ok = true
                            for j in lo..<hi { ok = ok && mu[j].isFinite }
                            if n > 0 { for j in lo..<hi { mu[j] /= Double(n) } }
                            for i in 0..<n {
                                let row = src + i * d, out = dst + i * d
                                for j in lo..<hi {
                                    let v = Double(row[j]) - mu[j]
                                    out[j] = v
                                    sq[j] += v * v
                                }
                            }
                            flags.set(part, ok)
                        }
                    }
                }
            }
        }
        let finite = flags.all
        guard finite else { throw AlignmentError.nonFinite("sentence vectors") }
        return (centered, mean, squares)
    }

    /// Prepares `x` ([N, d] Float). Means are accumulated in Double, each column over the rows in order;
    /// columns are split over the cores (so the result does not depend on their number). A `centeredGram`
    /// computed before from the same `x` (the `layer_cka` pivot's first pass) is reused instead of a dsyrk.
    public init(_ x: Matrix<Float>, centeredGram known: Matrix<Double>? = nil) throws {
        let (centered, mean, squares) = try Self.centering(x)
        let n = x.rows
        self.centered = centered
        self.knownColumnSquares = squares
        self.mean = mean
        if let known, known.rows == n, known.cols == n {
            self.centeredGram = known
        } else {
            self.centeredGram = gram(centered)
        }
        self.centeredDotMean = matrixVector(centered, mean)
        self.meanNormSquared = dot(mean, mean)
    }

    /// Vectors already centered (a normalisation's output): X_c with its mean μ and Gram X_cX_cᵀ. A zero
    /// mean (`center`) gives X_cμ = 0 without reading X_c (the rows are finite, so the product is exactly 0).
    init(centered: Matrix<Double>, mean: [Double], centeredGram: Matrix<Double>) {
        self.centered = centered
        self.mean = mean
        self.centeredGram = centeredGram
        self.knownColumnSquares = nil
        self.centeredDotMean = mean.allSatisfy { $0 == 0 } ? [Double](repeating: 0, count: centered.rows) : matrixVector(centered, mean)
        self.meanNormSquared = dot(mean, mean)
    }

    /// ‖x_i‖² of the raw rows: ‖x_c‖² + 2 x_c·μ + ‖μ‖².
    /// ‖x_c,i‖²: squared norms of the centered rows.
    public var centeredNormsSquared: [Double] { (0..<count).map { centeredGram[$0, $0] } }

    public var rawNormsSquared: [Double] {
        (0..<count).map { max(0, centeredGram[$0, $0] + 2 * centeredDotMean[$0] + meanNormSquared) }
    }

    /// The raw Gram X·Xᵀ rebuilt from the centered one.
    public var rawGram: Matrix<Double> {
        var g = centeredGram
        let n = count, c = centeredDotMean, m2 = meanNormSquared
        g.storage.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                for j in 0..<n { p[i * n + j] += c[i] + c[j] + m2 }
            }
        }
        return g
    }
}

/// Raw dot products X·Yᵀ of two languages from their centered rows: X_cY_cᵀ (dgemm) plus the mean terms.
public func rawDotProducts(_ x: LanguageVectors, _ y: LanguageVectors) -> Matrix<Double> {
    rawDotProducts(centeredDots: centeredDotProducts(x, y), x, y)
}

/// X_c·Y_cᵀ by dgemm: dot products after per-language mean-centering.
public func centeredDotProducts(_ x: LanguageVectors, _ y: LanguageVectors) -> Matrix<Double> {
    matmul(x.centered, y.centered, transB: .transposed)
}

/// X·Yᵀ = X_cY_cᵀ + (X_cμ_y)1ᵀ + 1(Y_cμ_x)ᵀ + μ_x·μ_y, from the centered products (adds, never cancels).
public func rawDotProducts(centeredDots: Matrix<Double>, _ x: LanguageVectors, _ y: LanguageVectors) -> Matrix<Double> {
    // Both means zero (`center`): every mean term is exactly 0 (the rows are finite), so X·Yᵀ = X_cY_cᵀ as it
    // is, without the two passes over the N × d rows that would compute those zeros.
    if x.mean.allSatisfy({ $0 == 0 }), y.mean.allSatisfy({ $0 == 0 }) { return centeredDots }
    var g = centeredDots
    let xMuY = matrixVector(x.centered, y.mean), yMuX = matrixVector(y.centered, x.mean)
    let mm = dot(x.mean, y.mean)
    let n = x.count, m = y.count
    g.storage.withUnsafeMutableBufferPointer { p in
        for i in 0..<n {
            for j in 0..<m { p[i * m + j] += xMuY[i] + yMuX[j] + mm }
        }
    }
    return g
}

/// Cosine similarities from dot products and squared norms; a zero vector has cosine 0 with everything.
public func cosineFromDots(_ dots: Matrix<Double>, rowNormsSquared: [Double], colNormsSquared: [Double]) -> Matrix<Double> {
    var s = dots
    let n = dots.rows, m = dots.cols
    let ri = rowNormsSquared.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
    let ci = colNormsSquared.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
    s.storage.withUnsafeMutableBufferPointer { p in
        for i in 0..<n {
            for j in 0..<m { p[i * m + j] *= ri[i] * ci[j] }
        }
    }
    return s
}

// MARK: - Small helpers

@inline(__always)
func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in 0..<min(a.count, b.count) { s += a[i] * b[i] }
    return s
}

/// A·v for row-major A (dgemm with one column).
func matrixVector(_ a: Matrix<Double>, _ v: [Double]) -> [Double] {
    guard a.rows > 0, a.cols > 0 else { return [Double](repeating: 0, count: a.rows) }
    return matmul(a, Matrix(rows: v.count, cols: 1, storage: v)).storage
}

/// Row sums of the elementwise product Σⱼ AᵢⱼBᵢⱼ.
func rowSumsOfProduct(_ a: Matrix<Double>, _ b: Matrix<Double>) -> [Double] {
    let n = a.rows, m = a.cols
    var out = [Double](repeating: 0, count: n)
    a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
            guard let a0 = pa.baseAddress, let b0 = pb.baseAddress else { return }
            for i in 0..<n { out[i] = sumOfProducts(a0 + i * m, b0 + i * m, m) }
        }
    }
    return out
}

/// Row sums of A.
func rowSums(_ a: Matrix<Double>) -> [Double] {
    let n = a.rows, m = a.cols
    var out = [Double](repeating: 0, count: n)
    a.storage.withUnsafeBufferPointer { p in
        guard let base = p.baseAddress else { return }
        for i in 0..<n { out[i] = sum(base + i * m, m) }
    }
    return out
}

/// The buffers `LanguageVectors.init` hands to its column workers (disjoint column ranges per worker).
private struct _SendablePointers: @unchecked Sendable {
    let src: UnsafePointer<Float>?
    let mu: UnsafeMutablePointer<Double>?
    let dst: UnsafeMutablePointer<Double>?
    let sq: UnsafeMutablePointer<Double>?
}

/// One "all values finite" flag per column worker.
private final class _FiniteFlags: @unchecked Sendable {
    private var flags: [Bool]
    private let lock = NSLock()
    init(_ count: Int) { flags = Array(repeating: true, count: count) }
    func set(_ index: Int, _ value: Bool) { lock.lock(); flags[index] = value; lock.unlock() }
    var all: Bool { lock.lock(); defer { lock.unlock() }; return flags.allSatisfy { $0 } }
}
