// Gemma 1 (Gemma Team 2024), as transformers' `GemmaForCausalLM` runs it: LLaMA's block with GeGLU
// (`gelu_pytorch_tanh`), RMSNorms computing x̂·(1 + w), embeddings × √d, tied LM head; often MQA and
// head_dim 256 ≠ d/H. GGUF: llama.cpp's `gemma` architecture (norms already stored as 1 + w).
import Checkpoints
import Foundation

extension ModelConfig.Architecture {
    public static let gemma = Self("gemma")
}

public enum GemmaFamily: ModelFamily {
    public static let architecture = ModelConfig.Architecture.gemma
    public static let displayName = "Gemma 1"
    public static let huggingFaceArchitectures = ["GemmaForCausalLM"]
    public static let huggingFaceModelTypes = ["gemma"]
    public static let ggufArchitectures = ["gemma"]

    /// The tanh GELU is the only activation Gemma checkpoints were trained with; `hidden_activation` wins
    /// over `hidden_act` as in transformers.
    static let activations: [String: ModelConfig.Activation] = ["gelu_pytorch_tanh": .geluTanh, "gelu_tanh": .geluTanh]

    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        let s = try SharedConfig.sizes(j, headDimDefault: 256, vocabDefault: 256_000)
        let activation = try SharedConfig.activation(j, keys: ["hidden_activation", "hidden_act"],
                                                     fallback: "gelu_pytorch_tanh", allowed: activations, family: architecture)
        try SharedConfig.refuseIfTrue(j, "attention_bias", family: architecture)
        try SharedConfig.refuseUnlessNeutral(j, "partial_rotary_factor", neutral: [1], family: architecture)
        let rope = j.object("rope_parameters")
        let context = try j.positive("max_position_embeddings", default: 8192)
        return ModelConfig(
            architecture: architecture, nLayers: s.layers, dModel: s.d, nHeads: s.heads, nKVHeads: s.kvHeads,
            headDim: s.headDim, dFFN: s.ffn, vocabSize: s.vocab,
            ropeTheta: try j.positiveDouble("rope_theta", in: rope, default: 10_000),
            ropeScaling: try SharedConfig.ropeScaling(j, j.object("rope_scaling") ?? rope, contextLength: context, family: architecture),
            normEps: try j.positiveDouble("rms_norm_eps", default: 1e-6), contextLength: context,
            tieWordEmbeddings: try j.bool("tie_word_embeddings", default: true), activation: activation,
            // transformers multiplies by √d held in the compute dtype (float32).
            embeddingMultiplier: Double(Float(Double(s.d).squareRoot())))
    }

    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        var c = try LlamaFamily.configuration(gguf: m, checkpoint: checkpoint, as: architecture)
        c.activation = .geluTanh
        c.embeddingMultiplier = Double(Float(Double(c.dModel).squareRoot()))
        return c
    }

    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        var out = SharedTensors.ends(c, normTransform: .addOne)
        for i in 0..<c.nLayers {
            out.append(SharedTensors.layer(i, .inputNorm, [c.dModel], gguf: "attn_norm.weight", huggingFaceTransform: .addOne))
            out.append(SharedTensors.layer(i, .postAttentionNorm, [c.dModel], gguf: "ffn_norm.weight", huggingFaceTransform: .addOne))
            out += SharedTensors.attention(c, layer: i)
            out += SharedTensors.gatedMLP(c, layer: i)
        }
        return out
    }

    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        if SharedTensors.isRotaryBuffer(name) { return "RoPE frequencies are recomputed from the configuration" }
        return TiedEmbeddings.skipReason(name, config: config, heads: ["lm_head.weight", "output.weight"])
    }

    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        try LlamaModel(config: config, weights: weights, tensors: tensors(config))
    }
}
