// What a model family declares: the checkpoints it accepts, how their configuration keys map to
// `ModelConfig`, its tensors in both sources with their shapes, the tensors it may skip, and its forward
// pass composed from the shared steps of `DecoderCore`. One file per family (Families/*.swift) conforms;
// `FamilyRegistry.families` lists them.
import Checkpoints
import Foundation

/// How a stored tensor becomes its canonical value (see `CanonicalName`).
public enum TensorTransform: Sendable, Equatable {
    /// As stored.
    case none
    /// Stored w, canonical 1 + w (Gemma's Hugging Face norm weights, applied as x̂·(1 + w)).
    case addOne
    /// Rows permuted within heads of `headDim` by llama.cpp's LLaMA converter for interleaved RoPE
    /// (`W.reshape(n_head, 2, hd/2, …).swapaxes(1, 2)`); the canonical rows are Hugging Face's
    /// rotate-half order. Also for 1-D q/k biases (a row is one element).
    case unpermuteHeads(headDim: Int)
    /// A fused projection stored per head, [head 0: part 0, part 1, …; head 1: …] (BLOOM's
    /// `query_key_value`: rows `view(heads, parts, headDim, d)`), served as [part 0 of all heads; part 1; …]
    /// ([q; k; v]). Also for its 1-D bias.
    case groupPartsAcrossHeads(heads: Int, parts: Int, headDim: Int)
}

/// One tensor the forward pass reads: its canonical name and shape, and its names in the two sources.
public struct TensorSpec: Sendable, Equatable {
    public var canonical: String
    public var shape: [Int]
    /// Its name in Hugging Face checkpoints (before `ModelFamily.huggingFaceNames` adds prefix variants).
    public var huggingFace: String
    /// Its name in GGUF files (nil: GGUF files of the family do not have it).
    public var gguf: String?
    public var huggingFaceTransform: TensorTransform
    public var ggufTransform: TensorTransform
    /// Whether a checkpoint may lack it (the family then does without: e.g. a tied `lm_head`).
    public var optional: Bool

    public init(_ canonical: String, _ shape: [Int], huggingFace: String? = nil, gguf: String?,
                huggingFaceTransform: TensorTransform = .none, ggufTransform: TensorTransform = .none,
                optional: Bool = false) {
        self.canonical = canonical
        self.shape = shape
        self.huggingFace = huggingFace ?? canonical
        self.gguf = gguf
        self.huggingFaceTransform = huggingFaceTransform
        self.ggufTransform = ggufTransform
        self.optional = optional
    }
}

/// A decoder family. Everything that makes the family what it is lives in its conforming type.
public protocol ModelFamily {
    /// The name in `ModelConfig.architecture`, `inspect` and the activation file's `architecture`.
    static var architecture: ModelConfig.Architecture { get }
    /// A one-line description for `inspect` and error messages ("LLaMA 1/2/3", …).
    static var displayName: String { get }
    /// Hugging Face `architectures` entries it accepts.
    static var huggingFaceArchitectures: [String] { get }
    /// Hugging Face `model_type` values it accepts.
    static var huggingFaceModelTypes: [String] { get }
    /// GGUF `general.architecture` values it accepts.
    static var ggufArchitectures: [String] { get }

    /// The configuration of a config.json this family accepted. Every key that changes the math is
    /// implemented or refused (`ModelError.unsupportedFeature` naming key and value).
    static func configuration(huggingFace config: HuggingFaceConfig) throws -> ModelConfig
    /// The configuration of a GGUF file whose `general.architecture` this family accepted.
    static func configuration(gguf metadata: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig

    /// Every tensor the forward pass of `config` reads, with its names in both sources.
    static func tensors(_ config: ModelConfig) -> [TensorSpec]
    /// The Hugging Face names a canonical tensor may have (default: `spec.huggingFace` only; a
    /// multimodal family adds its nested prefixes).
    static func huggingFaceNames(_ spec: TensorSpec) -> [String]
    /// Why a stored tensor that no spec reads may be skipped (nil: it may not; the checkpoint is refused).
    static func skipReason(_ storedName: String, config: ModelConfig, format: Checkpoint.Format) -> String?

    /// The forward pass over weights served under canonical names.
    static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel
}

extension ModelFamily {
    public static func huggingFaceNames(_ spec: TensorSpec) -> [String] { [spec.huggingFace] }

    public static func skipReason(_ storedName: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        nil
    }

    /// Whether `config` (a config.json) names this family: an `architectures` entry, else `model_type`.
    static func accepts(huggingFace config: HuggingFaceConfig) -> Bool {
        if !config.architectures.isEmpty {
            return config.architectures.contains { huggingFaceArchitectures.contains($0) }
        }
        return huggingFaceModelTypes.contains(config.modelType)
    }
}

// MARK: - The tensors most families share

/// The tensor lists of LLaMA-shaped blocks (Hugging Face's names; GGUF names from gguf-py's
/// `TENSOR_NAMES`), for family files to compose.
public enum SharedTensors {
    /// Embeddings, final norm and (unless `tied`, when it is optional) the LM head.
    public static func ends(_ c: ModelConfig, normTransform: TensorTransform = .none) -> [TensorSpec] {
        let d = c.dModel
        return [
            TensorSpec(CanonicalName.embedTokens, [c.vocabSize, d], gguf: "token_embd.weight"),
            TensorSpec(CanonicalName.finalNorm, [d], gguf: "output_norm.weight", huggingFaceTransform: normTransform),
            TensorSpec(CanonicalName.lmHead, [c.vocabSize, d], gguf: TiedEmbeddings.ggufHead, optional: c.tieWordEmbeddings),
        ]
    }

    /// A per-layer tensor with its GGUF suffix (`blk.{layer}.{gguf}`).
    public static func layer(_ layer: Int, _ tensor: CanonicalName.LayerTensor, _ shape: [Int], gguf: String?,
                             huggingFaceTransform: TensorTransform = .none,
                             ggufTransform: TensorTransform = .none) -> TensorSpec {
        TensorSpec(CanonicalName.layer(layer, tensor), shape, gguf: gguf.map { "blk.\(layer).\($0)" },
                   huggingFaceTransform: huggingFaceTransform, ggufTransform: ggufTransform)
    }

    /// q, k, v, o projections (and biases when the config has them) of layer `i`. `ggufQK` is the
    /// transform of GGUF's q/k rows (LLaMA's converter permutes them).
    public static func attention(_ c: ModelConfig, layer i: Int, ggufQK: TensorTransform = .none) -> [TensorSpec] {
        let d = c.dModel, q = c.nHeads * c.headDim, kv = c.nKVHeads * c.headDim
        var out = [
            layer(i, .qProj, [q, d], gguf: "attn_q.weight", ggufTransform: ggufQK),
            layer(i, .kProj, [kv, d], gguf: "attn_k.weight", ggufTransform: ggufQK),
            layer(i, .vProj, [kv, d], gguf: "attn_v.weight"),
            layer(i, .oProj, [d, q], gguf: "attn_output.weight"),
        ]
        if c.hasQKVBias {
            out += [
                layer(i, .qBias, [q], gguf: "attn_q.bias", ggufTransform: ggufQK),
                layer(i, .kBias, [kv], gguf: "attn_k.bias", ggufTransform: ggufQK),
                layer(i, .vBias, [kv], gguf: "attn_v.bias"),
            ]
        }
        if c.hasOutputBias { out.append(layer(i, .oBias, [d], gguf: "attn_output.bias")) }
        return out
    }

    /// Gated MLP (gate, up, down; biases when the config has them) of layer `i`.
    public static func gatedMLP(_ c: ModelConfig, layer i: Int) -> [TensorSpec] {
        let d = c.dModel, f = c.dFFN
        var out = [
            layer(i, .gateProj, [f, d], gguf: "ffn_gate.weight"),
            layer(i, .upProj, [f, d], gguf: "ffn_up.weight"),
            layer(i, .downProj, [d, f], gguf: "ffn_down.weight"),
        ]
        if c.hasMLPBias {
            out += [
                layer(i, .gateBias, [f], gguf: "ffn_gate.bias"),
                layer(i, .upBias, [f], gguf: "ffn_up.bias"),
                layer(i, .downBias, [d], gguf: "ffn_down.bias"),
            ]
        }
        return out
    }

    /// `model.layers.N.self_attn.rotary_emb.inv_freq`: a buffer older transformers saved with the
    /// weights; the frequencies are recomputed from the configuration.
    public static func isRotaryBuffer(_ name: String) -> Bool {
        name.hasSuffix(".rotary_emb.inv_freq")
    }
}
