// Phi-3 (Abdin et al. 2024, "Phi-3 Technical Report"), as transformers' `Phi3ForCausalLM` runs it in float32.
import Checkpoints
import Foundation
import LinearAlgebra

extension ModelConfig.Architecture {
    public static let phi3 = Self("phi3")
}

/// The Phi-3 family: LLaMA's block (transformers `modular_phi3.py`) with fused projections:
/// `qkv_proj` [(H + 2·KV)·hd, d] holding q, k and v stacked (GQA in Phi-3-medium), and `gate_up_proj`
/// [2·ffn, d] holding gate then up. Neither has a bias (transformers builds them without, whatever
/// `attention_bias` says). `sliding_window` applies to every layer. `rope_scaling` `longrope` (the 128k
/// models) is refused by name, as is `partial_rotary_factor` ≠ 1 (Phi-4-mini). GGUF `phi3` files are not
/// read yet (no reference to check them against): they are refused as unsupported.
public enum Phi3Family: ModelFamily {
    public static let architecture = ModelConfig.Architecture.phi3
    public static let displayName = "Phi-3"
    public static let huggingFaceArchitectures = ["Phi3ForCausalLM"]
    public static let huggingFaceModelTypes = ["phi3"]
    public static let ggufArchitectures: [String] = []

    public static func configuration(huggingFace j: HuggingFaceConfig) throws -> ModelConfig {
        var c = try LlamaFamily.configuration(huggingFace: j, as: architecture)
        c.qkvBias = nil
        c.outputBias = nil
        c.mlpBias = nil
        if let window = try j.optionalPositive("sliding_window") {
            c.slidingWindow = window
            c.layerKinds = Array(repeating: .sliding, count: c.nLayers)
        }
        return c
    }

    public static func configuration(gguf m: GGUFMetadata, checkpoint: Checkpoint) throws -> ModelConfig {
        throw ModelError.unsupportedArchitecture(file: m.path, reason: "GGUF architecture \(m.architecture) is not supported")
    }

    public static func tensors(_ c: ModelConfig) -> [TensorSpec] {
        let d = c.dModel, q = c.nHeads * c.headDim, kv = c.nKVHeads * c.headDim
        var out = SharedTensors.ends(c)
        for i in 0..<c.nLayers {
            out += [
                SharedTensors.layer(i, .inputNorm, [d], gguf: "attn_norm.weight"),
                SharedTensors.layer(i, .qkvProj, [q + 2 * kv, d], gguf: "attn_qkv.weight"),
                SharedTensors.layer(i, .oProj, [d, q], gguf: "attn_output.weight"),
                SharedTensors.layer(i, .postAttentionNorm, [d], gguf: "ffn_norm.weight"),
                SharedTensors.layer(i, .gateUpProj, [2 * c.dFFN, d], gguf: "ffn_up.weight"),
                SharedTensors.layer(i, .downProj, [d, c.dFFN], gguf: "ffn_down.weight"),
            ]
        }
        return out
    }

    public static func skipReason(_ name: String, config: ModelConfig, format: Checkpoint.Format) -> String? {
        if SharedTensors.isRotaryBuffer(name) { return "RoPE frequencies are recomputed from the configuration" }
        return TiedEmbeddings.skipReason(name, config: config, heads: ["lm_head.weight"])
    }

    /// LLaMA's block over the fused layout.
    public static func model(config: ModelConfig, weights: any WeightSource) throws -> any DecoderModel {
        var layout = LayerLayout()
        layout.qkv = [.qkvProj]
        layout.up = [.gateUpProj]
        return try LlamaModel(config: config, weights: weights, tensors: tensors(config), layout: layout)
    }
}
