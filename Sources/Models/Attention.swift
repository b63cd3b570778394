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

    /// Sentences up to this many tokens are attended by `applyDirect` (only the causal triangle, no BLAS
    /// call); longer ones by two sgemm calls per head. A sentence's path depends on its length only.
    public static let directLength = 96

    /// Floating-point operations of one head over a sentence of `length` tokens, as computed: the causal
    /// triangle (Q·Kᵀ and P·V over L(L+1)/2 pairs) up to `directLength`, the full L×L squares beyond.
    /// (Sliding windows are not subtracted.) `DecoderModel.attentionFLOPs` sums it.
    public static func flops(length: Int, headDim: Int) -> Double {
        let l = Double(length), d = Double(headDim)
        return length <= directLength ? 2 * l * (l + 1) * d : 4 * l * l * d
    }

    /// `apply` for one head `h` only: writes that head's columns of the sentence's output rows, so
    /// different (sentence, head) pairs may run on different threads, each with its own `scores`.
    public func apply(sequence: Range<Int>, head h: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                      v: UnsafePointer<Float>, qkvStride: Int, output: UnsafeMutablePointer<Float>,
                      outputStride: Int, scores: UnsafeMutablePointer<Float>) {
        let length = sequence.count
        guard length > 0, h >= 0, h < heads else { return }
        if length <= Self.directLength {
            applyDirect(sequence: sequence, head: h, q: q, k: k, v: v, qkvStride: qkvStride, output: output,
                        outputStride: outputStride, scores: scores)
            return
        }
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

    /// One head of a short sentence without BLAS: for each query i, the scores α·q_i·k_j of the keys it
    /// sees (j ≤ i, inside the window), ALiBi, soft-cap and the softmax as `softmaxCausalRow`, then
    /// out_i = Σ_j p_j v_j. Dot products in eight partial lanes; `scores` needs `sequence.count` elements.
    func applyDirect(sequence: Range<Int>, head h: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                     v: UnsafePointer<Float>, qkvStride: Int, output: UnsafeMutablePointer<Float>,
                     outputStride: Int, scores row: UnsafeMutablePointer<Float>) {
        let start = sequence.lowerBound, hd = headDim
        let g = h / (heads / kvHeads)
        let slope = alibiSlopes?[h]
        for i in 0..<sequence.count {
            let qi = q + (start + i) * qkvStride + h * hd
            let first = slidingWindow.map { max(0, i - $0 + 1) } ?? 0
            for j in first...i {
                row[j] = scale * Self.dot(qi, k + (start + j) * qkvStride + g * hd, count: hd)
            }
            if let slope { for j in first...i { row[j] += slope * Float(j) } }
            if let cap = logitSoftcap {
                for j in first...i { row[j] = cap * Float(tanh(Double(row[j] / cap))) }
            }
            Self.softmax(row + first, count: i - first + 1)
            let o = output + (start + i) * outputStride + h * hd
            o.update(repeating: 0, count: hd)
            for j in first...i {
                let p = row[j], vj = v + (start + j) * qkvStride + g * hd
                for c in 0..<hd { o[c] += p * vj[c] }
            }
        }
    }

    /// Σ a[i]·b[i] in eight partial lanes (then across them), the rest in order.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc = SIMD8<Float>(repeating: 0)
        let blocks = count / 8
        for i in 0..<blocks {
            acc += ra.loadUnaligned(fromByteOffset: 32 * i, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 32 * i, as: SIMD8<Float>.self)
        }
        var sum = acc.sum()
        for i in (8 * blocks)..<count { sum += a[i] * b[i] }
        return sum
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
        for j in 0..<first { row[j] = 0 }
        Self.softmax(row + first, count: i - first + 1)
        for j in (i + 1)..<length { row[j] = 0 }
    }

    /// Turns each row i of the `length × length` score matrix into the masked softmax, zeros elsewhere.
    func softmaxCausalRows(_ scores: UnsafeMutablePointer<Float>, length: Int) {
        for i in 0..<length { softmaxCausalRow(scores + i * length, position: i, length: length) }
    }

    /// In place: x ← exp(x − max x) / Σ exp(x − max x) over `count` ≥ 1 values, eight lanes at a time
    /// (`VectorMath.exp`; the maximum and the sum in eight partial lanes, then across them, so each row gets
    /// the same arithmetic on any thread). Weights below e^−80 (< 2e−35) are set to 0: they would be
    /// subnormal, which stalls the FPU in P·V, and add nothing at Float32 precision.
    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(x)
        let blocks = count / 8
        var maxima = SIMD8<Float>(repeating: -.infinity)
        for b in 0..<blocks { maxima = pointwiseMax(maxima, raw.loadUnaligned(fromByteOffset: 32 * b, as: SIMD8<Float>.self)) }
        var maximum = maxima.max()
        for j in (8 * blocks)..<count { maximum = max(maximum, x[j]) }
        let floor = SIMD8<Float>(repeating: -80), zero = SIMD8<Float>(repeating: 0)
        func weights(_ v: SIMD8<Float>) -> SIMD8<Float> {
            let z = v - maximum
            return zero.replacing(with: VectorMath.exp(z), where: z .>= floor)
        }
        var sums = SIMD8<Float>(repeating: 0)
        for b in 0..<blocks {
            let e = weights(raw.loadUnaligned(fromByteOffset: 32 * b, as: SIMD8<Float>.self))
            raw.storeBytes(of: e, toByteOffset: 32 * b, as: SIMD8<Float>.self)
            sums += e
        }
        let tail = count - 8 * blocks
        if tail > 0 {
            var v = SIMD8<Float>(repeating: -.infinity)
            for j in 0..<tail { v[j] = x[8 * blocks + j] }
            let e = weights(v)  // −inf lanes give 0
            for j in 0..<tail { x[8 * blocks + j] = e[j] }
            sums += e
        }
        let inverse = 1 / sums.sum()
        for j in 0..<count { x[j] *= inverse }
    }
}
