// OLMo 2 (Team OLMo 2024, "2 OLMo 2 Furious"), as transformers' `Olmo2ForCausalLM` runs it in float32.
import Checkpoints
import Foundation
import LinearAlgebra

extension ModelConfig.Architecture {
    public static let olmo2 = Self("olmo2")
}

/// The OLMo-2 family: how it differs from LLaMA (transformers `modular_olmo2.py`):
/// - no norm before attention or MLP: the norms are applied to their outputs
///   (`post_attention_layernorm`, `post_feedforward_layernorm`), h ← h + RMSNorm(attn(h)), then
///   h ← h + RMSNorm(mlp(h));
/// - RMSNorm of the whole q and k projections (`q_norm` [H·hd], `k_norm` [KV·hd]) before the head split
///   and RoPE.
/// The configuration is LLaMA's (`Olmo2Config` keys; `attention_bias` adds q/k/v/o biases). GGUF `olmo2`
/// files are not read yet (no reference to check them against): they are refused as unsupported.
public enum Olmo2Family: ModelFamily {
    public static let architecture = ModelConfig.Architecture.olmo2
    public static let displayName = "OLMo 2"
    public static let huggingFaceArchitectures = ["Olmo2ForCausalLM"]
    public static let huggingFaceModelTypes = ["olmo2"]
    public static let ggufArchitectures: [String] = []

    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        var c = try LlamaFamily.configuration(huggingFace: j, as: architecture)
        c.mlpBias = nil  // Olmo2MLP has no biases (and no mlp_bias key)
        return c
    }

    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        throw ModelError.unsupportedArchitecture(file: m.path, reason: "GGUF architecture \(m.architecture) is not supported")
    }

    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        var out = SharedTensors.ends(c)
        for i in 0..<c.nLayers {
            out.append(SharedTensors.layer(i, .postAttentionNorm, [c.dModel], gguf: "post_attention_norm.weight"))
            out.append(SharedTensors.layer(i, .postFeedforwardNorm, [c.dModel], gguf: "post_ffw_norm.weight"))
            out.append(SharedTensors.layer(i, .qNorm, [c.nHeads * c.headDim], gguf: "attn_q_norm.weight"))
            out.append(SharedTensors.layer(i, .kNorm, [c.nKVHeads * c.headDim], gguf: "attn_k_norm.weight"))
            out += SharedTensors.attention(c, layer: i)
            out += SharedTensors.gatedMLP(c, layer: i)
        }
        return out
    }

    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        if SharedTensors.isRotaryBuffer(name) { return "RoPE frequencies are recomputed from the configuration" }
        return TiedEmbeddings.skipReason(name, config: config, heads: ["lm_head.weight"])
    }

    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        try Olmo2Model(config: config, weights: weights, tensors: tensors(config))
    }
}

/// An OLMo-2 decoder run layer-major over packed sentences:
///
///     q, k, v = RMSNorm_q(Wq·h), RMSNorm_k(Wk·h), Wv·h; q, k = RoPE(q, k)
///     h ← h + RMSNorm_postattn(Wo·attn(q, k, v));  h ← h + RMSNorm_postff(Wd·(SiLU(Wg·h) ⊙ Wu·h))
public final class Olmo2Model: FamilyDecoder {
    let rope: RotaryEmbedding
    let attention: CausalSelfAttention

    init(config: ModelConfig, weights: any WeightSource, tensors: [TensorSpec]) throws {
        let core = try DecoderCore(weights: weights, config: config, tensors: tensors, layout: .standard(config))
        rope = RotaryEmbedding(headDim: config.headDim, base: config.ropeTheta, scaling: config.ropeScaling)
        attention = CausalSelfAttention(heads: config.nHeads, kvHeads: config.nKVHeads, headDim: config.headDim,
                                        scale: 1 / Float(config.headDim).squareRoot())
        super.init(core: core)
    }

    override func block(_ b: Block) throws -> (attention: Matrix<Float>?, mlp: Matrix<Float>?) {
        let l = b.layer
        let postAttentionNorm = try core.rmsNorm(l, .postAttentionNorm)
        let postFeedforwardNorm = try core.rmsNorm(l, .postFeedforwardNorm)
        let normed = core.normed.pointer
        let count = b.tokens * config.dModel
        // The projections read `normed`: here the residual stream itself.
        normed.update(from: b.x, count: count)
        core.projectQKV(tokens: b.tokens)
        core.normalizeProjections(query: try core.rmsNorm(l, .qNorm, count: config.nHeads * config.headDim),
                                  key: try core.rmsNorm(l, .kNorm, count: config.nKVHeads * config.headDim),
                                  tokens: b.tokens)
        core.applyRotary(rope, batch: b.batch, longest: b.longest)
        core.attendAndProject(attention, batch: b.batch, tokens: b.tokens)
        let a = core.addNormalized(to: b.x, tokens: b.tokens, postAttentionNorm, capture: b.capture)
        normed.update(from: b.x, count: count)
        core.feedForward(layer: l, activation: config.activation, batch: b.batch, tokens: b.tokens)
        let m = core.addNormalized(to: b.x, tokens: b.tokens, postFeedforwardNorm, capture: b.capture)
        return (a, m)
    }
}
