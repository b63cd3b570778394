// Qwen2 / Qwen2.5 (Yang et al. 2024), as transformers' `Qwen2ForCausalLM` runs it: LLaMA's block with
// biases on q, k and v (none on o), and sliding-window attention on the layers from `max_window_layers`
// on when `use_sliding_window` is set. GGUF: llama.cpp's `qwen2` architecture (no Q/K permutation).
import Checkpoints
import Foundation

extension ModelConfig.Architecture {
    public static let qwen2 = Self("qwen2")
}

public enum Qwen2Family: ModelFamily {
    public static let architecture = ModelConfig.Architecture.qwen2
    public static let displayName = "Qwen2 / Qwen2.5"
    public static let huggingFaceArchitectures = ["Qwen2ForCausalLM"]
    public static let huggingFaceModelTypes = ["qwen2"]
    public static let ggufArchitectures = ["qwen2"]

    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        var c = try LlamaFamily.configuration(huggingFace: j, as: architecture)
        c.qkvBias = true
        c.outputBias = nil
        try applyLayerTypes(j, to: &c)
        return c
    }

    /// `layer_types` when given (transformers ≥ 4.53), else Qwen2Config's rule: with `use_sliding_window`,
    /// layer i is sliding when i ≥ `max_window_layers`, with window `sliding_window`.
    static func applyLayerTypes(_ j: HuggingFaceConfig, to c: inout ModelConfig) throws {
        let useSliding = try j.bool("use_sliding_window", default: false)
        let window = useSliding ? try j.optionalPositive("sliding_window") : nil
        if let types = j.value("layer_types") as? [String] {
            try j.check(types.count == c.nLayers, "layer_types lists \(types.count) layers, num_hidden_layers is \(c.nLayers)")
            c.layerKinds = try types.map {
                switch $0 {
                case "full_attention": return .full
                case "sliding_attention": return .sliding
                default: throw j.error("unknown layer type \($0)")
                }
            }
            if c.layerKinds.contains(.sliding) {
                guard let window else { throw SharedConfig.unsupported(j, "layer_types", family: c.architecture) }
                c.slidingWindow = window
            }
            return
        }
        guard let window else { return }
        let first = try j.positive("max_window_layers", default: 28)
        c.slidingWindow = window
        c.layerKinds = (0..<c.nLayers).map { $0 >= first ? .sliding : .full }
    }

    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        var c = try LlamaFamily.configuration(gguf: m, checkpoint: checkpoint, as: architecture, defaultTheta: 1_000_000)
        c.qkvBias = true
        c.outputBias = nil
        return c
    }

    /// LLaMA's tensors with q/k/v biases, GGUF rows as stored (the qwen2 converter does not permute them).
    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        var out = SharedTensors.ends(c)
        for i in 0..<c.nLayers {
            out.append(SharedTensors.layer(i, .inputNorm, [c.dModel], gguf: "attn_norm.weight"))
            out.append(SharedTensors.layer(i, .postAttentionNorm, [c.dModel], gguf: "ffn_norm.weight"))
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
