// tiny-mllama: m-LLaMA's release layout (three torch.save shards + index) opened through Checkpoint.open.
import Foundation
import Testing
import TestSupport
import Checkpoints
import Models

@Suite("tiny-mllama opens as a LLaMA with the facts of its config.json")
struct TinyMLlamaConfigTests {
    @Test func configFacts() throws {
        let checkpoint = try ModelCheckpoint.open(TestPaths.fixture("tiny-mllama"))
        #expect(checkpoint.format == .huggingFaceFolder)
        let config = checkpoint.config
        #expect(config.architecture == .llama)
        #expect(config.nLayers == 4)
        #expect(config.dModel == 64)
        #expect(config.nHeads == 4)
        #expect(config.nKVHeads == 4)
        #expect(config.headDim == 16)
        #expect(config.dFFN == 172)
        #expect(config.vocabSize == 3001)
        #expect(config.ropeTheta == 10_000)
        #expect(config.ropeScaling == nil)
        #expect(config.normEps == 1e-6)
        #expect(config.contextLength == 2048)
        #expect(config.tieWordEmbeddings == false)
        #expect(config.activation == .silu)
        #expect(config.layerKinds == Array(repeating: .full, count: 4))
        guard case let .sentencePiece(model, _) = checkpoint.tokenizerSource else {
            Issue.record("tokenizer source is \(checkpoint.tokenizerSource)")
            return
        }
        #expect(model.lastPathComponent == "tokenizer.model")
    }
}

@Suite("Every tensor of tiny-mllama loads with the shape its config implies")
struct TinyMLlamaTensorTests {
    @Test func allTensorsLoad() throws {
        let checkpoint = try ModelCheckpoint.open(TestPaths.fixture("tiny-mllama"))
        // 4 layers × 9 tensors + embeddings, final norm, lm_head.
        #expect(checkpoint.tensorNames.count == 39)
        let config = checkpoint.config
        let expected = Dictionary(uniqueKeysWithValues: LlamaFamily.tensors(config).map { ($0.canonical, $0.shape) })
        for name in checkpoint.tensorNames {
            let info = try checkpoint.info(name)
            #expect(info.dtype == .f32)
            #expect(info.shape == expected[name], "\(name)")
            let values = try checkpoint.decodeAll(name)
            #expect(values.count == info.elementCount)
            #expect(values.allSatisfy { $0.isFinite }, "\(name)")
            // Random weights: a tensor of all zeros would mean a wrong offset into the shard.
            #expect(values.contains { $0 != 0 }, "\(name)")
        }
        #expect(try checkpoint.info(CanonicalName.layer(2, .downProj)).shape == [64, 172])
    }

    @Test func embeddingRowsMatchTheReferenceEmbedding() throws {
        let checkpoint = try ModelCheckpoint.open(TestPaths.fixture("tiny-mllama"))
        let states = try Checkpoint.open(TestPaths.fixture("tiny-mllama/reference/states.safetensors"))
        #expect(states.format == .safetensors)
        #expect(try states.info("s0.ids").dtype == .i32)
        let ids = try states.decodeAll("s0.ids").map { Int($0) }
        #expect(ids.count == 12)
        #expect(ids.first == 1)  // BOS
        let reference = try states.decodeAll("s0.embed")
        #expect(try states.info("s0.embed").shape == [12, 64])
        var row = [Float](repeating: 0, count: 64)
        for (t, id) in ids.enumerated() {
            try row.withUnsafeMutableBufferPointer {
                try checkpoint.decode(CanonicalName.embedTokens, rows: id..<id + 1, into: $0)
            }
            #expect(Array(reference[t * 64..<(t + 1) * 64]) == row, "token \(t) id \(id)")
        }
    }

    @Test func rowRangesDecodeTheSameValuesAsWholeTensors() throws {
        let checkpoint = try ModelCheckpoint.open(TestPaths.fixture("tiny-mllama"))
        let name = CanonicalName.layer(1, .gateProj)
        let all = try checkpoint.decodeAll(name)
        var part = [Float](repeating: 0, count: 5 * 64)
        try part.withUnsafeMutableBufferPointer { try checkpoint.decode(name, rows: 100..<105, into: $0) }
        #expect(part == Array(all[100 * 64..<105 * 64]))
        #expect(throws: CheckpointError.self) {
            try part.withUnsafeMutableBufferPointer { try checkpoint.decode(name, rows: 170..<175, into: $0) }
        }
    }
}
