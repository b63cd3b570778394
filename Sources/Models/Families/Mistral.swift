// Mistral 7B v0.1–v0.3 / Nemo (Jiang et al. 2023), as transformers' `MistralForCausalLM` runs it: LLaMA's
// block and config plus `sliding_window` (every layer attends to the last `sliding_window` tokens).
// llama.cpp's converter writes Mistral as the `llama` GGUF architecture, so GGUF files are LLaMA's.
import Checkpoints
import Foundation

extension ModelConfig.Architecture {
    public static let mistral = Self("mistral")
}

public enum MistralFamily: ModelFamily {
    public static let architecture = ModelConfig.Architecture.mistral
    public static let displayName = "Mistral"
    public static let huggingFaceArchitectures = ["MistralForCausalLM"]
    public static let huggingFaceModelTypes = ["mistral"]
    public static let ggufArchitectures: [String] = []

    /// LlamaConfig's keys plus `sliding_window`: null → full attention; absent → MistralConfig's default 4096.
    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        var c = try LlamaFamily.configuration(huggingFace: j, as: architecture)
        let window = j.json["sliding_window"] == nil ? 4096 : try j.optionalPositive("sliding_window")
        if let window {
            c.slidingWindow = window
            c.layerKinds = Array(repeating: .sliding, count: c.nLayers)
        }
        return c
    }

    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        try LlamaFamily.configuration(gguf: m, checkpoint: checkpoint, as: architecture)
    }

    public static func tensors(_ c: ModelConfig) -> [TensorSpec] { LlamaFamily.tensors(c) }

    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        LlamaFamily.skipReason(name, config: config, format: format)
    }

    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        try LlamaModel(config: config, weights: weights, tensors: tensors(config))
    }
}
