// `inspect`'s facts (CheckpointSummary) checked against config.json, and the .npy it dumps.
import Foundation
import Testing
import TestSupport
import Checkpoints
import Models

@Suite("inspect --json reports the facts of config.json")
struct SummaryFactsTests {
    @Test func tinyMLlamaSummaryMatchesConfig() throws {
        let folder = TestPaths.fixture("tiny-mllama")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any])
        let json = try CheckpointSummary(Checkpoint.open(folder)).json()
        let s = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(s["architecture"] as? String == "llama")
        #expect(s["n_layers"] as? Int == config["num_hidden_layers"] as? Int)
        #expect(s["d_model"] as? Int == config["hidden_size"] as? Int)
        #expect(s["n_heads"] as? Int == config["num_attention_heads"] as? Int)
        #expect(s["n_kv_heads"] as? Int == config["num_key_value_heads"] as? Int)
        #expect(s["head_dim"] as? Int == 16)
        #expect(s["d_ffn"] as? Int == config["intermediate_size"] as? Int)
        #expect(s["vocab_size"] as? Int == config["vocab_size"] as? Int)
        #expect(s["rope_theta"] as? Double == 10_000)
        #expect(s["norm_eps"] as? Double == config["rms_norm_eps"] as? Double)
        #expect(s["context_length"] as? Int == config["max_position_embeddings"] as? Int)
        #expect(s["n_tensors"] as? Int == 39)
        #expect(s["dtypes"] as? [String: Int] == ["F32": 39])
        #expect(s["tokenizer"] as? String == "sentencepiece")
        // The index's metadata.total_size is the sum of the tensors' bytes.
        #expect(s["bytes"] as? Int == 2_329_344)
        for key in ["architecture", "n_layers", "d_model", "n_heads", "n_kv_heads", "head_dim", "d_ffn", "vocab_size",
                    "rope_theta", "norm_eps", "context_length", "n_tensors", "dtypes", "tokenizer", "bytes"] {
            #expect(s[key] != nil, "\(key)")
        }
    }

    @Test func statisticsOfKnownValues() {
        let stats = TensorStatistics([1, 2, 3, 4])
        #expect(stats.min == 1)
        #expect(stats.max == 4)
        #expect(stats.mean == 2.5)
        #expect(stats.std == 1.25.squareRoot())
    }
}

@Suite("A dumped tensor is a NumPy v1.0 file of float32 in C order")
struct NumPyDumpTests {
    @Test func headerAndData() throws {
        let data = NumPyFile.encode([1, -2, 0.5, 3, 4, 5], shape: [2, 3])
        let bytes = [UInt8](data)
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<10 + headerLength], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(header.hasSuffix("\n"))
        #expect(bytes.count == 10 + headerLength + 24)
        #expect(Array(bytes[(10 + headerLength + 4)...].prefix(4)) == le32((-2 as Float).bitPattern))
        #expect(String(decoding: [UInt8](NumPyFile.encode([1], shape: [1]))[10..<64], as: UTF8.self).contains("'shape': (1,)"))
    }

    @Test func refusesToOverwriteUnlessAsked() throws {
        let url = try TestPaths.temporaryDirectory("npy").appendingPathComponent("t.npy")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try NumPyFile.write([1, 2], shape: [2], to: url)
        #expect(throws: CheckpointError.self) { try NumPyFile.write([3], shape: [1], to: url) }
        try NumPyFile.write([3], shape: [1], to: url, overwrite: true)
        let written = try [UInt8](Data(contentsOf: url))
        #expect((written.count - 4) % 64 == 0)
        #expect(Array(written.suffix(4)) == le32((3 as Float).bitPattern))
    }
}

@Suite("inspect reports GGUF facts from the metadata and dumps quantized tensors exactly")
struct GGUFSummaryTests {
    @Test func smolLM2SummaryMatchesMetadata() throws {
        let checkpoint = try Checkpoint.open(TestPaths.smolLM2)
        let m = checkpoint.metadata
        let s = CheckpointSummary(checkpoint)
        #expect(s.format == "gguf")
        #expect(s.architecture == "llama")
        #expect(s.nLayers == m["llama.block_count"]?.int)
        #expect(s.dModel == m["llama.embedding_length"]?.int)
        #expect(s.nHeads == m["llama.attention.head_count"]?.int)
        #expect(s.nKVHeads == m["llama.attention.head_count_kv"]?.int)
        #expect(s.dFFN == m["llama.feed_forward_length"]?.int)
        #expect(s.vocabSize == m["tokenizer.ggml.tokens"]?.array?.count)
        #expect(s.contextLength == m["llama.context_length"]?.int)
        #expect(s.ropeTheta == m["llama.rope.freq_base"]?.double)
        #expect(s.tokenizer == "gguf")
        // 30 layers × 9 tensors + embeddings + final norm; the tied lm_head is not a second tensor.
        #expect(s.nTensors == 272)
        #expect(s.dtypes.values.reduce(0, +) == 272)
    }

    @Test func unknownArchitectureStillListsTensors() throws {
        let s = try CheckpointSummary(Checkpoint.open(TestPaths.fixture("gguf-quants.gguf")))
        #expect(s.nLayers == nil)
        #expect(s.nTensors == 40)
        #expect(s.dtypes["Q4_K"] == 2)
        #expect(try s.json().contains("\"n_layers\":null"))
    }

    @Test(arguments: ["f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k",
                      "iq4_nl", "iq4_xs"])
    func dumpOfQuantizedTensorEqualsReference(type: String) throws {
        let checkpoint = try Checkpoint.open(TestPaths.fixture("gguf-quants.gguf"))
        let info = try checkpoint.info("\(type).q")
        let npy = [UInt8](NumPyFile.encode(try checkpoint.decodeAll("\(type).q"), shape: info.shape))
        let start = 10 + (Int(npy[8]) | Int(npy[9]) << 8)
        let dumped: [Float] = stride(from: start, to: npy.count, by: 4).map { i in
            Float(bitPattern: UInt32(npy[i]) | UInt32(npy[i + 1]) << 8 | UInt32(npy[i + 2]) << 16 | UInt32(npy[i + 3]) << 24)
        }
        #expect(dumped == (try checkpoint.decodeAll("\(type).f32")))
    }
}

@Suite("Chunked tensor statistics equal the statistics of all values at once")
struct ChunkedStatisticsTests {
    @Test func embeddingStatistics() throws {
        let checkpoint = try Checkpoint.open(TestPaths.fixture("tiny-mllama"))
        let whole = TensorStatistics(try checkpoint.decodeAll(CanonicalName.embedTokens))
        // 1000 elements = 15 rows of 64 per chunk: 201 chunks, the last one partial.
        let chunked = try checkpoint.statistics(of: CanonicalName.embedTokens, chunkElements: 1000)
        #expect(chunked.count == 3001 * 64)
        #expect(chunked.min == whole.min && chunked.max == whole.max)
        #expect(abs(chunked.mean - whole.mean) < 1e-12)
        #expect(abs(chunked.std - whole.std) < 1e-12)
    }

    @Test func combiningTwoHalves() {
        let a = TensorStatistics([1, 2]), b = TensorStatistics([3, 4, 10])
        let c = a.combined(with: b), all = TensorStatistics([1, 2, 3, 4, 10])
        #expect(c.count == 5 && c.min == 1 && c.max == 10)
        #expect(abs(c.mean - 4) < 1e-12)
        #expect(abs(c.std - all.std) < 1e-12)
    }
}
