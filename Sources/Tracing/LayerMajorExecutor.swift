// The layer-major executor: one packed batch through every block, handing each layer's residual stream to
// the trace sinks (pooling, per-token states, sub-layer outputs, final norm).
import Activations
import LinearAlgebra
import Models

/// The activations of one batch: its sentences in packing order (segment after segment), so the rows of
/// segment i are `segmentRows(i)` of every [·, B, d] array and its tokens those of `batch.segments[i]`.
public struct BatchActivations: Sendable {
    public var batch: TraceBatch
    /// n_layers + 1 (embeddings, then every block's output).
    public var layerCount: Int
    public var dModel: Int
    /// Per pooling in `settings.pools` order: [layerCount, B, d].
    public var pooled: [[Float]]
    /// Per pooling: [B, d], pooled from the final norm's output.
    public var finalNorm: [[Float]]
    /// [layerCount, T_batch, d] with token states, else empty.
    public var states: [Float]
    /// Per pooling: [n_layers, B, d] with sub-layers, else empty: attention and MLP branch outputs.
    public var attention: [[Float]]
    public var mlp: [[Float]]
    /// With neuron counts, per segment: [n_layers, d_ffn] tokens with act(gate·x) > 0, else empty.
    public var neuronCounts: [[Int32]] = []
    /// Per segment: tokens counted (BOS excluded unless counted).
    public var countedTokens: [Int] = []

    /// The batch rows (sentences) of segment `i`.
    public func segmentRows(_ i: Int) -> Range<Int> {
        let first = batch.segments[..<i].reduce(0) { $0 + $1.sentences.count }
        return first..<(first + batch.segments[i].sentences.count)
    }

    /// The batch's token rows of segment `i`.
    public func segmentTokens(_ i: Int) -> Range<Int> {
        let first = batch.segments[..<i].reduce(0) { $0 + $1.tokens.count }
        return first..<(first + batch.segments[i].tokens.count)
    }

    /// Rows `rows` of a [layers, B, d] array (B = `total` rows) as [layers, rows.count, d].
    public static func rows(_ rows: Range<Int>, of values: [Float], total: Int, dimension d: Int) -> [Float] {
        guard total > 0 else { return [] }
        let layers = values.count / (total * d)
        if rows == 0..<total { return values }
        var out: [Float] = []
        out.reserveCapacity(layers * rows.count * d)
        for layer in 0..<layers {
            out += values[((layer * total + rows.lowerBound) * d)..<((layer * total + rows.upperBound) * d)]
        }
        return out
    }
}

/// Where the executor's time went (seconds, summed over batches).
public struct ExecutorTiming: Sendable, Equatable {
    public var embed = 0.0
    public var blocks = 0.0
    public var finalNorm = 0.0
    /// Pooling and copying token states (the sinks).
    public var sinks = 0.0
    public var total: Double { embed + blocks + finalNorm + sinks }
    public init() {}
}

extension ExecutorTiming: StageSeconds {
    public static var stages: [WritableKeyPath<Self, Double>] { [\.embed, \.blocks, \.finalNorm, \.sinks] }
}

/// Runs packed batches through a `DecoderModel` layer by layer.
public final class LayerMajorExecutor {
    public let model: any DecoderModel
    public let plan: TracePlan
    public fileprivate(set) var timing = ExecutorTiming()
    /// Called after each block of a batch with (blocks done, blocks in all): progress within a batch.
    public var afterLayer: ((Int, Int) -> Void)?
    fileprivate let clock = ContinuousClock()

    /// Counts FFN activations when the plan asks for neuron counts.
    public let counter: NeuronActivationCounter?
    /// The MLP hook installed for each batch: deactivation first, then counting.
    private let hook: (any MLPActivationHook)?

    public init(model: any DecoderModel, plan: TracePlan) {
        self.model = model
        self.plan = plan
        let counter = plan.settings.neuronCounts.map { _ in
            NeuronActivationCounter(layers: model.config.nLayers, width: model.config.dFFN)
        }
        self.counter = counter
        let hooks: [(any MLPActivationHook)?] = [plan.settings.deactivation?.hook(), counter]
        hook = MLPHookChain.combine(hooks.compactMap { $0 })
    }

    /// Embeds the batch, applies every block to all its tokens and pools after each; never computes logits.
    public func run(_ batch: TraceBatch) throws -> BatchActivations {
        try run(together: [batch])[0]
    }

    /// Runs `batches` layer by layer together: each block is applied to every batch in turn before the next
    /// block, so a model that decodes its layers per batch (`DecoderModel.decodingInstance`) decodes each
    /// layer once for all of them. Every batch's values are those of `run(_:)` on it alone (a block reads
    /// only its own batch's rows, and the decoded layer is the same). With neuron counts, whose counter
    /// follows one batch at a time, the batches run one after another.
    public func run(together batches: [TraceBatch]) throws -> [BatchActivations] {
        guard counter == nil || batches.count <= 1 else { return try batches.map { try run(together: [$0])[0] } }
        // The hook belongs to this pass only: another user of the model must not inherit it.
        let previousHook = model.mlpActivationHook
        model.mlpActivationHook = hook
        defer { model.mlpActivationHook = previousHook }
        let passes = try batches.map { try BatchPass(self, $0) }
        let nLayers = model.config.nLayers
        for layer in 0..<nLayers {
            for pass in passes { try pass.apply(layer) }
            afterLayer?(layer + 1, nLayers)
        }
        return try passes.map { try $0.finish() }
    }

    /// One batch's state between the blocks of `run(together:)`: its packed tokens, pooled rows, residual
    /// stream and outputs so far.
    private final class BatchPass {
        let executor: LayerMajorExecutor
        let batch: TraceBatch
        let packed: PackedBatch
        let poolRows: [Range<Int>]
        var hidden: Matrix<Float>
        var out: BatchActivations

        /// Packs the batch, embeds it and pools the embeddings (layer 0).
        init(_ executor: LayerMajorExecutor, _ batch: TraceBatch) throws {
            self.executor = executor
            self.batch = batch
            let model = executor.model, plan = executor.plan, settings = plan.settings
            let config = model.config
            let d = config.dModel, nLayers = config.nLayers, layerCount = nLayers + 1
            let b = batch.sentenceCount, tb = batch.tokenCount
            // Sequences and pooled rows relative to the batch, segment after segment.
            var tokens: [Int32] = []
            tokens.reserveCapacity(tb)
            var sequences: [Range<Int>] = [], poolRows: [Range<Int>] = [], groups: [[Range<Int>]] = []
            for segment in batch.segments {
                let tokenized = plan.languages[segment.language]
                let base = tokens.count - segment.tokens.lowerBound
                tokens += tokenized.ids[segment.tokens]
                let first = sequences.count
                for n in segment.sentences {
                    let s = (tokenized.offsets[n] + base)..<(tokenized.offsets[n + 1] + base)
                    sequences.append(s)
                    poolRows.append((s.lowerBound + tokenized.poolSpans[n].lowerBound)..<(s.lowerBound + tokenized.poolSpans[n].upperBound))
                }
                groups.append(NeuronActivationCounter.countedRows(
                    sequences: Array(sequences[first...]),
                    startsWithBOS: segment.sentences.map { $0 < tokenized.startsWithBOS.count && tokenized.startsWithBOS[$0] },
                    countBOS: settings.neuronCounts?.countBOS ?? false))
            }
            packed = PackedBatch(tokens: tokens, sequences: sequences)
            self.poolRows = poolRows
            executor.counter?.begin(groups: groups)
            out = BatchActivations(
                batch: batch, layerCount: layerCount, dModel: d,
                pooled: settings.pools.map { _ in [Float](repeating: 0, count: layerCount * b * d) },
                finalNorm: settings.pools.map { _ in [Float](repeating: 0, count: b * d) },
                states: settings.tokenStates ? [Float](repeating: 0, count: layerCount * tb * d) : [],
                attention: settings.subLayers ? settings.pools.map { _ in [Float](repeating: 0, count: nLayers * b * d) } : [],
                mlp: settings.subLayers ? settings.pools.map { _ in [Float](repeating: 0, count: nLayers * b * d) } : [])

            var start = executor.clock.now
            hidden = try model.embed(packed)
            try LayerMajorExecutor.checkShape(hidden, rows: tb, cols: d, stage: "embed")
            executor.timing.embed += executor.seconds(since: start)
            start = executor.clock.now
            sink(hidden, into: &out.pooled, layer: 0)
            keepStates(hidden, layer: 0)
            executor.timing.sinks += executor.seconds(since: start)
        }

        /// Block `layer` on the batch, then its sinks.
        func apply(_ layer: Int) throws {
            let model = executor.model, settings = executor.plan.settings
            let tb = batch.tokenCount, d = model.config.dModel
            var start = executor.clock.now
            let sub = try model.applyBlock(layer, to: &hidden, batch: packed, captureSubLayers: settings.subLayers)
            try LayerMajorExecutor.checkShape(hidden, rows: tb, cols: d, stage: "block \(layer)")
            executor.timing.blocks += executor.seconds(since: start)
            start = executor.clock.now
            sink(hidden, into: &out.pooled, layer: layer + 1)
            keepStates(hidden, layer: layer + 1)
            if settings.subLayers {
                guard let sub else {
                    throw TracingError.modelShape(stage: "block \(layer) sub-layers", expected: [tb, d], found: [])
                }
                try LayerMajorExecutor.checkShape(sub.attention, rows: tb, cols: d, stage: "block \(layer) attention output")
                try LayerMajorExecutor.checkShape(sub.mlp, rows: tb, cols: d, stage: "block \(layer) MLP output")
                sink(sub.attention, into: &out.attention, layer: layer)
                sink(sub.mlp, into: &out.mlp, layer: layer)
            }
            executor.timing.sinks += executor.seconds(since: start)
        }

        /// Neuron counts, the final norm and its pooling: the batch's activations.
        func finish() throws -> BatchActivations {
            if let counter = executor.counter {
                out.neuronCounts = batch.segments.indices.map { counter.counts(group: $0) }
                out.countedTokens = counter.countedTokens
            }
            // The final norm feeds only the pooled final-norm datasets (none with --pool none).
            guard !executor.plan.settings.pools.isEmpty else { return out }
            var start = executor.clock.now
            let normed = try executor.model.applyFinalNorm(hidden)
            try LayerMajorExecutor.checkShape(normed, rows: batch.tokenCount, cols: executor.model.config.dModel, stage: "final norm")
            executor.timing.finalNorm += executor.seconds(since: start)
            start = executor.clock.now
            sink(normed, into: &out.finalNorm, layer: 0)
            executor.timing.sinks += executor.seconds(since: start)
            return out
        }

        /// Sentences pooled in parallel (each writes its own rows; a Double accumulator per chunk).
        func sink(_ matrix: Matrix<Float>, into target: inout [[Float]], layer: Int) {
            let settings = executor.plan.settings
            guard !settings.pools.isEmpty else { return }
            let b = batch.sentenceCount, d = executor.model.config.dModel, poolRows = self.poolRows
            matrix.storage.withUnsafeBufferPointer { states in
                for (p, pooling) in settings.pools.enumerated() {
                    target[p].withUnsafeMutableBufferPointer { dst in
                        guard let base = dst.baseAddress else { return }
                        RowParallel.forEach(rows: b, work: 8 * d) { sentences in
                            var scratch = [Double](repeating: 0, count: d)
                            scratch.withUnsafeMutableBufferPointer { acc in
                                for k in sentences {
                                    let o = UnsafeMutableBufferPointer(start: base + (layer * b + k) * d, count: d)
                                    pooling.pool(states, rows: poolRows[k], dimension: d, into: o, scratch: acc)
                                }
                            }
                        }
                    }
                }
            }
        }

        func keepStates(_ matrix: Matrix<Float>, layer: Int) {
            guard executor.plan.settings.tokenStates else { return }
            let tb = batch.tokenCount, d = executor.model.config.dModel
            out.states.withUnsafeMutableBufferPointer { dst in
                matrix.storage.withUnsafeBufferPointer { src in
                    guard let to = dst.baseAddress, let from = src.baseAddress else { return }
                    (to + layer * tb * d).update(from: from, count: tb * d)
                }
            }
        }
    }

    /// The stage seconds so far, reset to zero.
    public func takeTiming() -> ExecutorTiming {
        defer { timing = ExecutorTiming() }
        return timing
    }

    fileprivate func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = clock.now - start
        return d.seconds
    }

    fileprivate static func checkShape(_ m: Matrix<Float>, rows: Int, cols: Int, stage: String) throws {
        guard m.rows == rows, m.cols == cols else {
            throw TracingError.modelShape(stage: stage, expected: [rows, cols], found: [m.rows, m.cols])
        }
    }
}
