// Cohere Command-R / Command R+ / Aya-23 / Aya Expanse (Cohere 2024), as transformers'
// `CohereForCausalLM` runs them in float32, and from GGUF as llama.cpp's `convert_hf_to_gguf.py` writes
// them (`command-r` architecture).
import Checkpoints
import Foundation
import LinearAlgebra

extension ModelConfig.Architecture {
    public static let cohere = Self("cohere")
}

/// The Cohere family: how it differs from LLaMA (transformers `modular_cohere.py`):
/// - LayerNorm without bias (mean-centred, `CohereLayerNorm`) instead of RMSNorm, one per block;
/// - attention and MLP in parallel from that one norm: h ← h + attn(n) + mlp(n);
/// - RoPE over interleaved pairs (x[2i], x[2i+1]);
/// - logits multiplied by `logit_scale`;
/// - optional per-head LayerNorm of q and k with a weight per head (`use_qk_norm`, Command R+);
/// - embeddings tied to the LM head by default.
/// The GGUF converter keeps q/k in Hugging Face's order (GGML's normal RoPE mode is the interleaved one).
public enum CohereFamily: ModelFamily {
    public static let architecture = ModelConfig.Architecture.cohere
    public static let displayName = "Cohere Command-R / Aya"
    public static let huggingFaceArchitectures = ["CohereForCausalLM"]
    public static let huggingFaceModelTypes = ["cohere"]
    public static let ggufArchitectures = ["command-r"]

    /// `CohereConfig` (`configuration_cohere.py`): LLaMA's sizes, `layer_norm_eps`, `rope_theta` /
    /// `rope_scaling`, `logit_scale` (default 0.0625), `use_qk_norm`, `attention_bias` (q/k/v/o biases),
    /// `tie_word_embeddings` (default true), `hidden_act` silu only.
    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        let s = try SharedConfig.sizes(j)
        let activation = try SharedConfig.activation(j, fallback: "silu", allowed: ["silu": .silu], family: architecture)
        try SharedConfig.refuseUnlessNeutral(j, "partial_rotary_factor", neutral: [1], family: architecture)
        let rope = j.object("rope_parameters")
        let context = try j.positive("max_position_embeddings", default: 8192)
        let bias = try j.bool("attention_bias", default: false)
        return ModelConfig(
            architecture: architecture, nLayers: s.layers, dModel: s.d, nHeads: s.heads, nKVHeads: s.kvHeads,
            headDim: s.headDim, dFFN: s.ffn, vocabSize: s.vocab,
            ropeTheta: try j.positiveDouble("rope_theta", in: rope, default: 10_000),
            ropeScaling: try SharedConfig.ropeScaling(j, j.object("rope_scaling") ?? rope, contextLength: context, family: architecture),
            normEps: try j.positiveDouble("layer_norm_eps", default: 1e-5), contextLength: context,
            tieWordEmbeddings: try j.bool("tie_word_embeddings", default: true), activation: activation,
            qkvBias: bias ? true : nil, outputBias: bias ? true : nil,
            logitScale: try j.optionalPositiveDouble("logit_scale") ?? 0.0625,
            queryKeyNorm: try j.bool("use_qk_norm", default: false) ? true : nil)
    }

    /// llama.cpp's `command-r.*` keys; q/k norms and biases are recognised by their tensors.
    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        let heads = try m.int("attention.head_count")
        let d = try m.int("embedding_length")
        let headDim = try m.optionalInt("attention.key_length") ?? d / max(heads, 1)
        let context = try m.int("context_length")
        let has = { SharedConfig.hasLayerTensor(checkpoint, $0) }
        return ModelConfig(
            architecture: architecture, nLayers: try m.int("block_count", atMost: GGUFMetadata.maximumLayers),
            dModel: d, nHeads: heads, nKVHeads: try m.optionalInt("attention.head_count_kv") ?? heads, headDim: headDim,
            dFFN: try m.int("feed_forward_length"), vocabSize: try m.vocabSize(embeddingRows: SharedConfig.embeddingRows(checkpoint)),
            ropeTheta: try m.optionalDouble("rope.freq_base") ?? 10_000,
            ropeScaling: try SharedConfig.ropeScaling(m, contextLength: context, family: architecture),
            normEps: try m.double("attention.layer_norm_epsilon"), contextLength: context,
            tieWordEmbeddings: TiedEmbeddings.isTied(gguf: checkpoint), activation: .silu,
            qkvBias: has("attn_q.bias") ? true : nil, outputBias: has("attn_output.bias") ? true : nil,
            logitScale: try m.double("logit_scale"),
            queryKeyNorm: has("attn_q_norm.weight") ? true : nil)
    }

    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        var out = SharedTensors.ends(c)
        for i in 0..<c.nLayers {
            out.append(SharedTensors.layer(i, .inputNorm, [c.dModel], gguf: "attn_norm.weight"))
            out += SharedTensors.attention(c, layer: i)
            out += SharedTensors.gatedMLP(c, layer: i)
            if c.hasQueryKeyNorm {
                out.append(SharedTensors.layer(i, .qNorm, [c.nHeads, c.headDim], gguf: "attn_q_norm.weight"))
                out.append(SharedTensors.layer(i, .kNorm, [c.nKVHeads, c.headDim], gguf: "attn_k_norm.weight"))
            }
        }
        return out
    }

    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        if SharedTensors.isRotaryBuffer(name) { return "RoPE frequencies are recomputed from the configuration" }
        return TiedEmbeddings.skipReason(name, config: config, heads: ["lm_head.weight", "output.weight"])
    }

    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        try CohereModel(config: config, weights: weights, tensors: tensors(config))
    }
}

/// A Cohere decoder run layer-major over packed sentences (a parallel block):
///
///     n = LayerNorm(h) (no bias); q, k, v = Wq·n, Wk·n, Wv·n; [q, k = LayerNorm per head, own weights];
///     q, k = RoPE_interleaved(q, k); h ← (h + Wo·attn(q, k, v)) + Wd·(SiLU(Wg·n) ⊙ Wu·n)
///
/// Final LayerNorm without bias; logits × logit_scale.
public final class CohereModel: FamilyDecoder {
    let rope: RotaryEmbedding
    let attention: CausalSelfAttention

    init(config: ModelConfig, weights: any WeightSource, tensors: [TensorSpec]) throws {
        let core = try DecoderCore(weights: weights, config: config, tensors: tensors, layout: .standard(config))
        rope = RotaryEmbedding(headDim: config.headDim, base: config.ropeTheta, scaling: config.ropeScaling, interleaved: true)
        attention = CausalSelfAttention(heads: config.nHeads, kvHeads: config.nKVHeads, headDim: config.headDim,
                                        scale: 1 / Float(config.headDim).squareRoot())
        super.init(core: core)
    }

    override func finalNormWeights() throws -> NormWeights {
        NormWeights(kind: .layerNorm, weight: try core.decodeVector(CanonicalName.finalNorm, count: config.dModel), bias: nil)
    }

    override func block(_ b: Block) throws -> (attention: Matrix<Float>?, mlp: Matrix<Float>?) {
        let l = b.layer, hd = config.headDim
        let norm = try core.layerNorm(l, .inputNorm, bias: nil)
        core.normalize(b.x, into: core.normed.pointer, tokens: b.tokens, norm)
        core.projectQKV(tokens: b.tokens)
        if config.hasQueryKeyNorm {
            core.normalizeEachHead(query: try core.layerNorm(l, .qNorm, bias: nil, count: config.nHeads * hd),
                                   key: try core.layerNorm(l, .kNorm, bias: nil, count: config.nKVHeads * hd),
                                   tokens: b.tokens)
        }
        core.applyRotary(rope, batch: b.batch, longest: b.longest)
        // The MLP reads the same normed input, which attention left untouched, so the attention branch can
        // join the residual first: (h + attn) + mlp, transformers' order of the two additions.
        let a = core.attendAndAdd(attention, batch: b.batch, tokens: b.tokens, to: b.x, capture: b.capture)
        let m = core.feedForwardAndAdd(layer: l, activation: config.activation, batch: b.batch, tokens: b.tokens,
                                       to: b.x, capture: b.capture)
        return (a, m)
    }
}
