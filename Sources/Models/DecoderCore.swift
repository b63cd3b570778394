// The machinery every decoder family shares: weight validation, per-layer weight decoding into reusable
// scratch, the block's steps (norms, projections with one sgemm over all packed tokens, biases, RoPE,
// attention, MLP), embeddings, final norm and logits. Family files (Families/*.swift) compose these steps
// into their block.
import CKernels
import Checkpoints
import Dispatch
import Foundation
import LinearAlgebra

/// Which canonical tensors of a layer fill which weight scratch (stacked in the order given), so one
/// sgemm projects q, k and v together and one projects gate and up together.
public struct LayerLayout: Sendable {
    /// Stacked into [qDim + 2·kvDim, d]: `[.qProj, .kProj, .vProj]` or a fused `[.qkvProj]`.
    public var qkv: [CanonicalName.LayerTensor] = [.qProj, .kProj, .vProj]
    /// Stacked into [qDim + 2·kvDim] (empty: no q/k/v biases).
    public var qkvBias: [CanonicalName.LayerTensor] = []
    public var outputBias: CanonicalName.LayerTensor? = nil
    /// Whether the MLP is gated (act(gate·x) ⊙ up·x) or plain (act(up·x)).
    public var gatedMLP = true
    /// Stacked into [2·ffn, d] (gate first) for a gated MLP, [ffn, d] for a plain one.
    public var up: [CanonicalName.LayerTensor] = [.gateProj, .upProj]
    /// Stacked like `up` (empty: no biases).
    public var upBias: [CanonicalName.LayerTensor] = []
    public var downBias: CanonicalName.LayerTensor? = nil

    public init() {}

    /// LLaMA's layout with the biases `config` switches on.
    public static func standard(_ config: ModelConfig) -> LayerLayout {
        var l = LayerLayout()
        if config.hasQKVBias { l.qkvBias = [.qBias, .kBias, .vBias] }
        if config.hasOutputBias { l.outputBias = .oBias }
        if config.hasMLPBias {
            l.upBias = [.gateBias, .upBias]
            l.downBias = .downBias
        }
        return l
    }
}

/// A norm's kind and its per-layer weights, decoded once per layer and batch.
struct NormWeights {
    enum Kind { case rms, layerNorm }
    var kind: Kind
    var weight: [Float]
    /// LayerNorm's bias (nil: none).
    var bias: [Float]?
}

/// Shared state and steps of a layer-major decoder. Buffers (all row-major):
/// - layer weights: `qkvWeight` [qDim + 2·kvDim, d] (q, k, v stacked so one sgemm projects all three),
///   `outputWeight` [d, qDim], `upWeight` [2·ffn, d] (gate then up; [ffn, d] when not gated),
///   `downWeight` [d, ffn], and the biases the layout names;
/// - activations for T tokens: `normed` [T, d], `qkv` [T, qDim + 2·kvDim], `attended` [T, qDim],
///   `projected` [T, d], `gateUp` [T, upRows], `scores` [L, L] for the longest sentence L.
final class DecoderCore {
    let weights: any WeightSource
    let config: ModelConfig
    let layout: LayerLayout
    let qDim: Int, kvDim: Int, qkvDim: Int
    /// Rows of the up projection: 2·ffn gated, ffn plain.
    let upRows: Int
    let vocabulary: Int
    /// The tensor the output head reads (`TiedEmbeddings.headTensor`).
    let outputName: String
    let epsilon: Float
    var timings = ForwardTimings()
    var mlpActivationHook: (any MLPActivationHook)?

    /// One layer's projections decoded to Float (the buffers the block's sgemm calls read).
    final class LayerWeights {
        let qkv = ScratchBuffer(), output = ScratchBuffer(), gateUp = ScratchBuffer(), down = ScratchBuffer()
        let qkvBias = ScratchBuffer(), outputBias = ScratchBuffer(), upBias = ScratchBuffer(), downBias = ScratchBuffer()
    }
    /// The reusable scratch a layer is decoded into when decoded weights are not kept.
    private let scratchWeights = LayerWeights()
    /// With `keepsDecodedWeights`: every layer decoded so far, kept (decoded once per run, not per batch).
    private var keptWeights: [LayerWeights?]
    /// Whether the block being applied reads a KV cache (generation): its projections of few rows then use
    /// OpenBLAS's own threads (`BLAS.gemmInRowParts(fewRowsOnAllThreads:)`). Set by `applyBlock`.
    var cachedBatch = false
    /// With `keepsDecodedWeights`: the per-layer vectors (norm weights) decoded so far, by name.
    private var keptVectors: [String: [Float]] = [:]
    /// The weights of the layer running.
    private var current: LayerWeights
    var qkvWeight: ScratchBuffer { current.qkv }
    var outputWeight: ScratchBuffer { current.output }
    var gateUpWeight: ScratchBuffer { current.gateUp }
    var downWeight: ScratchBuffer { current.down }
    var qkvBias: ScratchBuffer { current.qkvBias }
    var outputBias: ScratchBuffer { current.outputBias }
    var upBias: ScratchBuffer { current.upBias }
    var downBias: ScratchBuffer { current.downBias }
    let normed = ScratchBuffer(), qkv = ScratchBuffer(), attended = ScratchBuffer()
    let projected = ScratchBuffer(), gateUp = ScratchBuffer(), scores = ScratchBuffer()
    let logitWeights = ScratchBuffer(), logitInputs = ScratchBuffer(), logitTiles = ScratchBuffer()
    private var decodedLayer: Int?

    /// Keep every layer's decoded projections (and norm weights) after their first use instead of decoding
    /// them again for every batch. The values are those of the per-batch decoding (the same decode into
    /// another buffer), so results are bit for bit the same; switching it off frees the kept layers.
    var keepsDecodedWeights = false {
        didSet {
            guard !keepsDecodedWeights else { return }
            keptWeights = Array(repeating: nil, count: config.nLayers)
            keptVectors = [:]
            current = scratchWeights
            decodedLayer = nil
        }
    }

    /// Bytes of Float the block projections (and biases) of all layers take when kept.
    var decodedWeightBytes: Int {
        let d = config.dModel
        var perLayer = qkvDim * d + d * qDim + upRows * d + d * config.dFFN
        if !layout.qkvBias.isEmpty { perLayer += qkvDim }
        if layout.outputBias != nil { perLayer += d }
        if !layout.upBias.isEmpty { perLayer += upRows }
        if layout.downBias != nil { perLayer += d }
        return 4 * perLayer * config.nLayers
    }
    /// The layer whose block is running (set by `decodeProjections`): where a KV cache stores this block's keys.
    private(set) var activeLayer = 0

    /// Validates the configuration and every tensor of `tensors` (the family's specs: all but the
    /// optional ones must exist with their shapes).
    init(weights: any WeightSource, config: ModelConfig, tensors: [TensorSpec], layout: LayerLayout) throws {
        let file = weights.sourcePath
        try DecoderCore.validate(config, file: file)
        self.weights = weights
        self.config = config
        self.layout = layout
        qDim = config.nHeads * config.headDim
        kvDim = config.nKVHeads * config.headDim
        qkvDim = qDim + 2 * kvDim
        upRows = layout.gatedMLP ? 2 * config.dFFN : config.dFFN
        vocabulary = config.vocabSize
        epsilon = Float(config.normEps)
        keptWeights = Array(repeating: nil, count: config.nLayers)
        current = scratchWeights

        func present(_ name: String) -> TensorInfo? { try? weights.info(name) }
        for spec in tensors {
            guard let found = present(spec.canonical)?.shape else {
                if spec.optional { continue }
                throw CheckpointError.tensorNotFound(file: file, tensor: spec.canonical)
            }
            // A [n] vector may be stored as [1, n] or [n, 1] by some writers; only the element order matters.
            let shape = spec.shape
            let same = found == shape || (shape.count == 1 && found.reduce(1, *) == shape[0] && found.count == 2
                                         && found.contains(1))
            guard same else { throw ModelError.shapeMismatch(file: file, tensor: spec.canonical, expected: shape, found: found) }
        }
        try TiedEmbeddings.checkHead(config, file: file) { present($0)?.shape }
        outputName = TiedEmbeddings.headTensor(config)
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
        let largest = max((c.nHeads + 2 * c.nKVHeads) * c.headDim, 2 * c.dFFN, c.dModel, c.vocabSize)
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
        if let context = batch.cache {
            guard context.slots.count == batch.sequences.count, context.cache.layers == config.nLayers,
                  context.cache.kvDim == kvDim else {
                throw ModelError.invalidBatch(reason: "the KV cache context does not match the batch and model")
            }
            for (s, range) in batch.sequences.enumerated() {
                guard context.slots[s] >= 0, context.slots[s] < context.cache.slots,
                      context.offset(s) + range.count <= context.cache.capacity else {
                    throw ModelError.invalidBatch(reason: "sentence \(s) does not fit its KV cache slot")
                }
            }
        }
        return longest
    }

    /// Positions the batch reaches: the longest sentence, or with a KV cache the largest cached length
    /// plus new tokens.
    func positionsNeeded(_ batch: PackedBatch, longest: Int) -> Int {
        guard let context = batch.cache else { return longest }
        var most = 0
        for (s, range) in batch.sequences.enumerated() { most = max(most, context.offset(s) + range.count) }
        return most
    }

    // MARK: - Weights

    /// Decodes the projections of `layer` (and their biases) into the weight scratch (once per layer and batch).
    func decodeProjections(_ layer: Int) throws {
        guard layer >= 0, layer < config.nLayers else {
            throw ModelError.layerOutOfRange(layer: layer, layers: config.nLayers)
        }
        activeLayer = layer
        if keepsDecodedWeights, let kept = keptWeights[layer] {
            current = kept
            return
        }
        if !keepsDecodedWeights && decodedLayer == layer { return }
        let start = DispatchTime.now().uptimeNanoseconds
        let d = config.dModel, ffn = config.dFFN
        decodedLayer = nil
        let target = keepsDecodedWeights ? LayerWeights() : scratchWeights
        current = target
        let qkvWeight = target.qkv, outputWeight = target.output, gateUpWeight = target.gateUp
        let downWeight = target.down, qkvBias = target.qkvBias, outputBias = target.outputBias
        let upBias = target.upBias, downBias = target.downBias
        func stack(_ tensors: [CanonicalName.LayerTensor], into buffer: ScratchBuffer, count: Int) throws {
            _ = buffer.reserve(count)
            var offset = 0
            for t in tensors {
                let name = CanonicalName.layer(layer, t)
                let info = try weights.info(name)
                let n = info.elementCount
                guard offset + n <= count else {
                    throw ModelError.shapeMismatch(file: weights.sourcePath, tensor: name, expected: [count - offset], found: [n])
                }
                try decodeRowsSplit(name, info: info, into: buffer.slice(offset, n))
                offset += n
            }
            guard offset == count else {
                throw ModelError.badConfig(file: weights.sourcePath, reason: "layer \(layer): \(tensors.map(\.rawValue)) hold \(offset) values, \(count) expected")
            }
        }
        try stack(layout.qkv, into: qkvWeight, count: qkvDim * d)
        try stack([.oProj], into: outputWeight, count: d * qDim)
        try stack(layout.up, into: gateUpWeight, count: upRows * d)
        try stack([.downProj], into: downWeight, count: d * ffn)
        if !layout.qkvBias.isEmpty { try stack(layout.qkvBias, into: qkvBias, count: qkvDim) }
        if let b = layout.outputBias { try stack([b], into: outputBias, count: d) }
        if !layout.upBias.isEmpty { try stack(layout.upBias, into: upBias, count: upRows) }
        if let b = layout.downBias { try stack([b], into: downBias, count: d) }
        if keepsDecodedWeights { keptWeights[layer] = target } else { decodedLayer = layer }
        timings.decodeSeconds += seconds(since: start)
    }

    /// Decodes every layer not yet kept (with `keepsDecodedWeights`; nothing otherwise), so that the kept
    /// layers are complete and only read from then on (`shareKeptLayers`).
    func decodeAllLayers() throws {
        guard keepsDecodedWeights else { return }
        for layer in 0..<config.nLayers where keptWeights[layer] == nil { try decodeProjections(layer) }
    }

    /// Makes this core read `other`'s kept layers, which must be complete (`decodeAllLayers`): two cores
    /// then run batches at the same time over one copy of the decoded weights, each with its own
    /// activations. The norm vectors are decoded again per core (d values each, on first use).
    func shareKeptLayers(of other: DecoderCore) {
        keepsDecodedWeights = true
        keptWeights = other.keptWeights
    }

    /// Decodes all of matrix `name` into `output`, its rows split into one contiguous share per row-parallel
    /// worker (`RowParallel.forEachChunk`, which keeps a small matrix on the calling thread): each row decodes
    /// independently of the others (a GGUF row is whole quantization blocks), so the bits are those of one
    /// serial call, and the first touch of the output pages is shared too. Every `WeightSource` decodes row
    /// ranges concurrently (the lens's head tiles do the same).
    func decodeRowsSplit(_ name: String, info: TensorInfo, into output: UnsafeMutableBufferPointer<Float>) throws {
        let rows = info.rows, rowLength = info.rowLength
        guard info.shape.count >= 2, output.count == rows * rowLength, let base = output.baseAddress else {
            try weights.decode(name, rows: nil, into: output)
            return
        }
        let workers = RowParallel.threads
        let failures = UnsafeMutablePointer<(any Error)?>.allocate(capacity: workers)
        failures.initialize(repeating: nil, count: workers)
        defer { failures.deinitialize(count: workers); failures.deallocate() }
        // What the workers touch: disjoint rows of `output` and their own failure slot.
        let task = UncheckedSendable((source: weights, base: base, failures: failures))
        RowParallel.forEachChunk(rows: rows, work: rowLength) { chunk, c in
            let t = task.value
            do {
                try t.source.decode(name, rows: chunk, into: UnsafeMutableBufferPointer(
                    start: t.base + chunk.lowerBound * rowLength, count: chunk.count * rowLength))
            } catch { t.failures[c] = error }
        }
        for c in 0..<workers { if let error = failures[c] { throw error } }
    }

    /// A per-layer vector (a norm weight) decoded to an array.
    func decodeVector(_ layer: Int, _ tensor: CanonicalName.LayerTensor, count: Int) throws -> [Float] {
        try decodeVector(CanonicalName.layer(layer, tensor), count: count)
    }

    func decodeVector(_ name: String, count: Int) throws -> [Float] {
        if keepsDecodedWeights, let kept = keptVectors[name], kept.count == count { return kept }
        var v = [Float](repeating: 0, count: count)
        try v.withUnsafeMutableBufferPointer { try weights.decode(name, rows: nil, into: $0) }
        if keepsDecodedWeights { keptVectors[name] = v }
        return v
    }

    /// RMSNorm weights of `tensor` in `layer` (d elements unless `count` says otherwise).
    func rmsNorm(_ layer: Int, _ tensor: CanonicalName.LayerTensor, count: Int? = nil) throws -> NormWeights {
        NormWeights(kind: .rms, weight: try decodeVector(layer, tensor, count: count ?? config.dModel), bias: nil)
    }

    /// LayerNorm weights (and bias when `bias` is given) of `layer`.
    func layerNorm(_ layer: Int, _ tensor: CanonicalName.LayerTensor, bias: CanonicalName.LayerTensor?,
                   count: Int? = nil) throws -> NormWeights {
        let n = count ?? config.dModel
        return NormWeights(kind: .layerNorm, weight: try decodeVector(layer, tensor, count: n),
                           bias: try bias.map { try decodeVector(layer, $0, count: n) })
    }

    // MARK: - Steps of a block

    /// Sizes the activation scratch for `tokens` tokens and sentences up to `longest`.
    func reserveActivations(tokens: Int, longest: Int) {
        let d = config.dModel
        _ = normed.reserve(tokens * d)
        _ = qkv.reserve(tokens * qkvDim)
        _ = attended.reserve(tokens * qDim)
        _ = projected.reserve(tokens * d)
        _ = gateUp.reserve(tokens * upRows)
        _ = scores.reserve(longest * longest)
    }

    /// `output` rows ← norm(`input` rows) (both [tokens, d], they may alias).
    func normalize(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, tokens: Int, _ norm: NormWeights) {
        normalizeRows(input, stride: config.dModel, into: output, stride: config.dModel, rows: tokens,
                      count: config.dModel, norm)
    }

    /// `rows` vectors of `count` elements each, normalized with `norm` (in place when the pointers alias).
    func normalizeRows(_ input: UnsafePointer<Float>, stride inputStride: Int, into output: UnsafeMutablePointer<Float>,
                       stride outputStride: Int, rows: Int, count: Int, _ norm: NormWeights) {
        let start = DispatchTime.now().uptimeNanoseconds
        normalizeRowsSerially(input, stride: inputStride, into: output, stride: outputStride, rows: rows,
                              count: count, norm, parallel: true)
        timings.elementwiseSeconds += seconds(since: start)
    }

    /// `normalizeRows` without the timing; rows split over the BLAS threads when `parallel` (each row is
    /// normalized by the same code either way).
    func normalizeRowsSerially(_ input: UnsafePointer<Float>, stride inputStride: Int, into output: UnsafeMutablePointer<Float>,
                               stride outputStride: Int, rows: Int, count: Int, _ norm: NormWeights, parallel: Bool) {
        let epsilon = self.epsilon
        norm.weight.withUnsafeBufferPointer { w in
            let bias = norm.bias ?? []  // an empty array's baseAddress need not be nil: pass nil for "no bias"
            bias.withUnsafeBufferPointer { b in
                guard let wb = w.baseAddress else { return }
                let bb = norm.bias == nil ? nil : b.baseAddress
                let run = { (r: Range<Int>) in
                    switch norm.kind {
                    case .rms:
                        RMSNorm.normalizeRows(input + r.lowerBound * inputStride, inputStride: inputStride, rows: r.count,
                                              count: count, weight: wb, epsilon: epsilon,
                                              into: output + r.lowerBound * outputStride, outputStride: outputStride)
                    case .layerNorm:
                        LayerNorm.normalizeRows(input + r.lowerBound * inputStride, inputStride: inputStride, rows: r.count,
                                                count: count, weight: wb, bias: bb, epsilon: epsilon,
                                                into: output + r.lowerBound * outputStride, outputStride: outputStride)
                    }
                }
                if parallel { RowParallel.forEach(rows: rows, work: count, run) } else { run(0..<rows) }
            }
        }
    }

    /// C[tokens, out] ← A[tokens, in] · W[out, in]ᵀ (+ bias per row), one sgemm for all packed tokens (in
    /// row parts, `BLAS.gemmInRowParts`, so that no bit depends on the thread count or on whether the batch
    /// ran in a lane); C += … instead when `accumulating` (the sgemm's β = 1: a residual stream takes the
    /// branch directly).
    func project(_ a: UnsafePointer<Float>, lda: Int, weight: UnsafePointer<Float>, inputs: Int, outputs: Int,
                 into c: UnsafeMutablePointer<Float>, tokens: Int, bias: UnsafePointer<Float>? = nil,
                 accumulating: Bool = false) {
        let start = DispatchTime.now().uptimeNanoseconds
        BLAS.gemmInRowParts(.transposed, m: tokens, n: outputs, k: inputs, a: a, lda: lda, b: weight, ldb: inputs,
                            beta: accumulating ? 1 : 0, c: c, ldc: outputs, fewRowsOnAllThreads: cachedBatch)
        timings.matmulSeconds += seconds(since: start)
        if let bias {
            let start = DispatchTime.now().uptimeNanoseconds
            RowParallel.forEach(rows: tokens, work: outputs) { rows in
                for t in rows { Elementwise.add(bias, to: c + t * outputs, count: outputs) }
            }
            timings.elementwiseSeconds += seconds(since: start)
        }
    }

    /// qkv ← normed · [Wq; Wk; Wv]ᵀ (+ [bq; bk; bv]).
    func projectQKV(tokens: Int) {
        project(normed.pointer, lda: config.dModel, weight: qkvWeight.pointer, inputs: config.dModel,
                outputs: qkvDim, into: qkv.pointer, tokens: tokens,
                bias: layout.qkvBias.isEmpty ? nil : UnsafePointer(qkvBias.pointer))
    }

    /// Per-head norm of the queries and keys in `qkv` (Gemma 3's and Qwen3's q_norm / k_norm: each head
    /// vector normalized with one [headDim] weight shared by the heads).
    func normalizeHeads(query: NormWeights, key: NormWeights, tokens: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        let hd = config.headDim, qkvDim = self.qkvDim, qDim = self.qDim, base = qkv.pointer
        let (heads, kvHeads) = (config.nHeads, config.nKVHeads)
        RowParallel.forEach(rows: tokens, work: qkvDim) { rows in
            for t in rows {
                let row = base + t * qkvDim
                normalizeRowsSerially(row, stride: hd, into: row, stride: hd, rows: heads, count: hd, query, parallel: false)
                normalizeRowsSerially(row + qDim, stride: hd, into: row + qDim, stride: hd, rows: kvHeads, count: hd, key,
                                      parallel: false)
            }
        }
        timings.elementwiseSeconds += seconds(since: start)
    }

    /// Rotates every query and key head by its token's position within its sentence.
    func applyRotary(_ rope: RotaryEmbedding, batch: PackedBatch, longest: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        rope.reserve(positions: positionsNeeded(batch, longest: longest))
        let hd = config.headDim, heads = config.nHeads + config.nKVHeads, qkvDim = self.qkvDim, base = qkv.pointer
        // The tables every sentence uses, looked up (and, under dynamic scaling, built) before the parallel
        // part: with a KV cache the sentence continues at its cached length; under dynamic scaling the table
        // is the one of the whole sequence so far (as transformers recomputes it per forward pass).
        let tables = batch.sequences.enumerated().map { s, sequence in
            rope.table(forSentenceOf: (batch.cache?.offset(s) ?? 0) + sequence.count)
        }
        let offsets = batch.sequences.indices.map { batch.cache?.offset($0) ?? 0 }
        RowParallel.forEachItem(batch.sequences.count, parallel: batch.tokenCount * qkvDim >= RowParallel.minimumWork) { s, _ in
            let sequence = batch.sequences[s]
            for t in sequence {
                tables[s].rotate(heads: heads, of: base + t * qkvDim, headStride: hd,
                                 position: offsets[s] + t - sequence.lowerBound)
            }
        }
        timings.elementwiseSeconds += seconds(since: start)
    }

    /// attended ← causal attention of every sentence; then projected ← attended · Woᵀ (+ bo), or
    /// `residual` += attended · Woᵀ (+ bo) when given (`attendAndAdd`). The one attention step every family
    /// calls (with its scale, soft-cap and window in `attention`).
    func attendAndProject(_ attention: CausalSelfAttention, batch: PackedBatch, tokens: Int,
                          residual: UnsafeMutablePointer<Float>? = nil) {
        let start = DispatchTime.now().uptimeNanoseconds
        let q = UnsafePointer(qkv.pointer)
        // Tokens outside every sentence (none in a well-formed batch) must not feed stale values onward; a
        // sentence's rows are written whole (every head's columns), so only the others are zeroed.
        var covered = [Bool](repeating: false, count: tokens)
        for sequence in batch.sequences { for t in sequence.clamped(to: 0..<tokens) { covered[t] = true } }
        for t in 0..<tokens where !covered[t] { (attended.pointer + t * qDim).update(repeating: 0, count: qDim) }
        if let context = batch.cache {
            attendCached(attention, batch: batch, context: context)
        } else {
            attendPacked(attention, batch: batch, q: q)
        }
        timings.attentionSeconds += seconds(since: start)
        project(attended.pointer, lda: qDim, weight: outputWeight.pointer, inputs: qDim, outputs: config.dModel,
                into: residual ?? projected.pointer, tokens: tokens,
                bias: layout.outputBias == nil ? nil : UnsafePointer(outputBias.pointer), accumulating: residual != nil)
    }

    /// hidden += the attention branch, for a family that adds it to the residual stream as it is (no
    /// post-norm). Unless sub-layers are captured (their copy is returned), the output projection's sgemm
    /// adds into `hidden` itself: no zeroing of `projected`, no pass adding it (the sum is rounded as
    /// (h + p₁) + p₂ … over the sgemm's blocks of the inner dimension instead of h + (p₁ + p₂ + …)).
    func attendAndAdd(_ attention: CausalSelfAttention, batch: PackedBatch, tokens: Int,
                      to hidden: UnsafeMutablePointer<Float>, capture: Bool) -> Matrix<Float>? {
        if capture {
            attendAndProject(attention, batch: batch, tokens: tokens)
            return addProjected(to: hidden, tokens: tokens, capture: true)
        }
        attendAndProject(attention, batch: batch, tokens: tokens, residual: hidden)
        return nil
    }

    /// Attention of every (sentence, head) pair, the pairs spread over the row-parallel threads, each thread
    /// with its own score scratch, while OpenBLAS runs on one thread: a long sentence's products, which
    /// OpenBLAS would thread itself (m·n·k > 65536·4, interface/gemm.c) one sentence after another, then run
    /// beside the other pairs. OpenBLAS splits a product's rows and columns over its threads, never the inner
    /// dimension, and picks its kernel by the shape alone, so a pair is the same arithmetic either way.
    private func attendPacked(_ attention: CausalSelfAttention, batch: PackedBatch, q: UnsafePointer<Float>) {
        let heads = config.nHeads, qkvDim = self.qkvDim, qDim = self.qDim, kvDim = self.kvDim
        var sentences: [Int] = []
        var longest = 0
        for (i, s) in batch.sequences.enumerated() where !s.isEmpty {
            sentences.append(i)
            longest = max(longest, s.count)
        }
        let workers = min(RowParallel.threads, max(sentences.count * heads, 1))
        let slot = longest * longest
        let scratch = scores.reserve(max(workers * slot, 1))
        let output = attended.pointer
        func run() {
            RowParallel.forEachItem(sentences.count * heads, workers: workers) { item, worker in
                let sequence = batch.sequences[sentences[item / heads]]
                attention.apply(sequence: sequence, head: item % heads, q: q, k: q + qDim, v: q + qDim + kvDim,
                                qkvStride: qkvDim, output: output, outputStride: qDim, scores: scratch + worker * slot)
            }
        }
        if workers > 1 { BLASThreads.withOpenBLASOnOneThread(run) } else { run() }
    }

    /// Incremental attention: each sentence's new keys and values are appended to its cache slot at this
    /// layer, then its queries attend over the slot's whole cached sequence.
    private func attendCached(_ attention: CausalSelfAttention, batch: PackedBatch, context: KVCacheContext) {
        let cache = context.cache, layer = activeLayer
        var most = 0
        for (s, range) in batch.sequences.enumerated() { most = max(most, range.count * (context.offset(s) + range.count)) }
        let scratch = scores.reserve(most)
        for (s, range) in batch.sequences.enumerated() where !range.isEmpty {
            let slot = context.slots[s], first = context.offset(s)
            for (i, t) in range.enumerated() {
                let row = UnsafePointer(qkv.pointer + t * qkvDim)
                cache.keyRow(layer: layer, slot: slot, position: first + i).update(from: row + qDim, count: kvDim)
                cache.valueRow(layer: layer, slot: slot, position: first + i).update(from: row + qDim + kvDim, count: kvDim)
            }
            attention.applyCached(queries: UnsafePointer(qkv.pointer + range.lowerBound * qkvDim), count: range.count,
                                  queryStride: qkvDim, firstPosition: first,
                                  keys: UnsafePointer(cache.keyRow(layer: layer, slot: slot, position: 0)),
                                  values: UnsafePointer(cache.valueRow(layer: layer, slot: slot, position: 0)),
                                  kvStride: kvDim, output: attended.pointer + range.lowerBound * qDim,
                                  outputStride: qDim, scores: scratch)
        }
    }

    /// projected ← (act(normed·Wgᵀ) ⊙ normed·Wuᵀ) · Wdᵀ for a gated MLP, act(normed·Wuᵀ) · Wdᵀ for a plain
    /// one (biases where the layout has them), added to `residual` instead when given (`feedForwardAndAdd`).
    /// The activation hook sees act(…) before the product with up (before the down projection when plain);
    /// without a hook activation and product are one pass.
    func feedForward(layer: Int, activation: ModelConfig.Activation, batch: PackedBatch, tokens: Int,
                     residual: UnsafeMutablePointer<Float>? = nil) {
        let d = config.dModel, ffn = config.dFFN
        project(normed.pointer, lda: d, weight: gateUpWeight.pointer, inputs: d, outputs: upRows,
                into: gateUp.pointer, tokens: tokens, bias: layout.upBias.isEmpty ? nil : UnsafePointer(upBias.pointer))
        var start = DispatchTime.now().uptimeNanoseconds
        let values = gateUp.pointer
        let upRows = self.upRows
        func activate() {
            RowParallel.forEach(rows: tokens, work: ffn) { r in
                GatedActivation.activate(activation, values + r.lowerBound * upRows, rows: r.count, count: ffn, stride: upRows)
            }
        }
        if layout.gatedMLP {
            if let hook = mlpActivationHook, hook.handlesRowChunks {
                // One pass per row chunk: activation, the hook on those rows, product with up (the same
                // values as the three separate passes below, without two more sweeps over the batch).
                RowParallel.forEachChunk(rows: tokens, work: ffn) { r, worker in
                    GatedActivation.activate(activation, values + r.lowerBound * upRows, rows: r.count, count: ffn,
                                             stride: upRows)
                    hook.mlpActivation(layer: layer, values: values, rowStride: upRows, rows: r, width: ffn,
                                       batch: batch, worker: worker)
                    for t in r {
                        let g = values + t * upRows
                        Elementwise.multiply(g, by: g + ffn, count: ffn)
                    }
                }
            } else if let hook = mlpActivationHook {
                activate()
                timings.elementwiseSeconds += seconds(since: start)
                hook.mlpActivation(layer: layer, values: values, rowStride: upRows, tokens: tokens, width: ffn, batch: batch)
                start = DispatchTime.now().uptimeNanoseconds
                RowParallel.forEach(rows: tokens, work: ffn) { rows in
                    for r in rows {
                        let g = values + r * upRows
                        Elementwise.multiply(g, by: g + ffn, count: ffn)
                    }
                }
            } else {
                RowParallel.forEach(rows: tokens, work: ffn) { r in
                    let g = values + r.lowerBound * upRows
                    GatedActivation.apply(activation, gate: g, up: g + ffn, rows: r.count, count: ffn, stride: upRows)
                }
            }
        } else {
            activate()
            if let hook = mlpActivationHook {
                timings.elementwiseSeconds += seconds(since: start)
                hook.mlpActivation(layer: layer, values: values, rowStride: upRows, tokens: tokens, width: ffn, batch: batch)
                start = DispatchTime.now().uptimeNanoseconds
            }
        }
        timings.elementwiseSeconds += seconds(since: start)
        project(gateUp.pointer, lda: upRows, weight: downWeight.pointer, inputs: ffn, outputs: d,
                into: residual ?? projected.pointer, tokens: tokens,
                bias: layout.downBias == nil ? nil : UnsafePointer(downBias.pointer), accumulating: residual != nil)
    }

    /// hidden += the MLP branch, as `attendAndAdd` adds the attention branch.
    func feedForwardAndAdd(layer: Int, activation: ModelConfig.Activation, batch: PackedBatch, tokens: Int,
                           to hidden: UnsafeMutablePointer<Float>, capture: Bool) -> Matrix<Float>? {
        if capture {
            feedForward(layer: layer, activation: activation, batch: batch, tokens: tokens)
            return addProjected(to: hidden, tokens: tokens, capture: true)
        }
        feedForward(layer: layer, activation: activation, batch: batch, tokens: tokens, residual: hidden)
        return nil
    }

    /// hidden += norm(projected), a post-norm family's branch (Gemma 2/3's and OLMo-2's post-attention and
    /// post-feed-forward norms); then normed ← next(hidden) when `next` is given (the pre-feed-forward norm).
    /// RMS norms without capture run as one pass over the rows (CKernels' `ck_rms_norm_add_rows`, the bits of
    /// the separate passes); else the separate passes, which keep the normed branch for its copy.
    func addNormalized(to hidden: UnsafeMutablePointer<Float>, tokens: Int, _ norm: NormWeights,
                       thenNormalize next: NormWeights? = nil, capture: Bool) -> Matrix<Float>? {
        guard !capture, norm.kind == .rms, next.map({ $0.kind == .rms }) ?? true else {
            normalize(projected.pointer, into: projected.pointer, tokens: tokens, norm)
            let copy = addProjected(to: hidden, tokens: tokens, capture: capture)
            if let next { normalize(hidden, into: normed.pointer, tokens: tokens, next) }
            return copy
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let d = config.dModel, epsilon = self.epsilon, source = UnsafePointer(projected.pointer), out = normed.pointer
        norm.weight.withUnsafeBufferPointer { w in
            (next?.weight ?? []).withUnsafeBufferPointer { n in
                guard let wb = w.baseAddress else { return }
                let nb = next == nil ? nil : n.baseAddress
                RowParallel.forEach(rows: tokens, work: d) { r in
                    let offset = r.lowerBound * d
                    ck_rms_norm_add_rows(source + offset, hidden + offset, r.count, d, wb, nb, out + offset, epsilon)
                }
            }
        }
        timings.elementwiseSeconds += seconds(since: start)
        return nil
    }

    /// hidden += projected; returns a copy of projected when the caller captures sub-layers.
    func addProjected(to hidden: UnsafeMutablePointer<Float>, tokens: Int, capture: Bool) -> Matrix<Float>? {
        let start = DispatchTime.now().uptimeNanoseconds
        let d = config.dModel, count = tokens * d, source = UnsafePointer(projected.pointer)
        RowParallel.forEach(rows: tokens, work: d) { r in
            Elementwise.add(source + r.lowerBound * d, to: hidden + r.lowerBound * d, count: r.count * d)
        }
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

    /// `norm` applied to every row of `hidden`, as a new matrix.
    func finalNorm(_ hidden: Matrix<Float>, _ norm: NormWeights) throws -> Matrix<Float> {
        guard hidden.cols == config.dModel else {
            throw ModelError.invalidBatch(reason: "hidden states have \(hidden.cols) columns, the model has d = \(config.dModel)")
        }
        var out = Matrix<Float>(rows: hidden.rows, cols: hidden.cols)
        hidden.storage.withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let o = dst.baseAddress else { return }
                normalize(s, into: o, tokens: hidden.rows, norm)
            }
        }
        return out
    }

    /// Logits of the chosen rows: the output embedding decoded a chunk of vocabulary rows at a time (the
    /// whole [vocab, d] matrix in Float would be the largest tensor of the model), times `scale` when set
    /// (Cohere's `logit_scale`), then `cap·tanh(z/cap)` when a final soft-cap is set (Gemma 2).
    func logits(_ normed: Matrix<Float>, rows: [Int], scale: Double?, softcap: Double?) throws -> Matrix<Float> {
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
        // A source that keeps the head in Float (generation's `DecodedWeights`) is read in place; otherwise
        // each chunk of vocabulary rows is decoded into scratch.
        let kept = try weights.decodedFloats(outputName).flatMap { $0.count == vocabulary * d ? $0.baseAddress : nil }
        let w = kept == nil ? logitWeights.reserve(chunk * d) : nil
        try out.storage.withUnsafeMutableBufferPointer { dst in
            guard let o = dst.baseAddress else { return }
            var first = 0
            while first < vocabulary {
                let n = min(chunk, vocabulary - first)
                let b: UnsafePointer<Float>
                if let kept {
                    b = kept + first * d
                } else if let w {
                    try weights.decode(outputName, rows: first..<(first + n), into: UnsafeMutableBufferPointer(start: w, count: n * d))
                    b = UnsafePointer(w)
                } else { return }
                BLAS.gemmInRowParts(.transposed, m: rows.count, n: n, k: d, a: inputs, lda: d, b: b, ldb: d,
                                    c: o + first, ldc: vocabulary, fewRowsOnAllThreads: true)
                first += n
            }
            Self.applyHeadConventions(o, count: dst.count, scale: scale.map(Float.init), softcap: softcap.map(Float.init))
        }
        return out
    }

    /// The head's conventions on raw products z, in place: z·scale when set (Cohere's `logit_scale`), then
    /// cap·tanh(z/cap) when a final soft-cap is set (Gemma 2) — shared by `logits` and `logitTiles`.
    @inline(__always)
    static func applyHeadConventions(_ z: UnsafeMutablePointer<Float>, count: Int, scale: Float?, softcap cap: Float?) {
        if let scale { for i in 0..<count { z[i] *= scale } }
        if let cap { for i in 0..<count { z[i] = cap * tanhf(z[i] / cap) } }
    }

    /// The head one vocabulary tile at a time, for a caller that reduces the logits as they come (the logit
    /// lens): each tile of `tileSize` consecutive ids is decoded once per call (its rows split over the
    /// workers) and multiplied by all rows of `normed`, the same `scale` and soft-cap applied as in `logits`.
    ///
    /// The rows are split into one contiguous share per worker (`RowParallel.threads` of them; shares and
    /// blocks at multiples of 48 rows when `rowBlock` ≥ 48, so no bit depends on the worker count); each worker
    /// runs its own single-threaded sgemm per block of at most `rowBlock` rows of its share and hands the
    /// [rows.count × ids.count] logits (row stride ids.count, in its own reused buffer) to
    /// `body(rows, ids, z, worker)` right away, while they are in its cache. OpenBLAS runs on one thread
    /// meanwhile: its own workers, spinning between calls, would otherwise take the cores the reductions
    /// need. Tiles come in increasing ids, so the full [rows × vocab] matrix never exists and the head is
    /// decoded once per call however many rows it has.
    func logitTiles(_ normed: Matrix<Float>, tileSize: Int, rowBlock: Int, scale: Double?, softcap: Double?,
                    _ body: (Range<Int>, Range<Int>, UnsafePointer<Float>, Int) -> Void) throws {
        let d = config.dModel
        guard normed.cols == d else {
            throw ModelError.invalidBatch(reason: "normed states have \(normed.cols) columns, the model has d = \(d)")
        }
        let rows = normed.rows
        guard rows > 0 else { return }
        let tile = max(1, min(tileSize, vocabulary))
        let threads = RowParallel.threads
        let workers = rows.multipliedReportingOverflow(by: tile * d).partialValue >= RowParallel.minimumWork
            ? max(1, min(threads, rows)) : 1
        // Shares and blocks at multiples of `BLAS.rowPartUnit` rows (when the block allows): every sgemm then
        // starts at such a multiple, so the logits are those of one single-threaded call over all rows
        // whatever the worker count (`BLAS.gemmInRowParts`), on every OpenBLAS kernel family.
        let unit = BLAS.rowPartUnit, even = (rows + workers - 1) / workers
        let share = rowBlock >= unit ? (even + unit - 1) / unit * unit : even
        let block = rowBlock >= unit ? min(rowBlock / unit * unit, share) : max(1, min(rowBlock, share))
        let w = logitWeights.reserve(tile * d)
        let z = logitTiles.reserve(workers * block * tile)
        let scale = scale.map(Float.init), cap = softcap.map(Float.init)
        let name = outputName, source = weights
        // OpenBLAS on one thread even for one worker: its own split would change the bits (Haswell/Zen).
        let blasThreads = BLASThreads.count
        if blasThreads > 1 { BLASThreads.set(1) }
        defer { if blasThreads > 1 { BLASThreads.set(blasThreads) } }
        let failures = UnsafeMutablePointer<(any Error)?>.allocate(capacity: workers)
        failures.initialize(repeating: nil, count: workers)
        defer { failures.deinitialize(count: workers); failures.deallocate() }
        try normed.storage.withUnsafeBufferPointer { src in
            guard let a = src.baseAddress else { return }
            try withoutActuallyEscaping(body) { body in
                // Everything the workers touch: disjoint rows of `w` (decoding), of `z` and of the rows (sgemm).
                let task = UncheckedSendable((a: a, w: w, z: z, body: body, failures: failures, source: source))
                func run(_ parts: Int, _ work: @Sendable (Int) -> Void) {
                    if parts == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: work) }
                }
                var first = 0
                while first < vocabulary {
                    let n = min(tile, vocabulary - first), ids = first..<(first + n)
                    run(workers) { c in
                        let t = task.value
                        let lower = n * c / workers, upper = n * (c + 1) / workers
                        guard lower < upper else { return }
                        do {
                            try t.source.decode(name, rows: (ids.lowerBound + lower)..<(ids.lowerBound + upper),
                                                into: UnsafeMutableBufferPointer(start: t.w + lower * d, count: (upper - lower) * d))
                        } catch { t.failures[c] = error }
                    }
                    for c in 0..<workers { if let error = failures[c] { throw error } }
                    run(workers) { c in
                        let t = task.value
                        let out = t.z + c * block * tile
                        var row = min(rows, c * share)
                        let end = min(rows, (c + 1) * share)
                        while row < end {
                            let m = min(block, end - row)
                            BLAS.gemm(.none, .transposed, m: m, n: n, k: d, a: t.a + row * d, lda: d, b: t.w, ldb: d,
                                      c: out, ldc: n)
                            Self.applyHeadConventions(out, count: m * n, scale: scale, softcap: cap)
                            t.body(row..<(row + m), ids, out, c)
                            row += m
                        }
                    }
                    first += n
                }
            }
        }
    }

    /// 2·T·(in·out) summed over the block's projections.
    func matmulFLOPs(tokens: Int) -> Double {
        let d = Double(config.dModel), ffn = Double(config.dFFN)
        let perToken = d * Double(qkvDim) + Double(qDim) * d + d * Double(upRows) + ffn * d
        return 2 * Double(tokens) * perToken
    }
}

@inline(__always)
func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9
}
