// From a checkpoint to the forward pass of its family.
import Checkpoints

/// Builds the decoder for a checkpoint's family (see `FamilyRegistry`).
public enum ModelLoader {
    /// The model of `checkpoint` (its configuration decides the family).
    public static func load(_ checkpoint: Checkpoint) throws -> any DecoderModel {
        try load(ModelCheckpoint(checkpoint))
    }

    /// The model of an already resolved checkpoint.
    public static func load(_ resolved: ModelCheckpoint) throws -> any DecoderModel {
        try resolved.family.model(config: resolved.config, weights: resolved)
    }

    /// The model for `config` over any weight source (tests and tools build sources by hand).
    public static func load(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        guard let family = FamilyRegistry.family(named: config.architecture) else {
            throw ModelError.unsupportedArchitecture(
                file: weights.sourcePath,
                reason: "no family \(config.architecture); supported: \(FamilyRegistry.families.map { $0.architecture.rawValue }.joined(separator: ", "))")
        }
        return try family.model(config: config, weights: weights)
    }
}
