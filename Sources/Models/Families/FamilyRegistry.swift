// The families Interlingua runs. Adding a family = its file in Families/ + one line here.
import Checkpoints

public enum FamilyRegistry {
    /// Every family, in the order a checkpoint is matched against them.
    public static var families: [any ModelFamily.Type] {
        [
            LlamaFamily.self,
            MistralFamily.self,
            Qwen2Family.self,
            Qwen3Family.self,
            GemmaFamily.self,
            Gemma2Family.self,
            Gemma3Family.self,
            BloomFamily.self,
            CohereFamily.self,
            Olmo2Family.self,
            Phi3Family.self,
        ]
    }

    /// The family named `architecture` (`ModelConfig.architecture`).
    public static func family(named architecture: ModelConfig.Architecture) -> (any ModelFamily.Type)? {
        families.first { $0.architecture == architecture }
    }

    /// The family of a checkpoint: by config.json's `architectures` / `model_type`, or GGUF's
    /// `general.architecture`. Anything else is refused naming what the checkpoint is and what is supported.
    public static func family(of checkpoint: Checkpoint) throws -> any ModelFamily.Type {
        let file = checkpoint.url.path
        if let config = checkpoint.huggingFaceConfig {
            if let family = families.first(where: { $0.accepts(huggingFace: config) }) { return family }
            let named = config.architectures.isEmpty ? "a model" : config.architectures.joined(separator: ", ")
            let supported = families.flatMap { $0.huggingFaceArchitectures }.joined(separator: ", ")
            throw ModelError.unsupportedArchitecture(
                file: config.path,
                reason: "\(named) (model_type \(config.modelType.isEmpty ? "absent" : config.modelType)) is not supported; supported: \(supported)")
        }
        if let architecture = checkpoint.ggufArchitecture {
            if let family = families.first(where: { $0.ggufArchitectures.contains(architecture) }) { return family }
            let supported = families.flatMap { $0.ggufArchitectures }.joined(separator: ", ")
            throw ModelError.unsupportedArchitecture(
                file: file, reason: "GGUF architecture \(architecture) is not supported; supported: \(supported)")
        }
        if checkpoint.format == .gguf {
            throw ModelError.unsupportedArchitecture(file: file, reason: "the GGUF file has no general.architecture")
        }
        throw ModelError.unsupportedArchitecture(
            file: file, reason: "a lone weights file has no configuration (open its Hugging Face folder)")
    }
}
