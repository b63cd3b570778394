// From a checkpoint to the forward pass of its architecture.
import Checkpoints

/// Builds the decoder for a checkpoint's architecture.
public enum ModelLoader {
    /// The model of `checkpoint` (its configuration decides the family).
    public static func load(_ checkpoint: Checkpoint) throws -> any DecoderModel {
        guard let config = checkpoint.config else {
            throw ModelError.unsupportedArchitecture(file: checkpoint.url.path,
                                                     reason: "no LLaMA or Gemma 3 configuration was found")
        }
        return try load(config: config, weights: checkpoint)
    }

    /// The model for `config` over any weight source (tests and tools build sources by hand).
    public static func load(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        switch config.architecture {
        case .llama: return try LlamaModel(config: config, weights: weights)
        case .gemma3: return try Gemma3Model(config: config, weights: weights)
        }
    }
}
