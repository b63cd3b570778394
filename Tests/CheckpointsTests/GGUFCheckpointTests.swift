// A GGUF opened as a Checkpoint: configuration from metadata, canonical names, canonical conventions.
import Checkpoints
import Models
import Foundation
import Testing
import TestSupport

/// Decodes a canonical tensor (rows `rows`, all when nil) to an array.
func decodedCanonical(_ c: any DecodableTensors, _ name: String, rows: Range<Int>? = nil) throws -> [Float] {
    let info = try c.info(name)
    var out = [Float](repeating: .nan, count: (rows?.count ?? info.rows) * info.rowLength)
    try out.withUnsafeMutableBufferPointer { try c.decode(name, rows: rows, into: $0) }
    return out
}

@Suite("A LLaMA GGUF opens as a checkpoint with canonical names and Hugging Face's Q/K layout")
struct GGUFLlamaCheckpointTests {
    @Test("configuration comes from llama.* metadata")
    func configuration() throws {
        let c = try ModelCheckpoint(Checkpoint.openGGUF(try SyntheticGGUF.tinyLlama().write()))
        let config = c.config
        #expect(c.format == .gguf)
        #expect(config.architecture == .llama)
        #expect(config.nLayers == 1 && config.dModel == 8 && config.dFFN == 16)
        #expect(config.nHeads == 2 && config.nKVHeads == 1 && config.headDim == 4)
        #expect(config.vocabSize == 6)
        #expect(config.ropeTheta == 500_000)
        #expect(config.normEps == 1e-5)
        #expect(config.contextLength == 128)
        #expect(config.activation == .silu)
        #expect(config.tieWordEmbeddings)
        #expect(config.layerKinds == [.full])
        #expect(c.metadata["test.u8"] == .uint8(200))
        if case .gguf = c.tokenizerSource {} else { Issue.record("tokenizer source should be GGUF metadata") }
    }

    @Test("Q and K rows are un-permuted per head: canonical row k of a 4-row head is stored row 0, 2, 1, 3")
    func rotateHalfRows() throws {
        let c = try ModelCheckpoint(Checkpoint.openGGUF(try SyntheticGGUF.tinyLlama().write()))
        // Every element of stored row r equals r; the expected orders are worked out by hand from
        // stored = W.reshape(heads, 2, head_dim/2).swapaxes(1, 2).
        let q = try decodedCanonical(c, CanonicalName.layer(0, .qProj))
        #expect(stride(from: 0, to: q.count, by: 8).map { q[$0] } == [0, 2, 1, 3, 4, 6, 5, 7])
        #expect(q.count == 64 && Set(q[8..<16]) == [2])
        let k = try decodedCanonical(c, CanonicalName.layer(0, .kProj))
        #expect(stride(from: 0, to: k.count, by: 8).map { k[$0] } == [0, 2, 1, 3])
        let qRows = try decodedCanonical(c, CanonicalName.layer(0, .qProj), rows: 5..<7)
        #expect(qRows == [Float](repeating: 6, count: 8) + [Float](repeating: 5, count: 8))
        // V and O are not permuted.
        let v = try decodedCanonical(c, CanonicalName.layer(0, .vProj))
        #expect(stride(from: 0, to: v.count, by: 8).map { v[$0] } == [0, 1, 2, 3])
    }

    @Test("names map onto canonical names; without output.weight the LM head is the embedding")
    func canonicalNames() throws {
        let c = try ModelCheckpoint(Checkpoint.openGGUF(try SyntheticGGUF.tinyLlama().write()))
        let expected = Set([CanonicalName.embedTokens, CanonicalName.finalNorm, CanonicalName.lmHead])
            .union([CanonicalName.LayerTensor.inputNorm, .qProj, .kProj, .vProj, .oProj, .postAttentionNorm,
                    .gateProj, .upProj, .downProj].map { CanonicalName.layer(0, $0) })
        #expect(Set(c.tensorNames) == expected)
        #expect(try decodedCanonical(c, CanonicalName.layer(0, .inputNorm)) == [Float](repeating: 2, count: 8))
        #expect(try decodedCanonical(c, CanonicalName.layer(0, .postAttentionNorm)) == [Float](repeating: 3, count: 8))
        #expect(try decodedCanonical(c, CanonicalName.lmHead) == decodedCanonical(c, CanonicalName.embedTokens))
        #expect(try c.info(CanonicalName.layer(0, .downProj)).shape == [8, 16])

        let untied = try ModelCheckpoint(Checkpoint.openGGUF(try SyntheticGGUF.tinyLlama(withOutput: true).write()))
        #expect(untied.config.tieWordEmbeddings == false)
        #expect(try untied.info(CanonicalName.lmHead).name == "output.weight")
    }

    /// Llama 3.1's published rule (factor 8, low 1, high 4, original context 8192, base 500 000,
    /// 128 rotary dimensions), written out as in Meta's reference code.
    static func llama31Factors() -> [Float] {
        (0..<64).map { i -> Float in
            let freq = 1 / pow(500_000, Double(2 * i) / 128)
            let wavelength = 2 * Double.pi / freq
            if wavelength < 8192 / 4 { return 1 }
            if wavelength > 8192 / 1 { return 8 }
            let smooth = (8192 / wavelength - 1) / (4 - 1)
            return Float(1 / ((1 - smooth) / 8 + smooth))
        }
    }

    static func withRopeFreqs(_ factors: [Float]) -> SyntheticGGUF {
        var g = SyntheticGGUF.tinyLlama()
        g.metadata[7] = ("llama.rope.freq_base", .f32(500_000))
        g.metadata.append(("llama.rope.dimension_count", .u32(128)))
        g.tensors.append(.init(name: "rope_freqs.weight", ne: [UInt64(factors.count)], type: 0,
                               data: SyntheticGGUF.f32Data(factors)))
        return g
    }

    @Test("LLaMA 3 RoPE scaling is recovered from rope_freqs.weight")
    func llama3RopeScaling() throws {
        let factors = Self.llama31Factors()
        #expect(factors.first == 1 && factors.last == 8 && factors.contains { $0 > 1 && $0 < 8 })
        let c = try ModelCheckpoint(Checkpoint.openGGUF(try Self.withRopeFreqs(factors).write()))
        let scaling = try #require(c.config.ropeScaling)
        #expect(scaling == ModelConfig.RopeScaling(kind: .llama3, factor: 8, lowFreqFactor: 1, highFreqFactor: 4,
                                                   originalContextLength: 8192))
        #expect(c.checkpoint.tensorNames.contains("rope_freqs.weight"))
        #expect(c.skipped.map(\.name) == ["rope_freqs.weight"])

        let ones = try ModelCheckpoint(Checkpoint.openGGUF(try Self.withRopeFreqs([Float](repeating: 1, count: 64)).write()))
        #expect(ones.config.ropeScaling == nil)

        let url = try Self.withRopeFreqs([Float](repeating: 2, count: 64)).write()
        #expect(throws: CheckpointError.self) { try ModelCheckpoint(Checkpoint.openGGUF(url)) }
    }

    @Test("an unknown architecture opens with no configuration and GGUF tensor names")
    func unknownArchitecture() throws {
        var g = SyntheticGGUF.tinyLlama()
        g.metadata[0] = ("general.architecture", .string("mamba"))
        let c = try Checkpoint.openGGUF(try g.write())
        #expect(throws: ModelError.self) { try ModelCheckpoint(c) }
        #expect(c.tensorNames.contains("blk.0.attn_q.weight"))
        #expect(c.tensorNames.count == g.tensors.count)
        let q = try decodedCanonical(c, "blk.0.attn_q.weight")
        #expect(stride(from: 0, to: q.count, by: 8).map { q[$0] } == [0, 1, 2, 3, 4, 5, 6, 7])
    }

    @Test("missing or inconsistent LLaMA metadata is a typed error naming the key or tensor")
    func badConfiguration() throws {
        var missing = SyntheticGGUF.tinyLlama()
        missing.metadata.removeAll { $0.0 == "llama.block_count" }
        let url = try missing.write()
        #expect(throws: CheckpointError.badConfig(file: url.path, reason: "metadata llama.block_count is missing")) {
            try ModelCheckpoint(Checkpoint.openGGUF(url))
        }

        var heads = SyntheticGGUF.tinyLlama()
        heads.metadata.removeAll { $0.0 == "llama.attention.head_count" }
        heads.metadata.append(("llama.attention.head_count", .u32(4)))
        heads.metadata.append(("llama.attention.key_length", .u32(4)))
        let url2 = try heads.write()
        #expect(throws: ModelError.shapeMismatch(file: url2.path, tensor: "blk.0.attn_q.weight",
                                                 expected: [16, 8], found: [8, 8])) {
            try ModelCheckpoint(Checkpoint.openGGUF(url2))
        }

        var extraLayer = SyntheticGGUF.tinyLlama()
        extraLayer.tensors.append(.init(name: "blk.1.attn_norm.weight", ne: [8], type: 0,
                                        data: SyntheticGGUF.f32Data([Float](repeating: 1, count: 8))))
        let url4 = try extraLayer.write()
        #expect(throws: ModelError.unusedTensor(file: url4.path, tensor: "blk.1.attn_norm.weight", family: "llama")) {
            try ModelCheckpoint(Checkpoint.openGGUF(url4))
        }

        var absurd = SyntheticGGUF.tinyLlama()
        absurd.metadata.removeAll { $0.0 == "llama.block_count" }
        absurd.metadata.append(("llama.block_count", .u64(1 << 40)))
        let url3 = try absurd.write()
        #expect(throws: CheckpointError.self) { try ModelCheckpoint(Checkpoint.openGGUF(url3)) }
    }
}
