// LLaMA 1/2/3 decoder (Touvron et al. 2023; Meta's LLaMA 3), as transformers' `LlamaForCausalLM` runs it:
// also m-LLaMA, x-LLaMA, Alpaca and SmolLM2, which share the architecture.
import Checkpoints
import LinearAlgebra

/// A LLaMA-family decoder run layer-major over packed sentences.
///
/// Block: h ← h + Wo·attn(RoPE(Wq·n), RoPE(Wk·n), Wv·n) with n = RMSNorm₁(h);
///        h ← h + Wd·(SiLU(Wg·m) ⊙ Wu·m) with m = RMSNorm₂(h).
/// Grouped-query attention when n_kv_heads < n_heads; head_dim may differ from d/n_heads;
/// scores scaled by head_dim^(−1/2); RoPE with `rope_theta` and optional `linear`/`llama3` scaling.
public final class LlamaModel: DecoderModel {
    public var config: ModelConfig { core.config }
    let core: DecoderCore
    let rope: RotaryEmbedding
    let attention: CausalSelfAttention

    static let layerTensors: [CanonicalName.LayerTensor] = [
        .inputNorm, .qProj, .kProj, .vProj, .oProj, .postAttentionNorm, .gateProj, .upProj, .downProj,
    ]

    /// Validates `config` against the tensors of `weights`.
    public init(config: ModelConfig, weights: any WeightSource) throws {
        guard config.architecture == .llama else {
            throw ModelError.unsupportedArchitecture(file: weights.sourcePath, reason: "LlamaModel given a \(config.architecture.rawValue) configuration")
        }
        core = try DecoderCore(weights: weights, config: config, layerTensors: LlamaModel.layerTensors)
        rope = RotaryEmbedding(headDim: config.headDim, base: config.ropeTheta, scaling: config.ropeScaling)
        attention = CausalSelfAttention(
            heads: config.nHeads, kvHeads: config.nKVHeads, headDim: config.headDim,
            scale: 1 / Float(config.headDim).squareRoot(),
            logitSoftcap: config.attnLogitSoftcap.map(Float.init))
    }

    public func embed(_ batch: PackedBatch) throws -> Matrix<Float> {
        try core.embed(batch, multiplier: config.embeddingMultiplier.map(Float.init))
    }

    @discardableResult
    public func applyBlock(_ layer: Int, to hidden: inout Matrix<Float>, batch: PackedBatch,
                           captureSubLayers: Bool) throws -> SubLayerOutputs? {
        let longest = try core.validate(batch, hidden: hidden)
        try core.decodeProjections(layer)
        let inputNorm = try core.decodeVector(layer, .inputNorm, count: config.dModel)
        let mlpNorm = try core.decodeVector(layer, .postAttentionNorm, count: config.dModel)
        let tokens = batch.tokenCount
        core.reserveActivations(tokens: tokens, longest: longest)
        let (attentionBranch, mlpBranch) = hidden.storage.withUnsafeMutableBufferPointer { h -> (Matrix<Float>?, Matrix<Float>?) in
            guard let x = h.baseAddress else { return (nil, nil) }
            core.normalize(x, into: core.normed.pointer, tokens: tokens, weight: inputNorm)
            core.projectQKV(tokens: tokens)
            core.applyRotary(rope, batch: batch, longest: longest)
            core.attendAndProject(attention, batch: batch, tokens: tokens)
            let a = core.addProjected(to: x, tokens: tokens, capture: captureSubLayers)
            core.normalize(x, into: core.normed.pointer, tokens: tokens, weight: mlpNorm)
            core.feedForward(tokens: tokens)
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
