// Qwen3 dense models (Qwen Team 2025), as transformers' `Qwen3ForCausalLM` runs them: Qwen2's config
// without its fixed q/k/v biases (`attention_bias`, as LLaMA), plus an RMSNorm of every query and key
// head (`q_norm` / `k_norm`, weights [head_dim]) before RoPE. GGUF: llama.cpp's `qwen3` architecture.
import Checkpoints
import Foundation

extension ModelConfig.Architecture {
    public static let qwen3 = Self("qwen3")
}

public enum Qwen3Family: ModelFamily {
    public static let architecture = ModelConfig.Architecture.qwen3
    public static let displayName = "Qwen3"
    public static let huggingFaceArchitectures = ["Qwen3ForCausalLM"]
    public static let huggingFaceModelTypes = ["qwen3"]
    public static let ggufArchitectures = ["qwen3"]

    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        var c = try LlamaFamily.configuration(huggingFace: j, as: architecture)
        try Qwen2Family.applyLayerTypes(j, to: &c)
        return c
    }

    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        try LlamaFamily.configuration(gguf: m, checkpoint: checkpoint, as: architecture, defaultTheta: 1_000_000)
    }

    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        var out = Qwen2Family.tensors(c)
        for i in 0..<c.nLayers {
            out.append(SharedTensors.layer(i, .qNorm, [c.headDim], gguf: "attn_q_norm.weight"))
            out.append(SharedTensors.layer(i, .kNorm, [c.headDim], gguf: "attn_k_norm.weight"))
        }
        return out
    }

    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        Qwen2Family.skipReason(name, config: config, format: format)
    }

    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        try LlamaModel(config: config, weights: weights, tensors: tensors(config), queryKeyNorm: true)
    }
}
