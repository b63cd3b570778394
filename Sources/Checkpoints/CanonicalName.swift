// One naming for tensors whatever the source: Hugging Face's LLaMA/Gemma names.

/// Canonical tensor names. Every checkpoint (GGUF, safetensors, PyTorch `.bin`) is looked up through
/// these; each reader maps its own names onto them.
///
/// Conventions of the canonical tensors (each reader converts to them):
/// - shapes are Hugging Face's: projections are [out, in] (y = x·Wᵀ); embeddings [vocab, d];
/// - Q and K projections are in Hugging Face's rotate-half RoPE layout (GGUF's LLaMA converter permutes
///   their rows for interleaved RoPE; the GGUF reader undoes that permutation);
/// - RMSNorm weights are the **multiplier applied** to the normalized vector: Gemma's Hugging Face
///   checkpoints store w with the norm computing x̂·(1 + w), so the HF reader adds 1 for Gemma 3;
///   GGUF already stores 1 + w.
public enum CanonicalName {
    public static let embedTokens = "model.embed_tokens.weight"
    public static let finalNorm = "model.norm.weight"
    public static let lmHead = "lm_head.weight"

    /// A per-layer tensor: `model.layers.{layer}.{suffix}`.
    public static func layer(_ layer: Int, _ suffix: LayerTensor) -> String {
        "model.layers.\(layer).\(suffix.rawValue)"
    }

    /// Per-layer tensors of LLaMA and Gemma 3 (the last four are Gemma 3's).
    public enum LayerTensor: String, Sendable, CaseIterable {
        case inputNorm = "input_layernorm.weight"
        case qProj = "self_attn.q_proj.weight"
        case kProj = "self_attn.k_proj.weight"
        case vProj = "self_attn.v_proj.weight"
        case oProj = "self_attn.o_proj.weight"
        /// LLaMA: the norm before the MLP. Gemma 3: the norm applied to the attention output.
        case postAttentionNorm = "post_attention_layernorm.weight"
        case gateProj = "mlp.gate_proj.weight"
        case upProj = "mlp.up_proj.weight"
        case downProj = "mlp.down_proj.weight"
        case qNorm = "self_attn.q_norm.weight"
        case kNorm = "self_attn.k_norm.weight"
        case preFeedforwardNorm = "pre_feedforward_layernorm.weight"
        case postFeedforwardNorm = "post_feedforward_layernorm.weight"
    }
}
