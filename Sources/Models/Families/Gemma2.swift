// Gemma 2 (Gemma Team 2024), as transformers' `Gemma2ForCausalLM` runs it: Gemma 3's sandwich block
// (four (1 + w) RMSNorms) without q/k norms, attention-logit soft-capping, a final logit soft-cap,
// sliding-window attention on every other layer (0, 2, …) and scores scaled by query_pre_attn_scalar^−½.
// GGUF: llama.cpp's `gemma2` architecture.
import Checkpoints
import Foundation

extension ModelConfig.Architecture {
    public static let gemma2 = Self("gemma2")
}

public enum Gemma2Family: ModelFamily {
    public static let architecture = ModelConfig.Architecture.gemma2
    public static let displayName = "Gemma 2"
    public static let huggingFaceArchitectures = ["Gemma2ForCausalLM"]
    public static let huggingFaceModelTypes = ["gemma2"]
    public static let ggufArchitectures = ["gemma2"]

    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        let s = try SharedConfig.sizes(j, headDimDefault: 256, vocabDefault: 256_000)
        let activation = try SharedConfig.activation(j, keys: ["hidden_activation", "hidden_act"],
                                                     fallback: "gelu_pytorch_tanh", allowed: GemmaFamily.activations,
                                                     family: architecture)
        try SharedConfig.refuseIfTrue(j, "attention_bias", family: architecture)
        var kinds: [ModelConfig.AttentionKind]
        if let types = j.value("layer_types") as? [String] {
            try j.check(types.count == s.layers, "layer_types lists \(types.count) layers, num_hidden_layers is \(s.layers)")
            kinds = try types.map {
                switch $0 {
                case "sliding_attention": return .sliding
                case "full_attention": return .full
                default: throw j.error("unknown layer type \($0)")
                }
            }
        } else {
            // Gemma2Config: layer i slides when (i + 1) % 2 != 0.
            kinds = (0..<s.layers).map { $0 % 2 == 0 ? .sliding : .full }
        }
        let window = try j.optionalPositive("sliding_window")
        if window == nil { kinds = kinds.map { _ in .full } }
        let rope = j.object("rope_parameters")
        let context = try j.positive("max_position_embeddings", default: 8192)
        return ModelConfig(
            architecture: architecture, nLayers: s.layers, dModel: s.d, nHeads: s.heads, nKVHeads: s.kvHeads,
            headDim: s.headDim, dFFN: s.ffn, vocabSize: s.vocab,
            ropeTheta: try j.positiveDouble("rope_theta", in: rope, default: 10_000),
            ropeScaling: try SharedConfig.ropeScaling(j, j.object("rope_scaling") ?? rope, contextLength: context, family: architecture),
            normEps: try j.positiveDouble("rms_norm_eps", default: 1e-6), contextLength: context,
            tieWordEmbeddings: try j.bool("tie_word_embeddings", default: true), activation: activation,
            slidingWindow: window, layerKinds: kinds,
            queryPreAttnScalar: try j.positiveDouble("query_pre_attn_scalar", default: 256),
            embeddingMultiplier: Double(Float(Double(s.d).squareRoot())),
            attnLogitSoftcap: try j.optionalPositiveDouble("attn_logit_softcapping"),
            finalLogitSoftcap: try j.optionalPositiveDouble("final_logit_softcapping"))
    }

    /// llama.cpp writes no query_pre_attn_scalar for Gemma 2; it scales by head_dim^−½, and by
    /// (d/H)^−½ for the 46-layer 27B (as its loader does).
    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        let nHeads = try m.int("attention.head_count")
        let dModel = try m.int("embedding_length")
        let headDim = try m.optionalInt("attention.key_length") ?? dModel / max(nHeads, 1)
        let nLayers = try m.int("block_count", atMost: GGUFMetadata.maximumLayers)
        let context = try m.int("context_length")
        let window = try m.optionalInt("attention.sliding_window")
        let kinds = window == nil ? Array(repeating: .full, count: nLayers)
            : try Gemma3Family.slidingPattern(m, nLayers: nLayers, defaultPeriod: 2)
        let scalar = try m.optionalDouble("attention.query_pre_attn_scalar")
            ?? (nLayers == 46 ? Double(dModel / nHeads) : Double(headDim))
        return ModelConfig(
            architecture: architecture, nLayers: nLayers, dModel: dModel, nHeads: nHeads,
            nKVHeads: try m.optionalInt("attention.head_count_kv") ?? nHeads, headDim: headDim,
            dFFN: try m.int("feed_forward_length"), vocabSize: try m.vocabSize(embeddingRows: SharedConfig.embeddingRows(checkpoint)),
            ropeTheta: try m.optionalDouble("rope.freq_base") ?? 10_000,
            ropeScaling: try SharedConfig.ropeScaling(m, contextLength: context, family: architecture),
            normEps: try m.double("attention.layer_norm_rms_epsilon"), contextLength: context,
            tieWordEmbeddings: TiedEmbeddings.isTied(gguf: checkpoint), activation: .geluTanh,
            slidingWindow: window, layerKinds: kinds, queryPreAttnScalar: scalar,
            embeddingMultiplier: Double(Float(Double(dModel).squareRoot())),
            attnLogitSoftcap: try m.optionalDouble("attn_logit_softcapping"),
            finalLogitSoftcap: try m.optionalDouble("final_logit_softcapping"))
    }

    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        var out = SharedTensors.ends(c, normTransform: .addOne)
        for i in 0..<c.nLayers {
            func norm(_ t: CanonicalName.LayerTensor, _ gguf: String) -> TensorSpec {
                SharedTensors.layer(i, t, [c.dModel], gguf: gguf, huggingFaceTransform: .addOne)
            }
            out += [
                norm(.inputNorm, "attn_norm.weight"), norm(.postAttentionNorm, "post_attention_norm.weight"),
                norm(.preFeedforwardNorm, "ffn_norm.weight"), norm(.postFeedforwardNorm, "post_ffw_norm.weight"),
            ]
            out += SharedTensors.attention(c, layer: i)
            out += SharedTensors.gatedMLP(c, layer: i)
        }
        return out
    }

    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        GemmaFamily.skipReason(name, config: config, format: format)
    }

    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        try Gemma3Model(config: config, weights: weights, tensors: tensors(config), queryKeyNorm: false)
    }
}
