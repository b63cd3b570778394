// The part of every family's model that is the same for all: embeddings, the block's scaffolding (batch
// checks, decoding the layer once, scratch, sub-layer capture), final norm, output head, timings, hooks.
import Checkpoints
import Foundation
import LinearAlgebra

/// Base class of the family models. A family overrides `block(_:)` with its block composed from
/// `core`'s shared steps, and `finalNormWeights()` / `embed(_:)` where it differs.
public class FamilyDecoder: DecoderModel {
    public var config: ModelConfig { core.config }
    let core: DecoderCore

    init(core: DecoderCore) {
        self.core = core
    }

    /// One block applied in place to the residual stream `x` ([tokens, d]).
    struct Block {
        let layer: Int
        let x: UnsafeMutablePointer<Float>
        let batch: PackedBatch
        let tokens: Int
        let longest: Int
        let capture: Bool
    }

    /// The family's block; returns the attention and MLP branches when `b.capture`.
    func block(_ b: Block) throws -> (attention: Matrix<Float>?, mlp: Matrix<Float>?) {
        throw ModelError.badConfig(file: core.weights.sourcePath, reason: "\(type(of: self)) has no block")
    }

    /// The final norm's weights (default: RMSNorm with `model.norm.weight`).
    func finalNormWeights() throws -> NormWeights {
        NormWeights(kind: .rms, weight: try core.decodeVector(CanonicalName.finalNorm, count: config.dModel), bias: nil)
    }

    public func embed(_ batch: PackedBatch) throws -> Matrix<Float> {
        try core.embed(batch, multiplier: config.embeddingMultiplier.map(Float.init))
    }

    @discardableResult
    public func applyBlock(_ layer: Int, to hidden: inout Matrix<Float>, batch: PackedBatch,
                           captureSubLayers: Bool) throws -> SubLayerOutputs? {
        let longest = try core.validate(batch, hidden: hidden)
        try core.decodeProjections(layer)
        core.cachedBatch = batch.cache != nil
        let tokens = batch.tokenCount
        core.reserveActivations(tokens: tokens, longest: longest)
        let branches = try hidden.storage.withUnsafeMutableBufferPointer { h -> (attention: Matrix<Float>?, mlp: Matrix<Float>?) in
            guard let x = h.baseAddress else { return (nil, nil) }
            return try block(Block(layer: layer, x: x, batch: batch, tokens: tokens, longest: longest,
                                   capture: captureSubLayers))
        }
        guard let attention = branches.attention, let mlp = branches.mlp else { return nil }
        return SubLayerOutputs(attention: attention, mlp: mlp)
    }

    public func applyFinalNorm(_ hidden: Matrix<Float>) throws -> Matrix<Float> {
        try core.finalNorm(hidden, try finalNormWeights())
    }

    public func logits(_ normed: Matrix<Float>, rows: [Int]) throws -> Matrix<Float> {
        try core.logits(normed, rows: rows, scale: config.logitScale, softcap: config.finalLogitSoftcap)
    }

    public func logitTiles(_ normed: Matrix<Float>, tileSize: Int, rowBlock: Int,
                           _ body: (Range<Int>, Range<Int>, UnsafePointer<Float>, Int) -> Void) throws {
        try core.logitTiles(normed, tileSize: tileSize, rowBlock: rowBlock, scale: config.logitScale,
                            softcap: config.finalLogitSoftcap, body)
    }

    /// A second model of the same family over the same weight source, sharing this one's kept decoded
    /// layers (decoded completely first, then only read by both); its activations, timings and hook are its
    /// own, so the two run different batches on two threads at once. Nil unless decoded weights are kept
    /// (per-batch decoding would need one layer's scratch per thread: `decodingInstance`).
    public func concurrentInstance() throws -> (any DecoderModel)? {
        guard core.keepsDecodedWeights else { return nil }
        try core.decodeAllLayers()
        guard let twin = try ModelLoader.load(config: config, weights: core.weights) as? FamilyDecoder,
              type(of: twin) == type(of: self) else { return nil }
        twin.core.shareKeptLayers(of: core)
        return twin
    }

    /// A second model of the same family over the same weight source that decodes each layer per batch
    /// into its own scratch (one layer of Float), for running other batches on another thread at once
    /// without keeping the decoded weights. Nil while this model keeps them (use `concurrentInstance`).
    public func decodingInstance() throws -> (any DecoderModel)? {
        guard !core.keepsDecodedWeights,
              let twin = try ModelLoader.load(config: config, weights: core.weights) as? FamilyDecoder,
              type(of: twin) == type(of: self) else { return nil }
        twin.core.keepsDecodedWeights = false
        return twin
    }

    public var mlpActivationHook: (any MLPActivationHook)? {
        get { core.mlpActivationHook }
        set { core.mlpActivationHook = newValue }
    }

    public func matmulFLOPs(tokens: Int) -> Double { core.matmulFLOPs(tokens: tokens) }
    public var decodedWeightBytes: Int { core.decodedWeightBytes }
    public var keepsDecodedWeights: Bool {
        get { core.keepsDecodedWeights }
        set { core.keepsDecodedWeights = newValue }
    }
    public var timings: ForwardTimings { core.timings }
    public func resetTimings() { core.timings = ForwardTimings() }
}
