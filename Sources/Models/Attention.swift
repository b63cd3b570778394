// Causal scaled dot-product attention over packed sentences, grouped-query, with optional sliding window
// and logit soft-capping.
import Foundation
import LinearAlgebra

/// Causal self-attention per sentence (Vaswani et al. 2017, with grouped-query heads, Ainslie et al. 2023):
///
///     out_h = softmax(mask(cap(α · Q_h K_gᵀ))) · V_g,   g = h / (nHeads / nKVHeads)
///
/// where α is the score scale, cap(s) = c·tanh(s/c) when a soft-cap c is set (Gemma 2), and the mask
/// keeps key j for query i when j ≤ i and, with a sliding window w, i − j < w (the token itself and the
/// w − 1 before it, as transformers' sliding mask). Softmax is in Float32 with max subtraction.
/// Q·Kᵀ and P·V are sgemm calls per head on strided views of the packed projections.
public struct CausalSelfAttention: Sendable {
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var scale: Float
    public var slidingWindow: Int?
    public var logitSoftcap: Float?
    /// ALiBi slopes, one per head (BLOOM): head h adds slope_h · j to the score of key j (`ALiBi`).
    public var alibiSlopes: [Float]?

    public init(heads: Int, kvHeads: Int, headDim: Int, scale: Float, slidingWindow: Int? = nil,
                logitSoftcap: Float? = nil) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.scale = scale
        self.slidingWindow = slidingWindow
        self.logitSoftcap = logitSoftcap
    }

    /// Attention for the tokens `sequence` of a packed batch.
    /// - q, k, v: row r of token r's heads (head h at column h·headDim), row strides `qkvStride`.
    /// - output: [tokens, heads·headDim] with row stride `outputStride`; rows of `sequence` are written.
    /// - scores: scratch of at least sequence.count² elements.
    public func apply(sequence: Range<Int>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                      v: UnsafePointer<Float>, qkvStride: Int, output: UnsafeMutablePointer<Float>,
                      outputStride: Int, scores: UnsafeMutablePointer<Float>) {
        for h in 0..<heads {
            apply(sequence: sequence, head: h, q: q, k: k, v: v, qkvStride: qkvStride, output: output,
                  outputStride: outputStride, scores: scores)
        }
    }

    /// `apply` for one head `h` only: writes that head's columns of the sentence's output rows, so
    /// different (sentence, head) pairs may run on different threads, each with its own `scores`.
    public func apply(sequence: Range<Int>, head h: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                      v: UnsafePointer<Float>, qkvStride: Int, output: UnsafeMutablePointer<Float>,
                      outputStride: Int, scores: UnsafeMutablePointer<Float>) {
        let length = sequence.count
        guard length > 0, h >= 0, h < heads else { return }
        let start = sequence.lowerBound
        let g = h / (heads / kvHeads)
        let qh = q + start * qkvStride + h * headDim
        let kh = k + start * qkvStride + g * headDim
        let vh = v + start * qkvStride + g * headDim
        BLAS.gemm(.none, .transposed, m: length, n: length, k: headDim, alpha: scale,
                  a: qh, lda: qkvStride, b: kh, ldb: qkvStride, c: scores, ldc: length)
        if let slopes = alibiSlopes { ALiBi.addBias(slope: slopes[h], to: scores, length: length) }
        softmaxCausalRows(scores, length: length)
        BLAS.gemm(.none, .none, m: length, n: headDim, k: length,
                  a: scores, lda: length, b: vh, ldb: qkvStride,
                  c: output + start * outputStride + h * headDim, ldc: outputStride)
    }

    /// Attention of `count` new queries (absolute positions `firstPosition…`) over the keys and values of
    /// positions 0 ..< firstPosition + count of one sequence (a KV cache slot: key p at `keys + p·kvStride`,
    /// head g at column g·headDim). The mask is the same as `apply`'s with absolute positions, so a cached
    /// run gives the result of running the whole sequence at once.
    /// - scores: scratch of at least count · (firstPosition + count) elements.
    public func applyCached(queries: UnsafePointer<Float>, count: Int, queryStride: Int, firstPosition: Int,
                            keys: UnsafePointer<Float>, values: UnsafePointer<Float>, kvStride: Int,
                            output: UnsafeMutablePointer<Float>, outputStride: Int, scores: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        let total = firstPosition + count
        let group = heads / kvHeads
        for h in 0..<heads {
            let g = h / group
            BLAS.gemm(.none, .transposed, m: count, n: total, k: headDim, alpha: scale,
                      a: queries + h * headDim, lda: queryStride, b: keys + g * headDim, ldb: kvStride,
                      c: scores, ldc: total)
            if let slopes = alibiSlopes {
                // ALiBi with absolute key positions, as `ALiBi.addBias` for the whole sequence.
                for i in 0..<count {
                    let row = scores + i * total
                    for j in 0...(firstPosition + i) { row[j] += slopes[h] * Float(j) }
                }
            }
            for i in 0..<count { softmaxCausalRow(scores + i * total, position: firstPosition + i, length: total) }
            BLAS.gemm(.none, .none, m: count, n: headDim, k: total, a: scores, lda: total,
                      b: values + g * headDim, ldb: kvStride, c: output + h * headDim, ldc: outputStride)
        }
    }

    /// One score row of the query at absolute `position` over `length` keys turned into the masked softmax
    /// (keys after `position` and outside the window get weight 0), exactly as `softmaxCausalRows` does.
    func softmaxCausalRow(_ row: UnsafeMutablePointer<Float>, position i: Int, length: Int) {
        let first = slidingWindow.map { max(0, i - $0 + 1) } ?? 0
        if let cap = logitSoftcap {
            for j in first...i { row[j] = cap * Float(tanh(Double(row[j] / cap))) }
        }
        var maximum = -Float.infinity
        for j in first...i { maximum = max(maximum, row[j]) }
        var sum: Float = 0
        for j in first...i {
            let z = row[j] - maximum
            let e = z < -80 ? 0 : expf(z)
            row[j] = e
            sum += e
        }
        let inverse = 1 / sum
        for j in 0..<first { row[j] = 0 }
        for j in first...i { row[j] *= inverse }
        for j in (i + 1)..<length { row[j] = 0 }
    }

    /// Turns each row i of the `length × length` score matrix into the masked softmax, zeros elsewhere.
    func softmaxCausalRows(_ scores: UnsafeMutablePointer<Float>, length: Int) {
        for i in 0..<length {
            let row = scores + i * length
            let first = slidingWindow.map { max(0, i - $0 + 1) } ?? 0
            if let cap = logitSoftcap {
                for j in first...i { row[j] = cap * Float(tanh(Double(row[j] / cap))) }
            }
            var maximum = -Float.infinity
            for j in first...i { maximum = max(maximum, row[j]) }
            var sum: Float = 0
            for j in first...i {
                // Weights below e^−80 (< 2e−35) would be subnormal, which stalls the FPU in P·V; they add
                // nothing at Float32 precision.
                let z = row[j] - maximum
                let e = z < -80 ? 0 : expf(z)
                row[j] = e
                sum += e
            }
            let inverse = 1 / sum
            for j in 0..<first { row[j] = 0 }
            for j in first...i { row[j] *= inverse }
            for j in (i + 1)..<length { row[j] = 0 }
        }
    }
}
