// Gemma 3 text decoder (Gemma Team 2025), as transformers' `Gemma3ForCausalLM` (and the text part of
// `Gemma3ForConditionalGeneration`) runs it in float32, and from GGUF (`gemma3` architecture).
import Checkpoints
import Foundation
import LinearAlgebra

extension ModelConfig.Architecture {
    public static let gemma3 = Self("gemma3")
}

/// The Gemma 3 family: four RMSNorms per block with (1 + w) weights, per-head q/k RMSNorm, GeGLU,
/// √d embedding scale, sliding-window layers with their own RoPE base and global layers with
/// `rope_theta` and its scaling.
public enum Gemma3Family: ModelFamily {
    public static let architecture = ModelConfig.Architecture.gemma3
    public static let displayName = "Gemma 3 (text decoder)"
    public static let huggingFaceArchitectures = ["Gemma3ForCausalLM", "Gemma3ForConditionalGeneration"]
    public static let huggingFaceModelTypes = ["gemma3_text", "gemma3"]
    public static let ggufArchitectures = ["gemma3"]

    /// `Gemma3TextConfig` (`configuration_gemma3.py`), at the top or as a multimodal config's
    /// `text_config`. Layer kinds: explicit `layer_types`, else every `sliding_window_pattern`-th layer is
    /// global. transformers ≥ 5 may put RoPE settings per layer type under `rope_parameters`.
    public static func configuration(huggingFace outer: HuggingFaceConfig) throws -> ModelConfig {
        let j = outer.modelType == "gemma3" ? (outer.nested("text_config") ?? outer) : outer
        let s = try SharedConfig.sizes(j, headDimDefault: 256, vocabDefault: 262_208)
        let activation = try SharedConfig.activation(
            j, keys: ["hidden_activation", "hidden_act"], fallback: "gelu_pytorch_tanh",
            allowed: ["gelu_pytorch_tanh": .geluTanh, "gelu_tanh": .geluTanh], family: architecture)
        try SharedConfig.refuseIfTrue(j, "use_bidirectional_attention", family: architecture)
        var kinds: [ModelConfig.AttentionKind] = []
        if let types = j.value("layer_types") as? [String] {
            for t in types {
                switch t {
                case "sliding_attention": kinds.append(.sliding)
                case "full_attention": kinds.append(.full)
                default: throw j.error("unknown layer type \(t)")
                }
            }
            try j.check(kinds.count == s.layers, "layer_types lists \(kinds.count) layers, num_hidden_layers is \(s.layers)")
        } else {
            let pattern = try j.positive("sliding_window_pattern", default: 6)
            kinds = (0..<s.layers).map { ($0 + 1) % pattern == 0 ? .full : .sliding }
        }
        let rope = j.object("rope_parameters")
        let fullRope = rope?["full_attention"] as? [String: Any] ?? rope
        let localRope = rope?["sliding_attention"] as? [String: Any]
        let context = try j.positive("max_position_embeddings", default: 131_072)
        let tie = try HuggingFaceConfig.bool(j.value("tie_word_embeddings"))
            ?? HuggingFaceConfig.bool(outer.value("tie_word_embeddings")) ?? true
        let localScaling = try SharedConfig.ropeScaling(j, localRope, contextLength: context, family: architecture)
        if localScaling != nil { throw SharedConfig.unsupported(j, "rope_parameters", family: architecture) }
        return ModelConfig(
            architecture: architecture, nLayers: s.layers, dModel: s.d, nHeads: s.heads, nKVHeads: s.kvHeads,
            headDim: s.headDim, dFFN: s.ffn, vocabSize: s.vocab,
            ropeTheta: try j.positiveDouble("rope_theta", in: fullRope, default: 1_000_000),
            ropeScaling: try SharedConfig.ropeScaling(j, j.object("rope_scaling") ?? fullRope, contextLength: context, family: architecture),
            normEps: try j.positiveDouble("rms_norm_eps", default: 1e-6), contextLength: context,
            tieWordEmbeddings: tie, activation: activation,
            ropeLocalTheta: try localRope.map { try j.positiveDouble("rope_theta", in: $0, default: 10_000) }
                ?? j.positiveDouble("rope_local_base_freq", default: 10_000),
            slidingWindow: try j.positive("sliding_window", default: 4096), layerKinds: kinds,
            queryPreAttnScalar: try j.positiveDouble("query_pre_attn_scalar", default: Double(s.headDim)),
            embeddingMultiplier: Double(Float(Double(s.d).squareRoot())),
            attnLogitSoftcap: try j.optionalPositiveDouble("attn_logit_softcapping"),
            finalLogitSoftcap: try j.optionalPositiveDouble("final_logit_softcapping"))
    }

    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        let nHeads = try m.int("attention.head_count")
        let dModel = try m.int("embedding_length")
        let headDim = try m.optionalInt("attention.key_length") ?? dModel / max(nHeads, 1)
        let nLayers = try m.int("block_count", atMost: GGUFMetadata.maximumLayers)
        let context = try m.int("context_length")
        return ModelConfig(
            architecture: architecture, nLayers: nLayers, dModel: dModel, nHeads: nHeads,
            nKVHeads: try m.optionalInt("attention.head_count_kv") ?? nHeads, headDim: headDim,
            dFFN: try m.int("feed_forward_length"), vocabSize: try m.vocabSize(embeddingRows: SharedConfig.embeddingRows(checkpoint)),
            ropeTheta: try m.optionalDouble("rope.freq_base") ?? 1_000_000,
            ropeScaling: try SharedConfig.ropeScaling(m, contextLength: context, family: architecture),
            normEps: try m.double("attention.layer_norm_rms_epsilon"), contextLength: context,
            tieWordEmbeddings: TiedEmbeddings.isTied(gguf: checkpoint), activation: .geluTanh,
            // llama.cpp's Gemma 3 uses 10 000 for local layers unless the converter wrote a base.
            ropeLocalTheta: try m.optionalDouble("rope.freq_base_swa") ?? 10_000,
            slidingWindow: try m.optionalInt("attention.sliding_window"),
            layerKinds: try slidingPattern(m, nLayers: nLayers, defaultPeriod: 6),
            queryPreAttnScalar: try m.optionalDouble("attention.query_pre_attn_scalar") ?? Double(headDim),
            // Hugging Face scales embeddings by a float32 tensor holding √d_model.
            embeddingMultiplier: Double(Float(Double(dModel).squareRoot())),
            attnLogitSoftcap: try m.optionalDouble("attn_logit_softcapping"),
            finalLogitSoftcap: try m.optionalDouble("final_logit_softcapping"))
    }

    /// Gemma alternates sliding-window and global layers. llama.cpp's default period is `defaultPeriod`:
    /// layer i is global when (i + 1) % period == 0. `attention.sliding_window_pattern` overrides it (an
    /// integer period, or one bool per layer, true = sliding).
    static func slidingPattern(_ m: GGUFMetadata, nLayers: Int, defaultPeriod: Int) throws -> [ModelConfig.AttentionKind] {
        let key = "attention.sliding_window_pattern"
        if let flags = m.value(key)?.array {
            guard flags.count == nLayers else { throw m.bad(key, "has \(flags.count) entries for \(nLayers) layers") }
            return try flags.map {
                guard let b = $0.bool else { throw m.bad(key, "must hold bools") }
                return b ? .sliding : .full
            }
        }
        let period = try m.optionalInt(key) ?? defaultPeriod
        return (0..<nLayers).map { ($0 + 1) % period == 0 ? .full : .sliding }
    }

    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        let d = c.dModel, hd = c.headDim
        var out = SharedTensors.ends(c, normTransform: .addOne)
        for i in 0..<c.nLayers {
            func norm(_ t: CanonicalName.LayerTensor, _ n: Int, _ gguf: String) -> TensorSpec {
                SharedTensors.layer(i, t, [n], gguf: gguf, huggingFaceTransform: .addOne)
            }
            out += [
                norm(.inputNorm, d, "attn_norm.weight"), norm(.postAttentionNorm, d, "post_attention_norm.weight"),
                norm(.preFeedforwardNorm, d, "ffn_norm.weight"), norm(.postFeedforwardNorm, d, "post_ffw_norm.weight"),
                norm(.qNorm, hd, "attn_q_norm.weight"), norm(.kNorm, hd, "attn_k_norm.weight"),
            ]
            out += SharedTensors.attention(c, layer: i)
            out += SharedTensors.gatedMLP(c, layer: i)
        }
        return out
    }

    /// Multimodal checkpoints nest the text decoder: `model.language_model.*` (transformers ≥ 4.52) or
    /// `language_model.model.*` (before), and `language_model.lm_head.weight`.
    public static func huggingFaceNames(_ spec: TensorSpec) -> [String] {
        let name = spec.huggingFace
        if name.hasPrefix("model.") {
            let rest = name.dropFirst("model.".count)
            return [name, "model.language_model." + rest, "language_model.model." + rest]
        }
        return [name, "language_model." + name]
    }

    /// The vision tower and the multimodal projector of a `Gemma3ForConditionalGeneration` folder.
    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        for prefix in ["vision_tower.", "model.vision_tower.", "multi_modal_projector.", "model.multi_modal_projector."]
        where name.hasPrefix(prefix) {
            return "vision tower / multimodal projector (only the text decoder is traced)"
        }
        return TiedEmbeddings.skipReason(name, config: config,
                                         heads: ["lm_head.weight", "language_model.lm_head.weight", "output.weight"])
    }

    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        try Gemma3Model(config: config, weights: weights, tensors: tensors(config))
    }
}

/// A Gemma 2/3 decoder ("sandwich" norms) run layer-major over packed sentences.
///
/// Embeddings × √d (the multiplier rounded to Float32, as transformers casts it to the weights' dtype).
/// Block: n = RMSNorm_in(h); q, k = Wq·n, Wk·n [then RMSNorm_q/k per head (Gemma 3)], then RoPE;
///        h ← h + RMSNorm_postattn(Wo·attn(q, k, Wv·n));
///        m = RMSNorm_preff(h); h ← h + RMSNorm_postff(Wd·(GELU_tanh(Wg·m) ⊙ Wu·m)).
/// Scores scaled by query_pre_attn_scalar^(−1/2), soft-capped when `attnLogitSoftcap` is set (Gemma 2).
/// Sliding layers attend to a window of the last `sliding_window` tokens (the token included) with RoPE
/// base `ropeLocalTheta` (Gemma 3; Gemma 2 uses `rope_theta` everywhere); global layers attend causally to
/// all with `rope_theta` and its scaling. Norm weights are the canonical multipliers (1 + w of Hugging
/// Face's checkpoints).
public final class Gemma3Model: FamilyDecoder {
    let globalRope: RotaryEmbedding
    let localRope: RotaryEmbedding
    let globalAttention: CausalSelfAttention
    let localAttention: CausalSelfAttention
    let queryKeyNorm: Bool

    init(config: ModelConfig, weights: any WeightSource, tensors: [TensorSpec], queryKeyNorm: Bool = true) throws {
        let core = try DecoderCore(weights: weights, config: config, tensors: tensors, layout: .standard(config))
        globalRope = RotaryEmbedding(headDim: config.headDim, base: config.ropeTheta, scaling: config.ropeScaling)
        // Gemma 3's sliding layers have a base of their own; Gemma 2's share the global rotation.
        localRope = config.ropeLocalTheta.map { RotaryEmbedding(headDim: config.headDim, base: $0) } ?? globalRope
        let scale = Float(1 / (config.queryPreAttnScalar ?? Double(config.headDim)).squareRoot())
        let softcap = config.attnLogitSoftcap.map(Float.init)
        globalAttention = CausalSelfAttention(heads: config.nHeads, kvHeads: config.nKVHeads, headDim: config.headDim,
                                              scale: scale, logitSoftcap: softcap)
        localAttention = CausalSelfAttention(heads: config.nHeads, kvHeads: config.nKVHeads, headDim: config.headDim,
                                             scale: scale, slidingWindow: config.slidingWindow, logitSoftcap: softcap)
        self.queryKeyNorm = queryKeyNorm
        super.init(core: core)
    }

    public convenience init(config: ModelConfig, weights: any WeightSource) throws {
        try self.init(config: config, weights: weights, tensors: Gemma3Family.tensors(config))
    }

    public override func embed(_ batch: PackedBatch) throws -> Matrix<Float> {
        try core.embed(batch, multiplier: Float(config.embeddingMultiplier ?? Double(config.dModel).squareRoot()))
    }

    override func block(_ b: Block) throws -> (attention: Matrix<Float>?, mlp: Matrix<Float>?) {
        let l = b.layer, hd = config.headDim
        let inputNorm = try core.rmsNorm(l, .inputNorm)
        let postAttentionNorm = try core.rmsNorm(l, .postAttentionNorm)
        let preFeedforwardNorm = try core.rmsNorm(l, .preFeedforwardNorm)
        let postFeedforwardNorm = try core.rmsNorm(l, .postFeedforwardNorm)
        let sliding = config.layerKinds[l] == .sliding
        let normed = core.normed.pointer
        core.normalize(b.x, into: normed, tokens: b.tokens, inputNorm)
        core.projectQKV(tokens: b.tokens)
        if queryKeyNorm {
            core.normalizeHeads(query: try core.rmsNorm(l, .qNorm, count: hd), key: try core.rmsNorm(l, .kNorm, count: hd),
                                tokens: b.tokens)
        }
        core.applyRotary(sliding ? localRope : globalRope, batch: b.batch, longest: b.longest)
        core.attendAndProject(sliding ? localAttention : globalAttention, batch: b.batch, tokens: b.tokens)
        let a = core.addNormalized(to: b.x, tokens: b.tokens, postAttentionNorm, thenNormalize: preFeedforwardNorm,
                                   capture: b.capture)
        core.feedForward(layer: l, activation: config.activation, batch: b.batch, tokens: b.tokens)
        let m = core.addNormalized(to: b.x, tokens: b.tokens, postFeedforwardNorm, capture: b.capture)
        return (a, m)
    }
}
