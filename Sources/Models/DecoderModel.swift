// The interface between a model family's forward pass and the layer-major tracer.
import Checkpoints
import LinearAlgebra

/// A batch of sentences packed into one matrix of tokens without padding: sentence s occupies rows
/// `sequences[s]` of the hidden-state matrix; attention is causal within each sentence and positions
/// restart at 0 for each.
public struct PackedBatch: Sendable {
    public var tokens: [Int32]
    public var sequences: [Range<Int>]
    /// Incremental decoding: sentence s continues the sequence cached in `cache.slots[s]` (positions start
    /// at its cached length; keys and values are appended to and read from the cache). Nil for the tracer.
    public var cache: KVCacheContext?

    public init(tokens: [Int32], sequences: [Range<Int>], cache: KVCacheContext? = nil) {
        self.tokens = tokens
        self.sequences = sequences
        self.cache = cache
    }

    public var tokenCount: Int { tokens.count }
}

/// Sub-layer outputs of one block, filled when the tracer asks for them.
public struct SubLayerOutputs: Sendable {
    /// The attention branch's output as added to the residual stream, [T, d].
    public var attention: Matrix<Float>
    /// The MLP branch's output as added to the residual stream, [T, d].
    public var mlp: Matrix<Float>

    public init(attention: Matrix<Float>, mlp: Matrix<Float>) {
        self.attention = attention
        self.mlp = mlp
    }
}

/// Sees, and may modify in place, one layer's MLP activation a = act(gate·x) ([tokens × width], row
/// stride `rowStride`) before it multiplies up·x (for a non-gated MLP: before the down projection).
///
/// Installed with `DecoderModel.mlpActivationHook`; every family's MLP step calls it (nil = no hook and
/// no overhead: activation and product stay one fused pass). Rows are the batch's packed tokens in
/// order (`batch.sequences` says which sentence each row belongs to); `width` is the MLP's intermediate
/// size. Language-specific-neuron counts read the values; deactivation writes zeros into them.
///
/// A hook whose work on a row depends on that row alone may also say `handlesRowChunks`: the MLP step
/// then calls `mlpActivation(layer:values:rowStride:rows:width:batch:worker:)` inside its one fused
/// activation pass, for chunks of rows on the row-parallel threads (`worker` < `RowParallel.threads`
/// indexes per-thread state), instead of a separate pass over the whole batch between activation and product.
public protocol MLPActivationHook: AnyObject {
    func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, tokens: Int,
                       width: Int, batch: PackedBatch)

    /// Whether `mlpActivation(…rows:…worker:)` may be called on chunks of rows from several threads.
    var handlesRowChunks: Bool { get }

    /// The same as the whole-batch call, for the rows `rows` only (`values` points at row 0 of the batch).
    func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, rows: Range<Int>,
                       width: Int, batch: PackedBatch, worker: Int)
}

extension MLPActivationHook {
    public var handlesRowChunks: Bool { false }

    public func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, rows: Range<Int>,
                              width: Int, batch: PackedBatch, worker: Int) {}
}

/// A decoder-only transformer run one layer at a time over a packed batch.
///
/// Layer-major: the tracer calls `embed`, then `applyBlock(0…n−1)` over the whole batch, then
/// `applyFinalNorm`. An implementation decodes a layer's weights to Float once per `applyBlock` call
/// (into reusable scratch) and applies them to all tokens with one sgemm per projection; it never holds
/// more than one layer in Float.
public protocol DecoderModel: AnyObject {
    var config: ModelConfig { get }

    /// The residual stream entering block 0 for every packed token ([T, d]): embeddings, scaled where the
    /// architecture scales them.
    func embed(_ batch: PackedBatch) throws -> Matrix<Float>

    /// Applies block `layer` in place to the residual stream `hidden` ([T, d]). Returns the sub-layer
    /// outputs when `captureSubLayers` is true.
    @discardableResult
    func applyBlock(_ layer: Int, to hidden: inout Matrix<Float>, batch: PackedBatch,
                    captureSubLayers: Bool) throws -> SubLayerOutputs?

    /// The final norm applied to `hidden` ([T, d]) as a new matrix.
    func applyFinalNorm(_ hidden: Matrix<Float>) throws -> Matrix<Float>

    /// The output head: logits ([rows.count, vocab]) for the given rows of a final-normed hidden matrix
    /// (`applyFinalNorm`'s output), with the family's output conventions applied — Cohere's
    /// `logit_scale` multiplier, Gemma 2's final soft-cap c·tanh(z/c) — so the logit lens, perplexity and
    /// generation see the logits transformers returns for every family.
    func logits(_ normed: Matrix<Float>, rows: [Int]) throws -> Matrix<Float>

    /// The output head by vocabulary tiles: `body(rows, ids, z, worker)` receives the logits z
    /// ([rows.count × ids.count], row stride ids.count, in a buffer reused after `body` returns) of rows `rows`
    /// of `normed` for the consecutive vocabulary ids `ids` — every (row, id) once, the ids of a row in
    /// increasing order — with the conventions of `logits`. `body` may run on several threads at once (for
    /// disjoint rows; `worker` < `RowParallel.threads` indexes per-thread state). The head's weights are
    /// decoded once per call, however many rows `normed` has; `tileSize` ids × `rowBlock` rows bound the
    /// logits each worker holds at once.
    func logitTiles(_ normed: Matrix<Float>, tileSize: Int, rowBlock: Int,
                    _ body: (Range<Int>, Range<Int>, UnsafePointer<Float>, Int) -> Void) throws

    /// The MLP activation hook (see `MLPActivationHook`); nil by default.
    var mlpActivationHook: (any MLPActivationHook)? { get set }

    /// Floating-point operations (2 per multiply-add) of one block's weight projections over `tokens`
    /// packed tokens — the sgemm work the tracer divides by time to report GFLOP/s.
    func matmulFLOPs(tokens: Int) -> Double

    /// Bytes of Float that every layer's block projections take decoded (what `keepsDecodedWeights` holds);
    /// 0 for models that do not decode weights.
    var decodedWeightBytes: Int { get }

    /// Keep each layer's decoded weights after its first use (decoded once per run instead of once per
    /// batch and layer); results are bit for bit those of per-layer decoding. See `WeightCache`.
    var keepsDecodedWeights: Bool { get set }

    /// Another instance to run other batches on another thread at the same time: the same weights, read
    /// only by both, and its own activations, timings and MLP hook. Nil when the model cannot (the
    /// default; family models only while they keep their decoded weights).
    func concurrentInstance() throws -> (any DecoderModel)?

    /// Another instance to run other batches on another thread at the same time that decodes each layer
    /// per batch into its own scratch (the model keeps no decoded weights). Nil when the model cannot.
    func decodingInstance() throws -> (any DecoderModel)?

    /// Where the forward pass has spent its time since the last `resetTimings()`.
    var timings: ForwardTimings { get }

    func resetTimings()
}

/// Seconds spent per kind of work in a forward pass.
public struct ForwardTimings: Sendable, Equatable {
    /// Decoding stored weights (and embedding rows) to Float.
    public var decodeSeconds: Double = 0
    /// The block projections' sgemm calls.
    public var matmulSeconds: Double = 0
    /// Scores, masked softmax and P·V per sentence and head.
    public var attentionSeconds: Double = 0
    /// Norms, RoPE, activation, residual adds.
    public var elementwiseSeconds: Double = 0

    public init() {}

    public var totalSeconds: Double { decodeSeconds + matmulSeconds + attentionSeconds + elementwiseSeconds }
}

extension ForwardTimings: StageSeconds {
    public static var stages: [WritableKeyPath<Self, Double>] {
        [\.decodeSeconds, \.matmulSeconds, \.attentionSeconds, \.elementwiseSeconds]
    }
}

/// Seconds per stage of some work, every stage a `Double` field listed in `stages`: summed and scaled
/// stage by stage (`ForwardTimings`, the tracer's `ExecutorTiming`).
public protocol StageSeconds {
    static var stages: [WritableKeyPath<Self, Double>] { get }
}

extension StageSeconds {
    /// The per-stage sums.
    public static func + (a: Self, b: Self) -> Self {
        var s = a
        for stage in stages { s[keyPath: stage] += b[keyPath: stage] }
        return s
    }

    /// Every stage's seconds times `factor` (e.g. the mean over threads that ran at once).
    public func scaled(by factor: Double) -> Self {
        var s = self
        for stage in Self.stages { s[keyPath: stage] *= factor }
        return s
    }
}

extension DecoderModel {
    /// Default for implementations that do not count: 2·T·(projection parameters of one block) from the config.
    public func matmulFLOPs(tokens: Int) -> Double {
        let c = config
        let d = Double(c.dModel), q = Double(c.nHeads * c.headDim), kv = Double(c.nKVHeads * c.headDim)
        let ffn = Double(c.dFFN)
        return 2 * Double(tokens) * (d * (q + 2 * kv) + q * d + 3 * d * ffn)
    }

    /// Floating-point operations of one block's attention products over `batch` (Q·Kᵀ and P·V per
    /// sentence and head, full L×L squares as computed): Σ_s 4·L_s²·headDim·nHeads.
    public func attentionFLOPs(_ batch: PackedBatch) -> Double {
        let perHead = batch.sequences.reduce(0.0) { $0 + 4 * Double($1.count) * Double($1.count) * Double(config.headDim) }
        return perHead * Double(config.nHeads)
    }

    /// Models without a tiled head of their own (test doubles): `logits` of all rows, handed out by tiles.
    public func logitTiles(_ normed: Matrix<Float>, tileSize: Int, rowBlock: Int,
                           _ body: (Range<Int>, Range<Int>, UnsafePointer<Float>, Int) -> Void) throws {
        guard normed.rows > 0 else { return }
        let all = try logits(normed, rows: Array(0..<normed.rows))
        let vocab = all.cols, tile = max(1, min(tileSize, vocab))
        var z = [Float](repeating: 0, count: normed.rows * tile)
        all.storage.withUnsafeBufferPointer { src in
            guard let s = src.baseAddress else { return }
            var first = 0
            while first < vocab {
                let n = min(tile, vocab - first)
                z.withUnsafeMutableBufferPointer { dst in
                    guard let o = dst.baseAddress else { return }
                    for r in 0..<normed.rows { (o + r * n).update(from: s + r * vocab + first, count: n) }
                    body(0..<normed.rows, first..<(first + n), UnsafePointer(o), 0)
                }
                first += n
            }
        }
    }

    public func concurrentInstance() throws -> (any DecoderModel)? { nil }

    public func decodingInstance() throws -> (any DecoderModel)? { nil }

    public var timings: ForwardTimings { ForwardTimings() }

    public var decodedWeightBytes: Int { 0 }

    /// Models that do not decode weights (test doubles) have nothing to keep.
    public var keepsDecodedWeights: Bool {
        get { false }
        set {}
    }

    public func resetTimings() {}

    /// Models without MLP steps of their own (test doubles) ignore hooks.
    public var mlpActivationHook: (any MLPActivationHook)? {
        get { nil }
        set {}
    }
}
