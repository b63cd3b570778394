// The names the shared steps read weights by, whatever the family and the source: Hugging Face's
// LLaMA names (and their bias / norm / fused siblings).

/// Canonical tensor names: the vocabulary between the family files (which map their checkpoints' names
/// onto these, see `ModelFamily.tensors`) and `DecoderCore` (which reads them).
///
/// Conventions of the canonical tensors (the family's `TensorSpec.transform` converts to them):
/// - shapes are Hugging Face's: projections are [out, in] (y = x·Wᵀ); embeddings [vocab, d];
/// - Q and K projections (and their biases) are in Hugging Face's rotate-half RoPE layout (llama.cpp's
///   LLaMA converter permutes their rows for interleaved RoPE; the LLaMA family undoes that);
/// - norm weights are the **multiplier applied** to the normalized vector: Gemma's Hugging Face
///   checkpoints store w with the norm computing x̂·(1 + w), so the Gemma families add 1 when reading
///   them; GGUF already stores 1 + w.
public enum CanonicalName {
    public static let embedTokens = "model.embed_tokens.weight"
    public static let finalNorm = "model.norm.weight"
    public static let finalNormBias = "model.norm.bias"
    public static let lmHead = "lm_head.weight"
    /// A LayerNorm on the embeddings before block 0 (BLOOM's `word_embeddings_layernorm`).
    public static let embedNorm = "model.embed_norm.weight"
    public static let embedNormBias = "model.embed_norm.bias"

    /// A per-layer tensor: `model.layers.{layer}.{suffix}`.
    public static func layer(_ layer: Int, _ suffix: LayerTensor) -> String {
        "model.layers.\(layer).\(suffix.rawValue)"
    }

    /// Per-layer tensors the shared steps read. A family uses the subset its block needs.
    public enum LayerTensor: String, Sendable, CaseIterable {
        case inputNorm = "input_layernorm.weight"
        case inputNormBias = "input_layernorm.bias"
        case qProj = "self_attn.q_proj.weight"
        case kProj = "self_attn.k_proj.weight"
        case vProj = "self_attn.v_proj.weight"
        /// q, k and v stacked in one [qDim + 2·kvDim, d] matrix (Phi-3's `qkv_proj`).
        case qkvProj = "self_attn.qkv_proj.weight"
        case oProj = "self_attn.o_proj.weight"
        case qBias = "self_attn.q_proj.bias"
        case kBias = "self_attn.k_proj.bias"
        case vBias = "self_attn.v_proj.bias"
        case qkvBias = "self_attn.qkv_proj.bias"
        case oBias = "self_attn.o_proj.bias"
        /// LLaMA: the norm before the MLP. Gemma 2/3: the norm applied to the attention output.
        case postAttentionNorm = "post_attention_layernorm.weight"
        case postAttentionNormBias = "post_attention_layernorm.bias"
        case gateProj = "mlp.gate_proj.weight"
        case upProj = "mlp.up_proj.weight"
        /// gate and up stacked in one [2·ffn, d] matrix (Phi-3's `gate_up_proj`).
        case gateUpProj = "mlp.gate_up_proj.weight"
        case downProj = "mlp.down_proj.weight"
        case gateBias = "mlp.gate_proj.bias"
        case upBias = "mlp.up_proj.bias"
        case downBias = "mlp.down_proj.bias"
        case qNorm = "self_attn.q_norm.weight"
        case kNorm = "self_attn.k_norm.weight"
        case qNormBias = "self_attn.q_norm.bias"
        case kNormBias = "self_attn.k_norm.bias"
        case preFeedforwardNorm = "pre_feedforward_layernorm.weight"
        case preFeedforwardNormBias = "pre_feedforward_layernorm.bias"
        case postFeedforwardNorm = "post_feedforward_layernorm.weight"
        case postFeedforwardNormBias = "post_feedforward_layernorm.bias"
    }
}
