// Configuration keys many families share (transformers' `PretrainedConfig` conventions and llama.cpp's
// `{arch}.*` keys), read once here for the family files to call.
import Checkpoints
import Foundation

/// Readers of the keys LLaMA-shaped configs share. Each refuses a value it does not implement by name.
enum SharedConfig {
    /// The sizes every decoder has: (layers, d, heads, kvHeads, headDim, ffn, vocab).
    static func sizes(_ j: HuggingFaceConfig, headDimDefault: Int? = nil, vocabDefault: Int? = nil) throws
        -> (layers: Int, d: Int, heads: Int, kvHeads: Int, headDim: Int, ffn: Int, vocab: Int) {
        let d = try j.positive("hidden_size"), heads = try j.positive("num_attention_heads")
        let layers = try j.positive("num_hidden_layers")
        let kvHeads = try j.positive("num_key_value_heads", default: heads)
        let headDim = try j.headDim(d: d, heads: heads, default: headDimDefault)
        try j.check(heads % kvHeads == 0, "num_attention_heads \(heads) is not a multiple of num_key_value_heads \(kvHeads)")
        return (layers, d, heads, kvHeads, headDim, try j.positive("intermediate_size"),
                try j.positive("vocab_size", default: vocabDefault))
    }

    static func unsupported(_ j: HuggingFaceConfig, _ key: String, family: ModelConfig.Architecture) -> ModelError {
        .unsupportedFeature(file: j.path, key: j.keyPrefix + key, value: j.describe(key), family: family.rawValue)
    }

    /// The MLP activation named by `hidden_act` / `hidden_activation` (`fallback` when unset); `allowed`
    /// lists the ones the family implements.
    static func activation(_ j: HuggingFaceConfig, keys: [String] = ["hidden_act"], fallback: String,
                           allowed: [String: ModelConfig.Activation], family: ModelConfig.Architecture) throws
        -> ModelConfig.Activation {
        for key in keys where j.isSet(key) {
            guard let name = try j.string(key), let activation = allowed[name] else {
                throw unsupported(j, key, family: family)
            }
            return activation
        }
        guard let activation = allowed[fallback] else { throw unsupported(j, keys[0], family: family) }
        return activation
    }

    /// Refuses `key` when it is set to anything but one of `neutral` (values that leave the math as
    /// the family implements it), e.g. `partial_rotary_factor` 1.
    static func refuseUnlessNeutral(_ j: HuggingFaceConfig, _ key: String, neutral: [Double],
                                    family: ModelConfig.Architecture) throws {
        guard j.isSet(key) else { return }
        guard let v = HuggingFaceConfig.double(j.value(key)), neutral.contains(v) else {
            throw unsupported(j, key, family: family)
        }
    }

    /// Refuses a Bool flag set to true (a feature the family does not implement).
    static func refuseIfTrue(_ j: HuggingFaceConfig, _ key: String, family: ModelConfig.Architecture) throws {
        if try j.bool(key, default: false) { throw unsupported(j, key, family: family) }
    }

    /// `rope_scaling` (or transformers 5's `rope_parameters`): `default` → nil; `linear`, `llama3`,
    /// `yarn`, `dynamic` as transformers computes them; any other type refused by name.
    /// `contextLength` is `max_position_embeddings`.
    static func ropeScaling(_ j: HuggingFaceConfig, _ r: [String: Any]?, contextLength: Int,
                            family: ModelConfig.Architecture) throws -> ModelConfig.RopeScaling? {
        guard let r else { return nil }
        let key = j.object("rope_scaling") != nil ? "rope_scaling" : "rope_parameters"
        let kind = r["rope_type"] as? String ?? r["type"] as? String ?? "default"
        let factor = HuggingFaceConfig.double(r["factor"])
        func positiveFactor() throws -> Double {
            guard let factor, factor > 0 else { throw j.error("\(key) \(kind) without a positive factor") }
            return factor
        }
        let original = HuggingFaceConfig.int(r["original_max_position_embeddings"])
        switch kind {
        case "default": return nil
        case "linear":
            return ModelConfig.RopeScaling(kind: .linear, factor: try positiveFactor())
        case "llama3":
            return ModelConfig.RopeScaling(kind: .llama3, factor: try positiveFactor(),
                                           lowFreqFactor: HuggingFaceConfig.double(r["low_freq_factor"]) ?? 1,
                                           highFreqFactor: HuggingFaceConfig.double(r["high_freq_factor"]) ?? 4,
                                           originalContextLength: original ?? 8192)
        case "yarn":
            var factor = try positiveFactor()
            // transformers: with an explicit original context the factor used is max_position / original.
            if let original, original > 0 { factor = Double(contextLength) / Double(original) }
            for unsupportedKey in ["mscale", "mscale_all_dim"] where r[unsupportedKey] != nil && !(r[unsupportedKey] is NSNull) {
                throw ModelError.unsupportedFeature(file: j.path, key: "\(key).\(unsupportedKey)",
                                                    value: "\(r[unsupportedKey] ?? "")", family: family.rawValue)
            }
            return ModelConfig.RopeScaling(kind: .yarn, factor: factor, originalContextLength: original ?? contextLength,
                                           betaFast: HuggingFaceConfig.double(r["beta_fast"]),
                                           betaSlow: HuggingFaceConfig.double(r["beta_slow"]),
                                           attentionFactor: HuggingFaceConfig.double(r["attention_factor"]),
                                           truncate: HuggingFaceConfig.bool(r["truncate"]))
        case "dynamic":
            return ModelConfig.RopeScaling(kind: .dynamic, factor: try positiveFactor(),
                                           originalContextLength: original ?? contextLength)
        default:
            throw ModelError.unsupportedFeature(file: j.path, key: "\(key).rope_type", value: "\"\(kind)\"",
                                                family: family.rawValue)
        }
    }

    /// `{arch}.rope.scaling.type`: "linear" and "yarn" with their factors; "none"/absent → nil; others refused.
    static func ropeScaling(_ m: GGUFMetadata, contextLength: Int, family: ModelConfig.Architecture) throws
        -> ModelConfig.RopeScaling? {
        guard let kind = try m.optionalString("rope.scaling.type"), kind != "none" else { return nil }
        guard let factor = try m.optionalDouble("rope.scaling.factor"), factor != 1 else { return nil }
        switch kind {
        case "linear":
            return ModelConfig.RopeScaling(kind: .linear, factor: factor)
        case "yarn":
            return ModelConfig.RopeScaling(kind: .yarn, factor: factor,
                                           originalContextLength: try m.optionalInt("rope.scaling.original_context_length") ?? contextLength)
        default:
            throw ModelError.unsupportedFeature(file: m.path, key: "\(m.architecture).rope.scaling.type",
                                                value: "\"\(kind)\"", family: family.rawValue)
        }
    }

    /// Whether a GGUF file stores `blk.0.{suffix}` (biases are recognised by their presence).
    static func hasLayerTensor(_ checkpoint: Checkpoint, _ suffix: String) -> Bool {
        checkpoint.contains("blk.0.\(suffix)")
    }

    /// The embedding's rows in a GGUF file.
    static func embeddingRows(_ checkpoint: Checkpoint) -> Int? {
        (try? checkpoint.info("token_embd.weight"))?.rows
    }
}
