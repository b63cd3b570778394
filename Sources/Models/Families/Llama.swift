// LLaMA 1/2/3 (Touvron et al. 2023; Meta 2024) and LLaMA-shaped models (m-LLaMA, x-LLaMA, Alpaca,
// SmolLM2, "llamafied" ports with biases), as transformers' `LlamaForCausalLM` runs them in float32, and
// from GGUF as llama.cpp's `convert_hf_to_gguf.py` writes them (`llama` architecture).
import Checkpoints
import Foundation
import LinearAlgebra

extension ModelConfig.Architecture {
    public static let llama = Self("llama")
}

/// The LLaMA family: pre-norm RMSNorm blocks, GQA with rotate-half RoPE (linear / llama3 / yarn /
/// dynamic scaling), SwiGLU MLP; optional q/k/v/o biases (`attention_bias`) and MLP biases (`mlp_bias`).
public enum LlamaFamily: ModelFamily {
    public static let architecture = ModelConfig.Architecture.llama
    public static let displayName = "LLaMA 1/2/3"
    public static let huggingFaceArchitectures = ["LlamaForCausalLM"]
    public static let huggingFaceModelTypes = ["llama"]
    public static let ggufArchitectures = ["llama"]

    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        try configuration(huggingFace: j, as: architecture)
    }

    /// LlamaConfig's keys (`configuration_llama.py`), shared by the families whose config is LLaMA's plus
    /// a few keys (Mistral, Qwen2, Qwen3): sizes, `rope_theta` / `rope_scaling` (or transformers 5's
    /// `rope_parameters`), `rms_norm_eps`, `attention_bias`, `mlp_bias`, `hidden_act` (silu only),
    /// `tie_word_embeddings`; `partial_rotary_factor` ≠ 1 is refused.
    static func configuration(huggingFace j: HuggingFaceConfig, as family: ModelConfig.Architecture) throws -> ModelConfig {
        let s = try SharedConfig.sizes(j)
        let activation = try SharedConfig.activation(j, fallback: "silu", allowed: ["silu": .silu], family: family)
        try SharedConfig.refuseUnlessNeutral(j, "partial_rotary_factor", neutral: [1], family: family)
        let rope = j.object("rope_parameters")
        let context = try j.positive("max_position_embeddings", default: 2048)
        let attentionBias = try j.bool("attention_bias", default: false)
        let mlpBias = try j.bool("mlp_bias", default: false)
        return ModelConfig(
            architecture: family, nLayers: s.layers, dModel: s.d, nHeads: s.heads, nKVHeads: s.kvHeads,
            headDim: s.headDim, dFFN: s.ffn, vocabSize: s.vocab,
            ropeTheta: try j.positiveDouble("rope_theta", in: rope, default: 10_000),
            ropeScaling: try SharedConfig.ropeScaling(j, j.object("rope_scaling") ?? rope, contextLength: context, family: family),
            normEps: try j.positiveDouble("rms_norm_eps", default: 1e-6), contextLength: context,
            tieWordEmbeddings: try j.bool("tie_word_embeddings", default: false), activation: activation,
            qkvBias: attentionBias ? true : nil, outputBias: attentionBias ? true : nil, mlpBias: mlpBias ? true : nil)
    }

    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        try configuration(gguf: m, checkpoint: checkpoint, as: architecture)
    }

    /// llama.cpp's `{arch}.*` keys. LLaMA 3 scaling is recovered from `rope_freqs.weight`; biases are
    /// recognised by their tensors (`blk.0.attn_q.bias` …), which is all the converter writes of them.
    static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint, as family: ModelConfig.Architecture,
                              defaultTheta: Double = 10_000) throws -> ModelConfig {
        let nHeads = try m.int("attention.head_count")
        let dModel = try m.int("embedding_length")
        let headDim = try m.optionalInt("attention.key_length") ?? dModel / max(nHeads, 1)
        let nLayers = try m.int("block_count", atMost: GGUFMetadata.maximumLayers)
        let ropeTheta = try m.optionalDouble("rope.freq_base") ?? defaultTheta
        let context = try m.int("context_length")
        var ropeScaling = try SharedConfig.ropeScaling(m, contextLength: context, family: family)
        if ropeScaling == nil, checkpoint.contains("rope_freqs.weight") {
            // LLaMA 3.1+: the scaling is only recorded as per-frequency factors.
            let factors = try checkpoint.decodeAll("rope_freqs.weight")
            let dimensions = try m.optionalInt("rope.dimension_count") ?? headDim
            ropeScaling = try GGUFRopeFactors.llama3Scaling(factors, base: ropeTheta, dimensions: dimensions, file: m.path)
        }
        let has = { SharedConfig.hasLayerTensor(checkpoint, $0) }
        return ModelConfig(
            architecture: family, nLayers: nLayers, dModel: dModel, nHeads: nHeads,
            nKVHeads: try m.optionalInt("attention.head_count_kv") ?? nHeads, headDim: headDim,
            dFFN: try m.int("feed_forward_length"), vocabSize: try m.vocabSize(embeddingRows: SharedConfig.embeddingRows(checkpoint)),
            ropeTheta: ropeTheta, ropeScaling: ropeScaling,
            normEps: try m.double("attention.layer_norm_rms_epsilon"), contextLength: context,
            tieWordEmbeddings: TiedEmbeddings.isTied(gguf: checkpoint), activation: .silu,
            slidingWindow: nil,
            qkvBias: has("attn_q.bias") ? true : nil, outputBias: has("attn_output.bias") ? true : nil,
            mlpBias: has("ffn_up.bias") ? true : nil)
    }

    /// Embeddings, final norm, LM head; per layer the two norms, attention (GGUF's q/k rows permuted
    /// back to rotate-half) and the gated MLP, with the biases the config switches on.
    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        var out = SharedTensors.ends(c)
        for i in 0..<c.nLayers {
            out.append(SharedTensors.layer(i, .inputNorm, [c.dModel], gguf: "attn_norm.weight"))
            out.append(SharedTensors.layer(i, .postAttentionNorm, [c.dModel], gguf: "ffn_norm.weight"))
            out += SharedTensors.attention(c, layer: i, ggufQK: .unpermuteHeads(headDim: c.headDim))
            out += SharedTensors.gatedMLP(c, layer: i)
        }
        return out
    }

    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        if SharedTensors.isRotaryBuffer(name) { return "RoPE frequencies are recomputed from the configuration" }
        if name == "rope_freqs.weight", format == .gguf { return "read into the configuration as llama3 RoPE scaling" }
        return TiedEmbeddings.skipReason(name, config: config, heads: ["lm_head.weight", "output.weight"])
    }

    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        try LlamaModel(config: config, weights: weights, tensors: tensors(config))
    }
}

/// A LLaMA-shaped decoder run layer-major over packed sentences (also Mistral's, Qwen2's and Qwen3's
/// block, which transformers derives from LLaMA's):
///
///     n = RMSNorm_in(h); q, k, v = Wq·n (+bq), Wk·n (+bk), Wv·n (+bv); [q, k = RMSNorm per head (Qwen3)];
///     q, k = RoPE(q, k); h ← h + Wo·attn(q, k, v) (+bo)
///     m = RMSNorm_post(h); h ← h + Wd·(act(Wg·m + bg) ⊙ (Wu·m + bu)) (+bd)
///
/// Scores scaled by headDim^(−1/2); sliding layers (`config.layerKinds`) attend to the last
/// `slidingWindow` tokens; embeddings × `embeddingMultiplier` when set.
public final class LlamaModel: FamilyDecoder {
    let rope: RotaryEmbedding
    let fullAttention: CausalSelfAttention
    let slidingAttention: CausalSelfAttention
    /// Qwen3's per-head RMSNorm of q and k.
    let queryKeyNorm: Bool

    /// Validates `config` against `tensors` (the family's specs) in `weights`.
    /// `layout`: which tensors fill the stacked projections (default: LLaMA's separate q/k/v and gate/up
    /// with the biases `config` switches on; Phi-3 passes its fused `qkv_proj` / `gate_up_proj`).
    init(config: ModelConfig, weights: any WeightSource, tensors: [TensorSpec], queryKeyNorm: Bool = false,
         layout: LayerLayout? = nil) throws {
        let core = try DecoderCore(weights: weights, config: config, tensors: tensors, layout: layout ?? .standard(config))
        rope = RotaryEmbedding(headDim: config.headDim, base: config.ropeTheta, scaling: config.ropeScaling)
        fullAttention = CausalSelfAttention(
            heads: config.nHeads, kvHeads: config.nKVHeads, headDim: config.headDim,
            scale: 1 / Float(config.headDim).squareRoot(), logitSoftcap: config.attnLogitSoftcap.map(Float.init))
        var sliding = fullAttention
        sliding.slidingWindow = config.slidingWindow
        slidingAttention = sliding
        self.queryKeyNorm = queryKeyNorm
        super.init(core: core)
    }

    /// `LlamaModel(config:weights:)` for LLaMA configurations (tests, tools).
    public convenience init(config: ModelConfig, weights: any WeightSource) throws {
        try self.init(config: config, weights: weights, tensors: LlamaFamily.tensors(config))
    }

    override func block(_ b: Block) throws -> (attention: Matrix<Float>?, mlp: Matrix<Float>?) {
        let inputNorm = try core.rmsNorm(b.layer, .inputNorm)
        let mlpNorm = try core.rmsNorm(b.layer, .postAttentionNorm)
        let normed = core.normed.pointer
        core.normalize(b.x, into: normed, tokens: b.tokens, inputNorm)
        core.projectQKV(tokens: b.tokens)
        if queryKeyNorm {
            core.normalizeHeads(query: try core.rmsNorm(b.layer, .qNorm, count: config.headDim),
                                key: try core.rmsNorm(b.layer, .kNorm, count: config.headDim), tokens: b.tokens)
        }
        core.applyRotary(rope, batch: b.batch, longest: b.longest)
        let a = core.attendAndAdd(config.layerKinds[b.layer] == .sliding ? slidingAttention : fullAttention,
                                  batch: b.batch, tokens: b.tokens, to: b.x, capture: b.capture)
        core.normalize(b.x, into: normed, tokens: b.tokens, mlpNorm)
        let m = core.feedForwardAndAdd(layer: b.layer, activation: config.activation, batch: b.batch, tokens: b.tokens,
                                       to: b.x, capture: b.capture)
        return (a, m)
    }
}
