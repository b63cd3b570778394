// The machinery every decoder family shares: weight validation, per-layer weight decoding into reusable
// scratch, the block's sgemm projections over all packed tokens, embeddings, final norm and logits.
// Family files (Llama.swift, Gemma3.swift) compose these steps into their block.
import Checkpoints
import Dispatch
import Foundation
import LinearAlgebra

/// Shared state and steps of a layer-major decoder. Buffers (all row-major):
/// - layer weights: `qkvWeight` [qDim + 2·kvDim, d] (q, k, v stacked so one sgemm projects all three),
///   `outputWeight` [d, qDim], `gateUpWeight` [2·ffn, d] (gate then up), `downWeight` [d, ffn];
/// - activations for T tokens: `normed` [T, d], `qkv` [T, qDim + 2·kvDim], `attended` [T, qDim],
///   `projected` [T, d], `gateUp` [T, 2·ffn], `scores` [L, L] for the longest sentence L.
final class DecoderCore {
    let weights: any WeightSource
    let config: ModelConfig
    let qDim: Int, kvDim: Int, qkvDim: Int
    let vocabulary: Int
    let outputName: String
    let epsilon: Float
    var timings = ForwardTimings()

    let qkvWeight = ScratchBuffer(), outputWeight = ScratchBuffer()
    let gateUpWeight = ScratchBuffer(), downWeight = ScratchBuffer()
    let normed = ScratchBuffer(), qkv = ScratchBuffer(), attended = ScratchBuffer()
    let projected = ScratchBuffer(), gateUp = ScratchBuffer(), scores = ScratchBuffer()
    let logitWeights = ScratchBuffer(), logitInputs = ScratchBuffer()
    private var decodedLayer: Int?

    /// Validates the configuration and every tensor the family needs (`layerTensors` per layer).
    init(weights: any WeightSource, config: ModelConfig, layerTensors: [CanonicalName.LayerTensor]) throws {
        let file = weights.sourcePath
        try DecoderCore.validate(config, file: file)
        self.weights = weights
        self.config = config
        qDim = config.nHeads * config.headDim
        kvDim = config.nKVHeads * config.headDim
        qkvDim = qDim + 2 * kvDim
        vocabulary = config.vocabSize
        epsilon = Float(config.normEps)
        let d = config.dModel, ffn = config.dFFN, hd = config.headDim

        func expect(_ name: String, _ shape: [Int]) throws {
            let found = try weights.info(name).shape
            // A [n] vector may be stored as [1, n] or [n, 1] by some writers; only the element order matters.
            let same = found == shape || (shape.count == 1 && found.reduce(1, *) == shape[0] && found.count == 2
                                         && found.contains(1))
            guard same else { throw ModelError.shapeMismatch(file: file, tensor: name, expected: shape, found: found) }
        }
        try expect(CanonicalName.embedTokens, [vocabulary, d])
        try expect(CanonicalName.finalNorm, [d])
        let tied = config.tieWordEmbeddings || (try? weights.info(CanonicalName.lmHead)) == nil
        if tied && !config.tieWordEmbeddings {
            throw ModelError.shapeMismatch(file: file, tensor: CanonicalName.lmHead, expected: [vocabulary, d], found: [])
        }
        outputName = tied ? CanonicalName.embedTokens : CanonicalName.lmHead
        if !tied { try expect(CanonicalName.lmHead, [vocabulary, d]) }
        for layer in 0..<config.nLayers {
            for tensor in layerTensors {
                let shape: [Int]
                switch tensor {
                case .inputNorm, .postAttentionNorm, .preFeedforwardNorm, .postFeedforwardNorm: shape = [d]
                case .qNorm, .kNorm: shape = [hd]
                case .qProj: shape = [qDim, d]
                case .kProj, .vProj: shape = [kvDim, d]
                case .oProj: shape = [d, qDim]
                case .gateProj, .upProj: shape = [ffn, d]
                case .downProj: shape = [d, ffn]
                }
                try expect(CanonicalName.layer(layer, tensor), shape)
            }
        }
    }

    /// Bounds that keep every buffer size representable and every loop well defined.
    static func validate(_ c: ModelConfig, file: String) throws {
        func fail(_ reason: String) -> ModelError { .badConfig(file: file, reason: reason) }
        let limit = 1 << 20
        for (name, value) in [("n_layers", c.nLayers), ("d_model", c.dModel), ("n_heads", c.nHeads),
                              ("n_kv_heads", c.nKVHeads), ("head_dim", c.headDim), ("d_ffn", c.dFFN)] {
            guard value > 0, value <= limit else { throw fail("\(name) = \(value) is outside 1…\(limit)") }
        }
        guard c.vocabSize > 0, c.vocabSize <= 1 << 24 else { throw fail("vocab_size = \(c.vocabSize) is out of range") }
        guard c.nHeads % c.nKVHeads == 0 else {
            throw fail("n_heads = \(c.nHeads) is not a multiple of n_kv_heads = \(c.nKVHeads)")
        }
        guard c.headDim % 2 == 0 else { throw fail("head_dim = \(c.headDim) is odd; RoPE rotates pairs") }
        guard c.layerKinds.count == c.nLayers else {
            throw fail("\(c.layerKinds.count) layer kinds for \(c.nLayers) layers")
        }
        if c.layerKinds.contains(.sliding) {
            guard let w = c.slidingWindow, w >= 1 else { throw fail("sliding layers without a positive sliding_window") }
        }
        guard c.normEps >= 0, c.normEps.isFinite, c.ropeTheta > 0 else { throw fail("norm_eps or rope_theta out of range") }
        if let s = c.ropeScaling, !(s.factor > 0) { throw fail("rope_scaling factor \(s.factor) is not positive") }
        let largest = max((c.nHeads + 2 * c.nKVHeads) * c.headDim, 2 * c.dFFN, c.dModel)
        guard largest.multipliedReportingOverflow(by: c.dModel).partialValue < 1 << 36 else {
            throw fail("one projection would exceed 2^36 elements")
        }
    }

    // MARK: - Batch checks

    /// Checks `hidden` is [T, d] for the batch and every sentence lies inside it; returns the longest sentence.
    func validate(_ batch: PackedBatch, hidden: Matrix<Float>) throws -> Int {
        guard hidden.rows == batch.tokenCount, hidden.cols == config.dModel else {
            throw ModelError.invalidBatch(reason: "hidden states are \(hidden.rows)×\(hidden.cols), the batch needs \(batch.tokenCount)×\(config.dModel)")
        }
        return try longestSequence(batch)
    }

    func longestSequence(_ batch: PackedBatch) throws -> Int {
        var longest = 0
        for s in batch.sequences {
            guard s.lowerBound >= 0, s.upperBound <= batch.tokenCount else {
                throw ModelError.invalidBatch(reason: "sentence rows \(s) lie outside the \(batch.tokenCount) packed tokens")
            }
            longest = max(longest, s.count)
        }
        let bound = max(config.contextLength, 1 << 14)
        guard longest <= bound else {
            throw ModelError.invalidBatch(reason: "a sentence of \(longest) tokens exceeds the \(bound)-token limit")
        }
        return longest
    }

    // MARK: - Weights

    /// Decodes the seven projections of `layer` into the weight scratch (once per layer and batch).
    func decodeProjections(_ layer: Int) throws {
        guard layer >= 0, layer < config.nLayers else {
            throw ModelError.layerOutOfRange(layer: layer, layers: config.nLayers)
        }
        if decodedLayer == layer { return }
        let start = DispatchTime.now().uptimeNanoseconds
        let d = config.dModel, ffn = config.dFFN
        decodedLayer = nil
        _ = qkvWeight.reserve(qkvDim * d)
        _ = outputWeight.reserve(d * qDim)
        _ = gateUpWeight.reserve(2 * ffn * d)
        _ = downWeight.reserve(d * ffn)
        func name(_ t: CanonicalName.LayerTensor) -> String { CanonicalName.layer(layer, t) }
        try weights.decode(name(.qProj), rows: nil, into: qkvWeight.slice(0, qDim * d))
        try weights.decode(name(.kProj), rows: nil, into: qkvWeight.slice(qDim * d, kvDim * d))
        try weights.decode(name(.vProj), rows: nil, into: qkvWeight.slice((qDim + kvDim) * d, kvDim * d))
        try weights.decode(name(.oProj), rows: nil, into: outputWeight.slice(0, d * qDim))
        try weights.decode(name(.gateProj), rows: nil, into: gateUpWeight.slice(0, ffn * d))
        try weights.decode(name(.upProj), rows: nil, into: gateUpWeight.slice(ffn * d, ffn * d))
        try weights.decode(name(.downProj), rows: nil, into: downWeight.slice(0, d * ffn))
        decodedLayer = layer
        timings.decodeSeconds += seconds(since: start)
    }

    /// A per-layer vector (a norm weight) decoded to an array.
    func decodeVector(_ layer: Int, _ tensor: CanonicalName.LayerTensor, count: Int) throws -> [Float] {
        try decodeVector(CanonicalName.layer(layer, tensor), count: count)
    }

    func decodeVector(_ name: String, count: Int) throws -> [Float] {
        var v = [Float](repeating: 0, count: count)
        try v.withUnsafeMutableBufferPointer { try weights.decode(name, rows: nil, into: $0) }
        return v
    }

    // MARK: - Steps of a block

    /// Sizes the activation scratch for `tokens` tokens and sentences up to `longest`.
    func reserveActivations(tokens: Int, longest: Int) {
        let d = config.dModel
        _ = normed.reserve(tokens * d)
        _ = qkv.reserve(tokens * qkvDim)
        _ = attended.reserve(tokens * qDim)
        _ = projected.reserve(tokens * d)
        _ = gateUp.reserve(tokens * 2 * config.dFFN)
        _ = scores.reserve(longest * longest)
    }

    /// `output` rows ← RMSNorm(`input` rows) with `weight` (both [tokens, d]).
    func normalize(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, tokens: Int, weight: [Float]) {
        let start = DispatchTime.now().uptimeNanoseconds
        let d = config.dModel
        weight.withUnsafeBufferPointer { w in
            guard let wb = w.baseAddress else { return }
            RMSNorm.normalizeRows(input, inputStride: d, rows: tokens, count: d, weight: wb, epsilon: epsilon,
                                  into: output, outputStride: d)
        }
        timings.elementwiseSeconds += seconds(since: start)
    }

    /// C[tokens, out] ← A[tokens, in] · W[out, in]ᵀ, one sgemm for all packed tokens.
    func project(_ a: UnsafePointer<Float>, lda: Int, weight: UnsafePointer<Float>, inputs: Int, outputs: Int,
                 into c: UnsafeMutablePointer<Float>, tokens: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        BLAS.gemm(.none, .transposed, m: tokens, n: outputs, k: inputs, a: a, lda: lda, b: weight, ldb: inputs,
                  c: c, ldc: outputs)
        timings.matmulSeconds += seconds(since: start)
    }

    /// qkv ← normed · [Wq; Wk; Wv]ᵀ.
    func projectQKV(tokens: Int) {
        project(normed.pointer, lda: config.dModel, weight: qkvWeight.pointer, inputs: config.dModel,
                outputs: qkvDim, into: qkv.pointer, tokens: tokens)
    }

    /// Per-head RMSNorm of the queries and keys in `qkv` (Gemma 3's q_norm / k_norm).
    func normalizeHeads(queryWeight: [Float], keyWeight: [Float], tokens: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        let hd = config.headDim
        queryWeight.withUnsafeBufferPointer { qw in
            keyWeight.withUnsafeBufferPointer { kw in
                guard let q = qw.baseAddress, let k = kw.baseAddress else { return }
                for t in 0..<tokens {
                    let row = qkv.pointer + t * qkvDim
                    for h in 0..<config.nHeads {
                        RMSNorm.normalize(row + h * hd, count: hd, weight: q, epsilon: epsilon, into: row + h * hd)
                    }
                    for g in 0..<config.nKVHeads {
                        let head = row + qDim + g * hd
                        RMSNorm.normalize(head, count: hd, weight: k, epsilon: epsilon, into: head)
                    }
                }
            }
        }
        timings.elementwiseSeconds += seconds(since: start)
    }

    /// Rotates every query and key head by its token's position within its sentence.
    func applyRotary(_ rope: RotaryEmbedding, batch: PackedBatch, longest: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        rope.reserve(positions: longest)
        let hd = config.headDim
        for sequence in batch.sequences {
            for t in sequence {
                let row = qkv.pointer + t * qkvDim
                let position = t - sequence.lowerBound
                for h in 0..<(config.nHeads + config.nKVHeads) { rope.rotate(row + h * hd, position: position) }
            }
        }
        timings.elementwiseSeconds += seconds(since: start)
    }

    /// attended ← causal attention of every sentence; then projected ← attended · Woᵀ.
    func attendAndProject(_ attention: CausalSelfAttention, batch: PackedBatch, tokens: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        let q = UnsafePointer(qkv.pointer)
        // Tokens outside every sentence (none in a well-formed batch) must not feed stale values onward.
        attended.pointer.update(repeating: 0, count: tokens * qDim)
        for sequence in batch.sequences {
            attention.apply(sequence: sequence, q: q, k: q + qDim, v: q + qDim + kvDim, qkvStride: qkvDim,
                            output: attended.pointer, outputStride: qDim, scores: scores.pointer)
        }
        timings.attentionSeconds += seconds(since: start)
        project(attended.pointer, lda: qDim, weight: outputWeight.pointer, inputs: qDim, outputs: config.dModel,
                into: projected.pointer, tokens: tokens)
    }

    /// projected ← (act(normed·Wgᵀ) ⊙ normed·Wuᵀ) · Wdᵀ.
    func feedForward(tokens: Int) {
        let d = config.dModel, ffn = config.dFFN
        project(normed.pointer, lda: d, weight: gateUpWeight.pointer, inputs: d, outputs: 2 * ffn,
                into: gateUp.pointer, tokens: tokens)
        let start = DispatchTime.now().uptimeNanoseconds
        GatedActivation.apply(config.activation, gate: gateUp.pointer, up: gateUp.pointer + ffn, rows: tokens,
                              count: ffn, stride: 2 * ffn)
        timings.elementwiseSeconds += seconds(since: start)
        project(gateUp.pointer, lda: 2 * ffn, weight: downWeight.pointer, inputs: ffn, outputs: d,
                into: projected.pointer, tokens: tokens)
    }

    /// hidden += projected; returns a copy of projected when the caller captures sub-layers.
    func addProjected(to hidden: UnsafeMutablePointer<Float>, tokens: Int, capture: Bool) -> Matrix<Float>? {
        let start = DispatchTime.now().uptimeNanoseconds
        let count = tokens * config.dModel
        Elementwise.add(projected.pointer, to: hidden, count: count)
        let copy = capture
            ? Matrix(rows: tokens, cols: config.dModel, storage: Array(UnsafeBufferPointer(start: projected.pointer, count: count)))
            : nil
        timings.elementwiseSeconds += seconds(since: start)
        return copy
    }

    // MARK: - Ends of the model

    /// Embedding rows of the batch's tokens (only those rows are decoded), times `multiplier` if any.
    func embed(_ batch: PackedBatch, multiplier: Float?) throws -> Matrix<Float> {
        _ = try longestSequence(batch)
        let start = DispatchTime.now().uptimeNanoseconds
        let d = config.dModel
        var hidden = Matrix<Float>(rows: batch.tokenCount, cols: d)
        try hidden.storage.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            for (t, token) in batch.tokens.enumerated() {
                let id = Int(token)
                guard id >= 0, id < vocabulary else {
                    throw ModelError.tokenOutOfRange(file: weights.sourcePath, token: token, vocabulary: vocabulary)
                }
                try weights.decode(CanonicalName.embedTokens, rows: id..<(id + 1),
                                   into: UnsafeMutableBufferPointer(start: base + t * d, count: d))
            }
            if let m = multiplier {
                for i in 0..<out.count { base[i] *= m }
            }
        }
        timings.decodeSeconds += seconds(since: start)
        return hidden
    }

    func finalNorm(_ hidden: Matrix<Float>) throws -> Matrix<Float> {
        guard hidden.cols == config.dModel else {
            throw ModelError.invalidBatch(reason: "hidden states have \(hidden.cols) columns, the model has d = \(config.dModel)")
        }
        let weight = try decodeVector(CanonicalName.finalNorm, count: config.dModel)
        var out = Matrix<Float>(rows: hidden.rows, cols: hidden.cols)
        hidden.storage.withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let o = dst.baseAddress else { return }
                normalize(s, into: o, tokens: hidden.rows, weight: weight)
            }
        }
        return out
    }

    /// Logits of the chosen rows: the output embedding decoded a chunk of vocabulary rows at a time (the
    /// whole [vocab, d] matrix in Float would be the largest tensor of the model), then `cap·tanh(z/cap)`
    /// when a final soft-cap is set.
    func logits(_ normed: Matrix<Float>, rows: [Int], softcap: Double?) throws -> Matrix<Float> {
        let d = config.dModel
        guard normed.cols == d else {
            throw ModelError.invalidBatch(reason: "normed states have \(normed.cols) columns, the model has d = \(d)")
        }
        for r in rows where r < 0 || r >= normed.rows {
            throw ModelError.invalidBatch(reason: "logit row \(r) is outside the \(normed.rows) rows")
        }
        var out = Matrix<Float>(rows: rows.count, cols: vocabulary)
        guard !rows.isEmpty else { return out }
        let inputs = logitInputs.reserve(rows.count * d)
        normed.storage.withUnsafeBufferPointer { src in
            guard let s = src.baseAddress else { return }
            for (i, r) in rows.enumerated() { (inputs + i * d).update(from: s + r * d, count: d) }
        }
        let chunk = min(vocabulary, 8192)
        let w = logitWeights.reserve(chunk * d)
        try out.storage.withUnsafeMutableBufferPointer { dst in
            guard let o = dst.baseAddress else { return }
            var first = 0
            while first < vocabulary {
                let n = min(chunk, vocabulary - first)
                try weights.decode(outputName, rows: first..<(first + n), into: UnsafeMutableBufferPointer(start: w, count: n * d))
                BLAS.gemm(.none, .transposed, m: rows.count, n: n, k: d, a: inputs, lda: d, b: w, ldb: d,
                          c: o + first, ldc: vocabulary)
                first += n
            }
            if let cap = softcap.map(Float.init) {
                for i in 0..<dst.count { o[i] = cap * tanhf(o[i] / cap) }
            }
        }
        return out
    }

    /// 2·T·(in·out) summed over the block's projections.
    func matmulFLOPs(tokens: Int) -> Double {
        let d = Double(config.dModel), ffn = Double(config.dFFN)
        let perToken = d * Double(qkvDim) + Double(qDim) * d + d * 2 * ffn + ffn * d
        return 2 * Double(tokens) * perToken
    }
}

@inline(__always)
func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9
}
