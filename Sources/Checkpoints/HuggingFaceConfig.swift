// ModelConfig from a Hugging Face config.json (LlamaConfig, Gemma3TextConfig / Gemma3Config.text_config).
//
// Names and defaults follow transformers' `configuration_llama.py` and `configuration_gemma3.py`;
// transformers ≥ 5 may put RoPE settings under `rope_parameters` (per layer type for Gemma 3), read too.
import Foundation

extension ModelConfig {
    /// The configuration of a LLaMA-family or Gemma 3 text model described by `json` (the contents of
    /// `file`), or nil when the architecture is not one Interlingua runs. Required sizes that are missing,
    /// non-positive or inconsistent → `CheckpointError.badConfig` naming `file`.
    public static func fromHuggingFace(_ json: [String: Any], file: String) throws -> ModelConfig? {
        let modelType = json["model_type"] as? String ?? ""
        let architectures = json["architectures"] as? [String] ?? []
        if modelType == "gemma3", let text = json["text_config"] as? [String: Any] {
            return try gemma3(text, file: file, outer: json)
        }
        if modelType == "gemma3_text" || architectures.contains("Gemma3ForCausalLM") {
            return try gemma3(json, file: file, outer: nil)
        }
        let llamaShaped = modelType == "llama" || architectures.contains("LlamaForCausalLM")
            || (modelType == "mistral" && json["sliding_window"] is NSNull)
        return llamaShaped ? try llama(json, file: file) : nil
    }

    private static func llama(_ j: [String: Any], file: String) throws -> ModelConfig {
        let r = Reader(json: j, file: file)
        let d = try r.positive("hidden_size"), heads = try r.positive("num_attention_heads")
        let layers = try r.positive("num_hidden_layers")
        let kvHeads = try r.positive("num_key_value_heads", default: heads)
        let headDim = try r.headDim(d: d, heads: heads, default: nil)
        try r.check(heads % kvHeads == 0, "num_attention_heads \(heads) is not a multiple of num_key_value_heads \(kvHeads)")
        let act = j["hidden_act"] as? String ?? "silu"
        try r.check(act == "silu", "hidden_act \(act) is not silu")
        let rope = r.object("rope_parameters")
        return ModelConfig(
            architecture: .llama, nLayers: layers, dModel: d, nHeads: heads, nKVHeads: kvHeads, headDim: headDim,
            dFFN: try r.positive("intermediate_size"), vocabSize: try r.positive("vocab_size"),
            ropeTheta: try r.positiveDouble("rope_theta", in: rope, default: 10_000),
            ropeScaling: try r.ropeScaling(r.object("rope_scaling") ?? rope),
            normEps: try r.positiveDouble("rms_norm_eps", default: 1e-6),
            contextLength: try r.positive("max_position_embeddings", default: 2048),
            tieWordEmbeddings: HuggingFaceJSON.bool(j["tie_word_embeddings"]) ?? false, activation: .silu)
    }

    private static func gemma3(_ j: [String: Any], file: String, outer: [String: Any]?) throws -> ModelConfig {
        let r = Reader(json: j, file: file)
        let d = try r.positive("hidden_size"), heads = try r.positive("num_attention_heads")
        let layers = try r.positive("num_hidden_layers")
        let kvHeads = try r.positive("num_key_value_heads", default: heads)
        let headDim = try r.headDim(d: d, heads: heads, default: 256)
        try r.check(heads % kvHeads == 0, "num_attention_heads \(heads) is not a multiple of num_key_value_heads \(kvHeads)")
        let act = j["hidden_activation"] as? String ?? j["hidden_act"] as? String ?? "gelu_pytorch_tanh"
        try r.check(act == "gelu_pytorch_tanh" || act == "gelu_tanh", "hidden_activation \(act) is not gelu_pytorch_tanh")

        // Layer kinds: an explicit `layer_types`, else every `sliding_window_pattern`-th layer is global.
        var kinds: [AttentionKind] = []
        if let types = j["layer_types"] as? [String] {
            for t in types {
                switch t {
                case "sliding_attention": kinds.append(.sliding)
                case "full_attention": kinds.append(.full)
                default: throw CheckpointError.badConfig(file: file, reason: "unknown layer type \(t)")
                }
            }
            try r.check(kinds.count == layers, "layer_types lists \(kinds.count) layers, num_hidden_layers is \(layers)")
        } else {
            let pattern = try r.positive("sliding_window_pattern", default: 6)
            kinds = (0..<layers).map { ($0 + 1) % pattern == 0 ? .full : .sliding }
        }
        let rope = r.object("rope_parameters")
        let fullRope = rope?["full_attention"] as? [String: Any] ?? rope
        let localRope = rope?["sliding_attention"] as? [String: Any]
        let scale = Double(Float(Double(d).squareRoot()))
        let tie = HuggingFaceJSON.bool(j["tie_word_embeddings"]) ?? outer.flatMap { HuggingFaceJSON.bool($0["tie_word_embeddings"]) } ?? true
        return ModelConfig(
            architecture: .gemma3, nLayers: layers, dModel: d, nHeads: heads, nKVHeads: kvHeads, headDim: headDim,
            dFFN: try r.positive("intermediate_size"), vocabSize: try r.positive("vocab_size", default: 262_208),
            ropeTheta: try r.positiveDouble("rope_theta", in: fullRope, default: 1_000_000),
            ropeScaling: try r.ropeScaling(r.object("rope_scaling") ?? fullRope),
            normEps: try r.positiveDouble("rms_norm_eps", default: 1e-6),
            contextLength: try r.positive("max_position_embeddings", default: 131_072),
            tieWordEmbeddings: tie, activation: .geluTanh,
            ropeLocalTheta: try localRope.map { try r.positiveDouble("rope_theta", in: $0, default: 10_000) }
                ?? r.positiveDouble("rope_local_base_freq", default: 10_000),
            slidingWindow: try r.positive("sliding_window", default: 4096), layerKinds: kinds,
            queryPreAttnScalar: try r.positiveDouble("query_pre_attn_scalar", default: Double(headDim)),
            embeddingMultiplier: scale,
            attnLogitSoftcap: try r.optionalPositiveDouble("attn_logit_softcapping"),
            finalLogitSoftcap: try r.optionalPositiveDouble("final_logit_softcapping"))
    }

    /// Typed access to config.json values with `badConfig` errors naming the key.
    private struct Reader {
        let json: [String: Any]
        let file: String

        func object(_ key: String) -> [String: Any]? { json[key] as? [String: Any] }

        func check(_ condition: Bool, _ reason: @autoclosure () -> String) throws {
            if !condition { throw CheckpointError.badConfig(file: file, reason: reason()) }
        }

        func positive(_ key: String, default fallback: Int? = nil) throws -> Int {
            let raw = json[key]
            if raw == nil || raw is NSNull, let fallback { return fallback }
            guard raw != nil, !(raw is NSNull) else { throw CheckpointError.badConfig(file: file, reason: "\(key) is missing") }
            guard let v = HuggingFaceJSON.int(raw), v > 0, v < 1 << 40 else {
                throw CheckpointError.badConfig(file: file, reason: "\(key) is not a positive integer")
            }
            return v
        }

        func positiveDouble(_ key: String, in dict: [String: Any]? = nil, default fallback: Double) throws -> Double {
            let raw = dict?[key] ?? json[key]
            if raw == nil || raw is NSNull { return fallback }
            guard let v = HuggingFaceJSON.double(raw), v > 0, v.isFinite else {
                throw CheckpointError.badConfig(file: file, reason: "\(key) is not a positive number")
            }
            return v
        }

        func optionalPositiveDouble(_ key: String) throws -> Double? {
            let raw = json[key]
            if raw == nil || raw is NSNull { return nil }
            return try positiveDouble(key, default: 0)
        }

        func headDim(d: Int, heads: Int, default fallback: Int?) throws -> Int {
            if json["head_dim"] != nil, !(json["head_dim"] is NSNull) { return try positive("head_dim") }
            if let fallback { return fallback }
            try check(d % heads == 0, "hidden_size \(d) is not divisible by num_attention_heads \(heads)")
            return d / heads
        }

        /// `rope_scaling` (or transformers 5's `rope_parameters`): `linear` and `llama3`; `default` → nil.
        func ropeScaling(_ r: [String: Any]?) throws -> RopeScaling? {
            guard let r else { return nil }
            let kind = r["rope_type"] as? String ?? r["type"] as? String ?? "default"
            let factor = HuggingFaceJSON.double(r["factor"])
            switch kind {
            case "default": return nil
            case "linear":
                guard let factor, factor > 0 else { throw CheckpointError.badConfig(file: file, reason: "rope_scaling linear without a positive factor") }
                return RopeScaling(kind: .linear, factor: factor)
            case "llama3":
                guard let factor, factor > 0 else { throw CheckpointError.badConfig(file: file, reason: "rope_scaling llama3 without a positive factor") }
                return RopeScaling(kind: .llama3, factor: factor,
                                   lowFreqFactor: HuggingFaceJSON.double(r["low_freq_factor"]) ?? 1,
                                   highFreqFactor: HuggingFaceJSON.double(r["high_freq_factor"]) ?? 4,
                                   originalContextLength: HuggingFaceJSON.int(r["original_max_position_embeddings"]) ?? 8192)
            default:
                throw CheckpointError.badConfig(file: file, reason: "rope_scaling type \(kind) is not supported (linear, llama3)")
            }
        }
    }
}
