// BLOOM (BigScience 2022; BLOOMZ / mT0 research), as transformers' `BloomForCausalLM` runs it in float32,
// and from GGUF as llama.cpp's `convert_hf_to_gguf.py` writes it (`bloom` architecture).
import Checkpoints
import Foundation
import LinearAlgebra

extension ModelConfig.Architecture {
    public static let bloom = Self("bloom")
}

/// The BLOOM family: how it differs from LLaMA (transformers `modeling_bloom.py`):
/// - no RoPE: ALiBi biases on the attention scores (`ALiBi`, also for head counts that are not powers of 2);
/// - LayerNorms with bias everywhere, and one on the embeddings (`word_embeddings_layernorm`) whose output
///   is what block 0 receives;
/// - a fused `query_key_value` projection stored per head ([q_h; k_h; v_h] for each head; GGUF regroups it
///   to [q; k; v]) with a bias, an output projection `dense` with a bias;
/// - a plain (non-gated) MLP `dense_4h_to_h(GELU_tanh(dense_h_to_4h(x)))`, both with biases, width 4d;
/// - multi-head attention (no GQA), embeddings tied to the LM head.
/// Hub checkpoints name tensors without the `transformer.` prefix later saves add; both are accepted.
public enum BloomFamily: ModelFamily {
    public static let architecture = ModelConfig.Architecture.bloom
    public static let displayName = "BLOOM / BLOOMZ"
    public static let huggingFaceArchitectures = ["BloomForCausalLM", "BloomModel"]
    public static let huggingFaceModelTypes = ["bloom"]
    public static let ggufArchitectures = ["bloom"]

    /// `BloomConfig` (`configuration_bloom.py`): `hidden_size` (or `n_embed`), `n_layer`, `n_head`,
    /// `layer_norm_epsilon`, `vocab_size`, `tie_word_embeddings`; `apply_residual_connection_post_layernorm`
    /// (the residual taken after the norm) is refused. The context is `seq_length` (ALiBi has no limit).
    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        let d = j.isSet("n_embed") ? try j.positive("n_embed") : try j.positive("hidden_size", default: 64)
        let heads = try j.positive("n_head", default: 8)
        let layers = try j.positive("n_layer", default: 2)
        try j.check(d % heads == 0, "hidden_size \(d) is not a multiple of n_head \(heads)")
        try SharedConfig.refuseIfTrue(j, "apply_residual_connection_post_layernorm", family: architecture)
        if j.isSet("n_inner") { throw SharedConfig.unsupported(j, "n_inner", family: architecture) }
        return ModelConfig(
            architecture: architecture, nLayers: layers, dModel: d, nHeads: heads, nKVHeads: heads,
            headDim: d / heads, dFFN: 4 * d, vocabSize: try j.positive("vocab_size", default: 250_880),
            ropeTheta: 10_000, normEps: try j.positiveDouble("layer_norm_epsilon", default: 1e-5),
            contextLength: try j.positive("seq_length", default: 2048),
            tieWordEmbeddings: try j.bool("tie_word_embeddings", default: true), activation: .geluTanh,
            qkvBias: true, outputBias: true, mlpBias: true)
    }

    /// llama.cpp's `bloom.*` keys. The converter writes `output.weight` (a copy of the tied embedding);
    /// when present it is the LM head, as llama.cpp uses it.
    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        let heads = try m.int("attention.head_count")
        let d = try m.int("embedding_length")
        if let kv = try m.optionalInt("attention.head_count_kv"), kv != heads {
            throw ModelError.unsupportedFeature(file: m.path, key: "bloom.attention.head_count_kv", value: "\(kv)",
                                                family: architecture.rawValue)
        }
        guard d % heads == 0 else { throw m.bad("embedding_length", "\(d) is not a multiple of head_count \(heads)") }
        return ModelConfig(
            architecture: architecture, nLayers: try m.int("block_count", atMost: GGUFMetadata.maximumLayers),
            dModel: d, nHeads: heads, nKVHeads: heads, headDim: d / heads, dFFN: try m.int("feed_forward_length"),
            vocabSize: try m.vocabSize(embeddingRows: SharedConfig.embeddingRows(checkpoint)), ropeTheta: 10_000,
            normEps: try m.double("attention.layer_norm_epsilon"), contextLength: try m.int("context_length"),
            tieWordEmbeddings: TiedEmbeddings.isTied(gguf: checkpoint), activation: .geluTanh,
            qkvBias: true, outputBias: true, mlpBias: true)
    }

    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        let d = c.dModel, f = c.dFFN
        let perHead = TensorTransform.groupPartsAcrossHeads(heads: c.nHeads, parts: 3, headDim: c.headDim)
        var out = [
            TensorSpec(CanonicalName.embedTokens, [c.vocabSize, d], huggingFace: "word_embeddings.weight", gguf: "token_embd.weight"),
            TensorSpec(CanonicalName.embedNorm, [d], huggingFace: "word_embeddings_layernorm.weight", gguf: "token_embd_norm.weight"),
            TensorSpec(CanonicalName.embedNormBias, [d], huggingFace: "word_embeddings_layernorm.bias", gguf: "token_embd_norm.bias"),
            TensorSpec(CanonicalName.finalNorm, [d], huggingFace: "ln_f.weight", gguf: "output_norm.weight"),
            TensorSpec(CanonicalName.finalNormBias, [d], huggingFace: "ln_f.bias", gguf: "output_norm.bias"),
            TensorSpec(CanonicalName.lmHead, [c.vocabSize, d], gguf: TiedEmbeddings.ggufHead, optional: c.tieWordEmbeddings),
        ]
        for i in 0..<c.nLayers {
            func spec(_ t: CanonicalName.LayerTensor, _ shape: [Int], _ hf: String, _ gguf: String,
                      _ transform: TensorTransform = .none) -> TensorSpec {
                TensorSpec(CanonicalName.layer(i, t), shape, huggingFace: "h.\(i).\(hf)", gguf: "blk.\(i).\(gguf)",
                           huggingFaceTransform: transform)
            }
            out += [
                spec(.inputNorm, [d], "input_layernorm.weight", "attn_norm.weight"),
                spec(.inputNormBias, [d], "input_layernorm.bias", "attn_norm.bias"),
                spec(.qkvProj, [3 * d, d], "self_attention.query_key_value.weight", "attn_qkv.weight", perHead),
                spec(.qkvBias, [3 * d], "self_attention.query_key_value.bias", "attn_qkv.bias", perHead),
                spec(.oProj, [d, d], "self_attention.dense.weight", "attn_output.weight"),
                spec(.oBias, [d], "self_attention.dense.bias", "attn_output.bias"),
                spec(.postAttentionNorm, [d], "post_attention_layernorm.weight", "ffn_norm.weight"),
                spec(.postAttentionNormBias, [d], "post_attention_layernorm.bias", "ffn_norm.bias"),
                spec(.upProj, [f, d], "mlp.dense_h_to_4h.weight", "ffn_up.weight"),
                spec(.upBias, [f], "mlp.dense_h_to_4h.bias", "ffn_up.bias"),
                spec(.downProj, [d, f], "mlp.dense_4h_to_h.weight", "ffn_down.weight"),
                spec(.downBias, [d], "mlp.dense_4h_to_h.bias", "ffn_down.bias"),
            ]
        }
        return out
    }

    /// Hub checkpoints have no prefix; `BloomForCausalLM.save_pretrained` in later transformers writes
    /// `transformer.` before every name but the LM head.
    public static func huggingFaceNames(_ spec: TensorSpec) -> [String] {
        spec.canonical == CanonicalName.lmHead ? [spec.huggingFace] : [spec.huggingFace, "transformer." + spec.huggingFace]
    }

    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        TiedEmbeddings.skipReason(name, config: config, heads: ["lm_head.weight", "output.weight"])
    }

    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        try BloomModel(config: config, weights: weights, tensors: tensors(config))
    }
}

/// A BLOOM decoder run layer-major over packed sentences:
///
///     h₀ = LayerNorm_emb(E[ids])
///     n = LayerNorm_in(h); [q; k; v] = W_qkv·n + b_qkv; h ← h + W_o·attn_ALiBi(q, k, v) + b_o
///     m = LayerNorm_post(h); h ← h + W_down·GELU_tanh(W_up·m + b_up) + b_down
///
/// Scores α·q·kᵀ + slope_h·j with α = headDim^(−1/2), causal, softmax in Float32.
public final class BloomModel: FamilyDecoder {
    let attention: CausalSelfAttention

    init(config: ModelConfig, weights: any WeightSource, tensors: [TensorSpec]) throws {
        var layout = LayerLayout()
        layout.qkv = [.qkvProj]
        layout.qkvBias = [.qkvBias]
        layout.outputBias = .oBias
        layout.gatedMLP = false
        layout.up = [.upProj]
        layout.upBias = [.upBias]
        layout.downBias = .downBias
        let core = try DecoderCore(weights: weights, config: config, tensors: tensors, layout: layout)
        var attention = CausalSelfAttention(heads: config.nHeads, kvHeads: config.nKVHeads, headDim: config.headDim,
                                            scale: 1 / Float(config.headDim).squareRoot())
        attention.alibiSlopes = ALiBi.slopes(heads: config.nHeads)
        self.attention = attention
        super.init(core: core)
    }

    public override func embed(_ batch: PackedBatch) throws -> Matrix<Float> {
        var hidden = try core.embed(batch, multiplier: nil)
        let d = config.dModel
        let norm = NormWeights(kind: .layerNorm, weight: try core.decodeVector(CanonicalName.embedNorm, count: d),
                               bias: try core.decodeVector(CanonicalName.embedNormBias, count: d))
        hidden.storage.withUnsafeMutableBufferPointer { h in
            guard let x = h.baseAddress else { return }
            core.normalize(x, into: x, tokens: hidden.rows, norm)
        }
        return hidden
    }

    override func finalNormWeights() throws -> NormWeights {
        let d = config.dModel
        return NormWeights(kind: .layerNorm, weight: try core.decodeVector(CanonicalName.finalNorm, count: d),
                           bias: try core.decodeVector(CanonicalName.finalNormBias, count: d))
    }

    override func block(_ b: Block) throws -> (attention: Matrix<Float>?, mlp: Matrix<Float>?) {
        let inputNorm = try core.layerNorm(b.layer, .inputNorm, bias: .inputNormBias)
        let mlpNorm = try core.layerNorm(b.layer, .postAttentionNorm, bias: .postAttentionNormBias)
        let normed = core.normed.pointer
        core.normalize(b.x, into: normed, tokens: b.tokens, inputNorm)
        core.projectQKV(tokens: b.tokens)
        let a = core.attendAndAdd(attention, batch: b.batch, tokens: b.tokens, to: b.x, capture: b.capture)
        core.normalize(b.x, into: normed, tokens: b.tokens, mlpNorm)
        let m = core.feedForwardAndAdd(layer: b.layer, activation: config.activation, batch: b.batch, tokens: b.tokens,
                                       to: b.x, capture: b.capture)
        return (a, m)
    }
}
