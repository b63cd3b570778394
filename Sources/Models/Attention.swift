// Causal scaled dot-product attention over packed sentences, grouped-query, with optional sliding window
// and logit soft-capping.
import CKernels
import Foundation
import LinearAlgebra

/// Causal self-attention per sentence (Vaswani et al. 2017, with grouped-query heads, Ainslie et al. 2023):
///
///     out_h = softmax(mask(cap(α · Q_h K_gᵀ))) · V_g,   g = h / (nHeads / nKVHeads)
///
/// where α is the score scale, cap(s) = c·tanh(s/c) when a soft-cap c is set (Gemma 2), and the mask
/// keeps key j for query i when j ≤ i and, with a sliding window w, i − j < w (the token itself and the
/// w − 1 before it, as transformers' sliding mask). Softmax is in Float32 with max subtraction
/// (`softmaxCausalRows`).
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
        softmaxCausalRows(scores, rows: length, length: length)
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
            softmaxCausalRows(scores, rows: count, length: total, first: firstPosition)
            BLAS.gemm(.none, .none, m: count, n: headDim, k: total, a: scores, lda: total,
                      b: values + g * headDim, ldb: kvStride, c: output + h * headDim, ldc: outputStride)
        }
    }

    /// Score rows of the queries at absolute positions `first ..< first + rows` over `length` keys turned
    /// into the masked softmax (keys after the query and outside the window get weight 0), soft-capped first
    /// when a cap is set: s ← c·tanh(s/c) on the kept keys (in Double, rounded to Float), then CKernels'
    /// `ck_softmax_causal_rows` (max subtraction, Cephes e^x, a fixed-order sum: the same bits on every CPU).
    func softmaxCausalRows(_ scores: UnsafeMutablePointer<Float>, rows: Int, length: Int, first: Int = 0) {
        let window = slidingWindow ?? 0
        if let cap = logitSoftcap {
            for i in 0..<rows {
                let row = scores + i * length, p = first + i
                for j in (window > 0 ? max(0, p - window + 1) : 0)...p { row[j] = cap * Float(tanh(Double(row[j] / cap))) }
            }
        }
        ck_softmax_causal_rows(scores, rows, length, first, window)
    }
}
