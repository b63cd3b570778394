// Hugging Face folders: config.json → ModelConfig, shards via the index, canonical names, validation.
import Foundation
import Testing
import TestSupport
import Checkpoints
import Models

/// A copy of tiny-mllama in a temporary folder, with `edit` applied to its config.json.
private func tinyMLlamaCopy(editConfig edit: ((inout [String: Any]) -> Void)? = nil) throws -> URL {
    let folder = try TestPaths.temporaryDirectory("tiny-mllama").appendingPathComponent("model")
    try FileManager.default.copyItem(at: TestPaths.fixture("tiny-mllama"), to: folder)
    if let edit {
        let url = folder.appendingPathComponent("config.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }
    return folder
}

private func openError(_ url: URL) -> CheckpointError? {
    do {
        _ = try ModelCheckpoint.open(url)
        return nil
    } catch {
        return error as? CheckpointError
    }
}

private func modelError(_ url: URL) -> ModelError? {
    do {
        _ = try ModelCheckpoint.open(url)
        return nil
    } catch {
        return error as? ModelError
    }
}

@Suite("A sharded folder whose index or config is wrong is a typed error")
struct ShardedFolderRefusalTests {
    @Test func missingShard() throws {
        let folder = try tinyMLlamaCopy()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("pytorch_model-00003-of-00003.bin"))
        let e = openError(folder)
        #expect(e == .missingShard(index: folder.appendingPathComponent("pytorch_model.bin.index.json").path,
                                   shard: "pytorch_model-00003-of-00003.bin"))
    }

    @Test func malformedIndex() throws {
        let folder = try tinyMLlamaCopy()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try Data("{\"weight_map\": {".utf8).write(to: folder.appendingPathComponent("pytorch_model.bin.index.json"))
        guard case let .malformed(file, _) = openError(folder) else { Issue.record("not malformed"); return }
        #expect(file.hasSuffix("pytorch_model.bin.index.json"))
    }

    @Test func hiddenSizeInconsistentWithTheTensors() throws {
        let folder = try tinyMLlamaCopy { $0["hidden_size"] = 32 }
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        guard case let .shapeMismatch(_, tensor, expected, found) = modelError(folder) else { Issue.record("no shape mismatch"); return }
        #expect(tensor == "model.embed_tokens.weight")
        #expect(expected == [3001, 32])
        #expect(found == [3001, 64])
    }

    @Test func headsNotDividingTheHiddenSize() throws {
        let folder = try tinyMLlamaCopy { $0["num_attention_heads"] = 5; $0["num_key_value_heads"] = 5 }
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        guard case let .badConfig(file, reason) = openError(folder) else { Issue.record("no badConfig"); return }
        #expect(file.hasSuffix("config.json"))
        #expect(reason.contains("not divisible"))
    }

    @Test func missingRequiredSize() throws {
        let folder = try tinyMLlamaCopy { $0.removeValue(forKey: "intermediate_size") }
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        guard case let .badConfig(_, reason) = openError(folder) else { Issue.record("no badConfig"); return }
        #expect(reason.contains("intermediate_size"))
    }

    @Test func malformedConfig() throws {
        let folder = try tinyMLlamaCopy()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try Data("not json".utf8).write(to: folder.appendingPathComponent("config.json"))
        guard case let .malformed(file, _) = openError(folder) else { Issue.record("not malformed"); return }
        #expect(file.hasSuffix("config.json"))
    }
}

/// Tensors of a 2-layer model with d = 4, 2 heads of 2, 1 KV head, FFN 6, vocab 5; value = index/100 + offset.
private func tinyTensors(prefix: String, gemma: Bool) -> [(name: String, shape: [Int], values: [Float])] {
    var out: [(name: String, shape: [Int], values: [Float])] = []
    func add(_ name: String, _ shape: [Int]) {
        let n = shape.reduce(1, *)
        out.append((name, shape, (0..<n).map { Float($0) / 100 + Float(out.count) }))
    }
    add("\(prefix)embed_tokens.weight", [5, 4])
    add("\(prefix)norm.weight", [4])
    for i in 0..<2 {
        let l = "\(prefix)layers.\(i)."
        add(l + "input_layernorm.weight", [4])
        add(l + "post_attention_layernorm.weight", [4])
        add(l + "self_attn.q_proj.weight", [4, 4])
        add(l + "self_attn.k_proj.weight", [2, 4])
        add(l + "self_attn.v_proj.weight", [2, 4])
        add(l + "self_attn.o_proj.weight", [4, 4])
        add(l + "mlp.gate_proj.weight", [6, 4])
        add(l + "mlp.up_proj.weight", [6, 4])
        add(l + "mlp.down_proj.weight", [4, 6])
        if gemma {
            add(l + "self_attn.q_norm.weight", [2])
            add(l + "self_attn.k_norm.weight", [2])
            add(l + "pre_feedforward_layernorm.weight", [4])
            add(l + "post_feedforward_layernorm.weight", [4])
        }
    }
    return out
}

private func folder(config: String, tensors: [(name: String, shape: [Int], values: [Float])],
                    tokenizerFile: String? = nil) throws -> URL {
    let folder = try TestPaths.temporaryDirectory("hf")
    try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
    try Data(safetensors(tensors)).write(to: folder.appendingPathComponent("model.safetensors"))
    if let tokenizerFile { try Data("{}".utf8).write(to: folder.appendingPathComponent(tokenizerFile)) }
    return folder
}

@Suite("A LLaMA safetensors folder with tied embeddings serves lm_head from the embeddings")
struct TiedLlamaFolderTests {
    let config = """
    {"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":4,"num_hidden_layers":2,
     "num_attention_heads":2,"num_key_value_heads":1,"intermediate_size":6,"vocab_size":5,"tie_word_embeddings":true,
     "rope_theta":500000.0,"rms_norm_eps":1e-05,"max_position_embeddings":131072,
     "rope_scaling":{"rope_type":"llama3","factor":32.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
                     "original_max_position_embeddings":8192}}
    """

    @Test func tiedEmbeddingsAndGQA() throws {
        let url = try folder(config: config, tensors: tinyTensors(prefix: "model.", gemma: false), tokenizerFile: "tokenizer.json")
        defer { try? FileManager.default.removeItem(at: url) }
        let checkpoint = try ModelCheckpoint.open(url)
        let c = checkpoint.config
        #expect(c.nKVHeads == 1)
        #expect(c.headDim == 2)
        #expect(c.ropeTheta == 500_000)
        #expect(c.ropeScaling == .init(kind: .llama3, factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContextLength: 8192))
        #expect(c.tieWordEmbeddings)
        #expect(try checkpoint.decodeAll(CanonicalName.lmHead) == checkpoint.decodeAll(CanonicalName.embedTokens))
        guard case .huggingFaceJSON = checkpoint.tokenizerSource else { Issue.record("tokenizer.json not found"); return }
        let summary = CheckpointSummary(checkpoint.checkpoint)
        #expect(summary.nTensors == 2 + 2 * 9)  // lm_head is the embeddings, not counted again
        #expect(checkpoint.tensorNames.count == 2 + 2 * 9 + 1)
    }

    @Test func missingTensorIsNamed() throws {
        let tensors = tinyTensors(prefix: "model.", gemma: false).filter { $0.name != "model.layers.1.mlp.up_proj.weight" }
        let url = try folder(config: config, tensors: tensors)
        defer { try? FileManager.default.removeItem(at: url) }
        let e = openError(url)
        guard case let .tensorNotFound(_, tensor) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(tensor == "model.layers.1.mlp.up_proj.weight")
    }
}

@Suite("A multimodal Gemma 3 folder maps language_model names and adds 1 to norm weights")
struct GemmaFolderTests {
    let config = """
    {"architectures":["Gemma3ForConditionalGeneration"],"model_type":"gemma3",
     "text_config":{"model_type":"gemma3_text","hidden_size":4,"num_hidden_layers":2,"num_attention_heads":2,
       "num_key_value_heads":1,"head_dim":2,"intermediate_size":6,"vocab_size":5,"rope_theta":1000000.0,
       "rope_local_base_freq":10000.0,"sliding_window":512,"sliding_window_pattern":2,"query_pre_attn_scalar":2,
       "final_logit_softcapping":30.0,"attn_logit_softcapping":null,"hidden_activation":"gelu_pytorch_tanh",
       "rms_norm_eps":1e-06,"max_position_embeddings":32768}}
    """

    @Test func namesNormsAndLayerKinds() throws {
        let tensors = tinyTensors(prefix: "model.language_model.", gemma: true)
            + [("model.vision_tower.patch.weight", [2], [7, 8])]
        let url = try folder(config: config, tensors: tensors, tokenizerFile: "tokenizer.model")
        defer { try? FileManager.default.removeItem(at: url) }
        let checkpoint = try ModelCheckpoint.open(url)
        let c = checkpoint.config
        #expect(c.architecture == .gemma3)
        #expect(c.activation == .geluTanh)
        #expect(c.layerKinds == [.sliding, .full])
        #expect(c.slidingWindow == 512)
        #expect(c.ropeLocalTheta == 10_000)
        #expect(c.ropeTheta == 1_000_000)
        #expect(c.queryPreAttnScalar == 2)
        #expect(c.finalLogitSoftcap == 30)
        #expect(c.attnLogitSoftcap == nil)
        #expect(c.tieWordEmbeddings)
        #expect(c.embeddingMultiplier == 2)
        let stored = try #require(tensors.first { $0.name == "model.language_model.layers.1.self_attn.k_norm.weight" })
        #expect(try checkpoint.decodeAll(CanonicalName.layer(1, .kNorm)) == stored.values.map { $0 + 1 })
        #expect(try checkpoint.decodeAll(CanonicalName.finalNorm) == [1, 1.01, 1.02, 1.03].map { $0 + 1 })
        let q = try #require(tensors.first { $0.name == "model.language_model.layers.0.self_attn.q_proj.weight" })
        #expect(try checkpoint.decodeAll(CanonicalName.layer(0, .qProj)) == q.values)
        #expect(try checkpoint.checkpoint.decodeAll("model.vision_tower.patch.weight") == [7, 8])
        #expect(checkpoint.skipped.map(\.name) == ["model.vision_tower.patch.weight"])
        #expect(checkpoint.sourceName(of: CanonicalName.embedTokens) == "model.language_model.embed_tokens.weight")
        #expect(checkpoint.canonicalName(for: "model.language_model.norm.weight") == CanonicalName.finalNorm)
        guard case .sentencePiece = checkpoint.tokenizerSource else { Issue.record("tokenizer.model not found"); return }
    }

    @Test func explicitLayerTypes() throws {
        let json: [String: Any] = ["model_type": "gemma3_text", "hidden_size": 8, "num_hidden_layers": 3,
                                   "num_attention_heads": 2, "intermediate_size": 16, "vocab_size": 10,
                                   "layer_types": ["full_attention", "sliding_attention", "full_attention"]]
        let c = try Gemma3Family.configuration(huggingFace: HuggingFaceConfig(json: json, path: "config.json"))
        #expect(c.layerKinds == [.full, .sliding, .full])
        #expect(c.headDim == 256)
        #expect(c.nKVHeads == 2)
        #expect(abs((c.embeddingMultiplier ?? 0) - 8.0.squareRoot()) < 1e-6)
    }

    @Test func unknownArchitectureIsRefusedByName() throws {
        let url = try folder(config: #"{"architectures":["BertModel"],"model_type":"bert","hidden_size":8}"#,
                             tensors: tinyTensors(prefix: "model.", gemma: false))
        defer { try? FileManager.default.removeItem(at: url) }
        guard case let .unsupportedArchitecture(_, reason) = modelError(url) else { Issue.record("not refused"); return }
        #expect(reason.hasPrefix("BertModel (model_type bert) is not supported; supported: LlamaForCausalLM"))
    }
}
