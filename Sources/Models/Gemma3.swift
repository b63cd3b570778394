// Gemma 3 text decoder (Gemma Team 2025), as transformers' `Gemma3ForCausalLM` runs it in float32.
import Checkpoints
import Foundation
import LinearAlgebra

/// A Gemma 3 text decoder run layer-major over packed sentences.
///
/// Embeddings × √d (the multiplier rounded to Float32, as transformers casts it to the weights' dtype).
/// Block: n = RMSNorm_in(h); q, k = RMSNorm_q/k per head of Wq·n, Wk·n, then RoPE;
///        h ← h + RMSNorm_postattn(Wo·attn(q, k, Wv·n));
///        m = RMSNorm_preff(h); h ← h + RMSNorm_postff(Wd·(GELU_tanh(Wg·m) ⊙ Wu·m)).
/// Scores scaled by query_pre_attn_scalar^(−1/2). Sliding layers attend to a window of the last
/// `sliding_window` tokens (the token included) with RoPE base `rope_local_base_freq`; global layers
/// attend causally to all with `rope_theta` and its scaling. Norm weights are the canonical multipliers
/// (1 + w of Hugging Face's checkpoints).
public final class Gemma3Model: DecoderModel {
    public var config: ModelConfig { core.config }
    let core: DecoderCore
    let globalRope: RotaryEmbedding
    let localRope: RotaryEmbedding
    let globalAttention: CausalSelfAttention
    let localAttention: CausalSelfAttention
    let embeddingMultiplier: Float

    static let layerTensors: [CanonicalName.LayerTensor] = [
        .inputNorm, .qProj, .kProj, .vProj, .oProj, .postAttentionNorm, .gateProj, .upProj, .downProj,
        .qNorm, .kNorm, .preFeedforwardNorm, .postFeedforwardNorm,
    ]

    public init(config: ModelConfig, weights: any WeightSource) throws {
        guard config.architecture == .gemma3 else {
            throw ModelError.unsupportedArchitecture(file: weights.sourcePath, reason: "Gemma3Model given a \(config.architecture.rawValue) configuration")
        }
        core = try DecoderCore(weights: weights, config: config, layerTensors: Gemma3Model.layerTensors)
        globalRope = RotaryEmbedding(headDim: config.headDim, base: config.ropeTheta, scaling: config.ropeScaling)
        localRope = RotaryEmbedding(headDim: config.headDim, base: config.ropeLocalTheta ?? 10_000)
        let scale = Float(1 / (config.queryPreAttnScalar ?? Double(config.headDim)).squareRoot())
        let softcap = config.attnLogitSoftcap.map(Float.init)
        globalAttention = CausalSelfAttention(heads: config.nHeads, kvHeads: config.nKVHeads, headDim: config.headDim,
                                              scale: scale, logitSoftcap: softcap)
        localAttention = CausalSelfAttention(heads: config.nHeads, kvHeads: config.nKVHeads, headDim: config.headDim,
                                             scale: scale, slidingWindow: config.slidingWindow, logitSoftcap: softcap)
        embeddingMultiplier = Float(config.embeddingMultiplier ?? Double(config.dModel).squareRoot())
    }

    public func embed(_ batch: PackedBatch) throws -> Matrix<Float> {
        try core.embed(batch, multiplier: embeddingMultiplier)
    }

    @discardableResult
    public func applyBlock(_ layer: Int, to hidden: inout Matrix<Float>, batch: PackedBatch,
                           captureSubLayers: Bool) throws -> SubLayerOutputs? {
        let longest = try core.validate(batch, hidden: hidden)
        try core.decodeProjections(layer)
        let d = config.dModel, hd = config.headDim
        let inputNorm = try core.decodeVector(layer, .inputNorm, count: d)
        let postAttentionNorm = try core.decodeVector(layer, .postAttentionNorm, count: d)
        let preFeedforwardNorm = try core.decodeVector(layer, .preFeedforwardNorm, count: d)
        let postFeedforwardNorm = try core.decodeVector(layer, .postFeedforwardNorm, count: d)
        let queryNorm = try core.decodeVector(layer, .qNorm, count: hd)
        let keyNorm = try core.decodeVector(layer, .kNorm, count: hd)
        let sliding = config.layerKinds[layer] == .sliding
        let tokens = batch.tokenCount
        core.reserveActivations(tokens: tokens, longest: longest)
        let (attentionBranch, mlpBranch) = hidden.storage.withUnsafeMutableBufferPointer { h -> (Matrix<Float>?, Matrix<Float>?) in
            guard let x = h.baseAddress else { return (nil, nil) }
            let projected = core.projected.pointer
            core.normalize(x, into: core.normed.pointer, tokens: tokens, weight: inputNorm)
            core.projectQKV(tokens: tokens)
            core.normalizeHeads(queryWeight: queryNorm, keyWeight: keyNorm, tokens: tokens)
            core.applyRotary(sliding ? localRope : globalRope, batch: batch, longest: longest)
            core.attendAndProject(sliding ? localAttention : globalAttention, batch: batch, tokens: tokens)
            core.normalize(projected, into: projected, tokens: tokens, weight: postAttentionNorm)
            let a = core.addProjected(to: x, tokens: tokens, capture: captureSubLayers)
            core.normalize(x, into: core.normed.pointer, tokens: tokens, weight: preFeedforwardNorm)
            core.feedForward(tokens: tokens)
            core.normalize(projected, into: projected, tokens: tokens, weight: postFeedforwardNorm)
            let m = core.addProjected(to: x, tokens: tokens, capture: captureSubLayers)
            return (a, m)
        }
        guard let attentionBranch, let mlpBranch else { return nil }
        return SubLayerOutputs(attention: attentionBranch, mlp: mlpBranch)
    }

    public func applyFinalNorm(_ hidden: Matrix<Float>) throws -> Matrix<Float> {
        try core.finalNorm(hidden)
    }

    public func logits(_ normed: Matrix<Float>, rows: [Int]) throws -> Matrix<Float> {
        try core.logits(normed, rows: rows, softcap: config.finalLogitSoftcap)
    }

    public func matmulFLOPs(tokens: Int) -> Double { core.matmulFLOPs(tokens: tokens) }
    public var timings: ForwardTimings { core.timings }
    public func resetTimings() { core.timings = ForwardTimings() }
}
