// The two real GGUF models (SmolLM2-135M Q4_1, Gemma 3 270M Q4_K_M) open, configure and decode.
import Checkpoints
import Models
import Foundation
import Testing
import TestSupport

/// Decodes rows of a GGUF tensor in its stored layout.
func decodedStored(_ file: GGUFFile, _ name: String, rows: Range<Int>? = nil) throws -> [Float] {
    let info = try #require(file.tensors[name])
    var out = [Float](repeating: .nan, count: (rows?.count ?? info.rows) * info.rowLength)
    try out.withUnsafeMutableBufferPointer { try file.decode(name, rows: rows, into: $0) }
    return out
}

@Suite("The real GGUF models open with the configuration their metadata states")
struct GGUFRealModelConfigTests {
    @Test("SmolLM2-135M: LLaMA, 30 layers, d 576, 9 heads / 3 KV heads of 64, FFN 1536, vocab 49152")
    func smolLM2() throws {
        let c = try ModelCheckpoint(Checkpoint.openGGUF(TestPaths.smolLM2))
        let config = c.config
        let m = c.metadata
        #expect(config.architecture == .llama)
        #expect(config.nLayers == 30 && config.nLayers == m["llama.block_count"]?.int)
        #expect(config.dModel == 576 && config.dModel == m["llama.embedding_length"]?.int)
        #expect(config.nHeads == 9 && config.nHeads == m["llama.attention.head_count"]?.int)
        #expect(config.nKVHeads == 3 && config.nKVHeads == m["llama.attention.head_count_kv"]?.int)
        #expect(config.headDim == 64 && config.headDim == m["llama.rope.dimension_count"]?.int)
        #expect(config.dFFN == 1536 && config.dFFN == m["llama.feed_forward_length"]?.int)
        #expect(config.vocabSize == 49152 && config.vocabSize == m["tokenizer.ggml.tokens"]?.array?.count)
        #expect(config.ropeTheta == 100_000 && config.ropeScaling == nil)
        #expect(config.normEps == 1e-5)
        #expect(m["llama.attention.layer_norm_rms_epsilon"] == .float32(Float(config.normEps)))
        #expect(config.contextLength == 8192)
        #expect(config.tieWordEmbeddings && config.activation == .silu)
        #expect(config.layerKinds.allSatisfy { $0 == .full } && config.layerKinds.count == 30)
        #expect(try c.info(CanonicalName.lmHead) == c.info(CanonicalName.embedTokens))
    }

    @Test("Gemma 3 270M: 18 layers, d 640, 4 heads / 1 KV head of 256, FFN 2048, vocab 262144, 5:1 local:global")
    func gemma3() throws {
        let c = try ModelCheckpoint(Checkpoint.openGGUF(TestPaths.gemma3))
        let config = c.config
        let m = c.metadata
        #expect(config.architecture == .gemma3)
        #expect(config.nLayers == 18 && config.nLayers == m["gemma3.block_count"]?.int)
        #expect(config.dModel == 640 && config.dModel == m["gemma3.embedding_length"]?.int)
        #expect(config.nHeads == 4 && config.nKVHeads == 1)
        #expect(config.headDim == 256 && config.headDim == m["gemma3.attention.key_length"]?.int)
        #expect(config.dFFN == 2048 && config.vocabSize == 262_144)
        #expect(config.vocabSize == m["tokenizer.ggml.tokens"]?.array?.count)
        #expect(config.ropeTheta == 1_000_000 && config.ropeLocalTheta == 10_000)
        #expect(config.normEps == 1e-6)
        #expect(config.contextLength == 32768 && config.slidingWindow == 512)
        #expect(config.activation == .geluTanh && config.tieWordEmbeddings)
        #expect(config.queryPreAttnScalar == 256)
        #expect(config.embeddingMultiplier == Double(Float(640.0.squareRoot())))
        let global = config.layerKinds.indices.filter { config.layerKinds[$0] == .full }
        #expect(global == [5, 11, 17])
    }
}

@Suite("Every tensor of the real GGUF models decodes")
struct GGUFRealModelTensorTests {
    static let models = [TestPaths.smolLM2, TestPaths.gemma3]

    @Test("every layer has every canonical tensor of its family with the configured shape", arguments: models)
    func canonicalTensors(url: URL) throws {
        let c = try ModelCheckpoint(Checkpoint.openGGUF(url))
        let config = c.config
        let (d, q, kv, f) = (config.dModel, config.nHeads * config.headDim, config.nKVHeads * config.headDim, config.dFFN)
        var shapes: [CanonicalName.LayerTensor: [Int]] = [
            .inputNorm: [d], .qProj: [q, d], .kProj: [kv, d], .vProj: [kv, d], .oProj: [d, q],
            .postAttentionNorm: [d], .gateProj: [f, d], .upProj: [f, d], .downProj: [d, f],
        ]
        if config.architecture == .gemma3 {
            shapes[.qNorm] = [config.headDim]
            shapes[.kNorm] = [config.headDim]
            shapes[.preFeedforwardNorm] = [d]
            shapes[.postFeedforwardNorm] = [d]
        }
        for layer in 0..<config.nLayers {
            for (suffix, shape) in shapes {
                #expect(try c.info(CanonicalName.layer(layer, suffix)).shape == shape, "layer \(layer) \(suffix)")
            }
        }
        #expect(try c.info(CanonicalName.embedTokens).shape == [config.vocabSize, d])
        #expect(try c.info(CanonicalName.finalNorm).shape == [d])
        #expect(c.tensorNames.count == 3 + config.nLayers * shapes.count)
    }

    @Test("first, middle and last rows of every tensor decode to finite values", arguments: models)
    func everyTensorDecodes(url: URL) throws {
        let c = try ModelCheckpoint(Checkpoint.openGGUF(url))
        for name in c.tensorNames {
            let info = try c.info(name)
            let rows = info.shape.count == 1 ? [0..<info.rows] : [0..<1, (info.rows / 2)..<(info.rows / 2 + 1), (info.rows - 1)..<info.rows]
            for r in rows {
                let values = try decodedCanonical(c, name, rows: r)
                #expect(values.allSatisfy { $0.isFinite }, "\(name) rows \(r)")
                #expect(values.contains { $0 != 0 }, "\(name) rows \(r) is all zeros")
            }
        }
    }

    @Test("one whole layer decodes, and row ranges equal the matching slice of the whole tensor", arguments: models)
    func wholeLayerAndRowRanges(url: URL) throws {
        let c = try ModelCheckpoint(Checkpoint.openGGUF(url))
        let config = c.config
        for name in c.tensorNames where name.hasPrefix("model.layers.\(config.nLayers - 1).") {
            let info = try c.info(name)
            let all = try decodedCanonical(c, name)
            #expect(all.allSatisfy { $0.isFinite })
            guard info.rows >= 7 else { continue }
            let part = try decodedCanonical(c, name, rows: 3..<7)
            #expect(part == Array(all[(3 * info.rowLength)..<(7 * info.rowLength)]), "\(name)")
        }
    }

    @Test("the first rows of real tensors equal the quant fixture's gguf-py dequantization (realM.*)")
    func realRowsMatchFixture() throws {
        let fixture = try GGUFFile(url: TestPaths.fixture("gguf-quants.gguf"))
        let models = [0: try GGUFFile(url: TestPaths.gemma3), 1: try GGUFFile(url: TestPaths.smolLM2)]
        var checked = 0
        for name in fixture.tensorNames where name.hasPrefix("real") && name.hasSuffix(".f32") {
            // realM.<type>.<gguf tensor name>.f32
            let parts = name.split(separator: ".")
            let model = try #require(models[Int(parts[0].dropFirst(4)) ?? -1])
            let tensor = parts[2..<(parts.count - 1)].joined(separator: ".")
            let reference = try decodedStored(fixture, name)
            let rows = try #require(fixture.tensors[name]).rows
            #expect(model.tensors[tensor]?.dtype.rawValue.lowercased() == String(parts[1]))
            let ours = try decodedStored(model, tensor, rows: 0..<rows)
            #expect(ours.map(\.bitPattern) == reference.map(\.bitPattern), "\(name)")
            checked += 1
        }
        #expect(checked == 6)
    }

    @Test("SmolLM2's canonical Q/K row (h, j·32 + i) is stored row h·64 + 2i + j")
    func smolQKPermutation() throws {
        let c = try ModelCheckpoint(Checkpoint.openGGUF(TestPaths.smolLM2))
        let file = try GGUFFile(url: TestPaths.smolLM2)
        for (suffix, stored, heads) in [(CanonicalName.LayerTensor.qProj, "attn_q", 9), (.kProj, "attn_k", 3)] {
            let canonical = try decodedCanonical(c, CanonicalName.layer(4, suffix))
            let raw = try decodedStored(file, "blk.4.\(stored).weight")
            let n = 576
            for h in 0..<heads { for j in 0..<2 { for i in 0..<32 {
                let cr = h * 64 + j * 32 + i, sr = h * 64 + 2 * i + j
                #expect(canonical[(cr * n)..<((cr + 1) * n)] == raw[(sr * n)..<((sr + 1) * n)])
            } } }
            #expect(canonical != raw)
        }
    }
}

@Suite("Decoding one layer reads only that layer's bytes of the memory map")
struct GGUFLayerByteRangeTests {
    @Test("rawBytes and row ranges of layer 7 lie inside layer 7's tensor ranges, which no other tensor overlaps")
    func layerByteRange() throws {
        let file = try GGUFFile(url: TestPaths.smolLM2)
        let base = try #require(file.mappedBytes.baseAddress)
        let layer = file.tensorNames.filter { $0.hasPrefix("blk.7.") }
        #expect(layer.count == 9)
        let ranges = try layer.map { try file.fileRange(of: $0) }
        for other in file.tensorNames where !other.hasPrefix("blk.7.") {
            let r = try file.fileRange(of: other)
            #expect(ranges.allSatisfy { !$0.overlaps(r) }, "\(other) overlaps layer 7")
        }
        for (name, range) in zip(layer, ranges) {
            let info = try #require(file.tensors[name])
            let all = try file.rawBytes(name, rows: nil)
            let start = try #require(all.baseAddress) - base
            #expect(start..<(start + all.count) == range)
            // A row range is the proportional slice of the tensor's bytes.
            let rows = (info.rows / 3)..<(info.rows / 2)
            let part = try file.rawBytes(name, rows: rows)
            let partStart = try #require(part.baseAddress) - base
            let rowBytes = info.byteCount / info.rows
            #expect(partStart == range.lowerBound + rows.lowerBound * rowBytes)
            #expect(part.count == rows.count * rowBytes)
        }
    }
}

@Suite("Decoding a 7B-sized layer leaves the other layers' pages untouched")
struct GGUFLayerResidencyTests {
    #if DEBUG
    static let optimized = false
    #else
    static let optimized = true
    #endif

    /// Pages of `range` (file offsets) that are in memory, by mincore(2) over the file's mapping.
    static func residentPages(_ file: GGUFFile, _ range: Range<Int>) throws -> (resident: Int, total: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let base = try #require(file.mappedBytes.baseAddress)
        let first = range.lowerBound / page * page, last = (range.upperBound + page - 1) / page * page
        var vector = [UInt8](repeating: 0, count: (last - first) / page)
        let status = vector.withUnsafeMutableBufferPointer {
            mincore(UnsafeMutableRawPointer(mutating: base + first), last - first, $0.baseAddress)
        }
        #expect(status == 0)
        return (vector.reduce(0) { $0 + Int($1 & 1) }, vector.count)
    }

    /// Three LLaMA-7B layers in Q4_0 (q, k, v, o 4096×4096; gate, up 11008×4096; down 4096×11008:
    /// 113 MB each) in a sparse file: data never read is not in the page cache, so mincore shows
    /// exactly which bytes decoding touched.
    @Test("after decoding every tensor of layer 1, no page of layers 0 and 2 is resident (32 MB margins for readahead)")
    func sevenBLayer() throws {
        let shapes: [(String, UInt64, UInt64)] = [
            ("attn_q", 4096, 4096), ("attn_k", 4096, 4096), ("attn_v", 4096, 4096), ("attn_output", 4096, 4096),
            ("ffn_gate", 4096, 11008), ("ffn_up", 4096, 11008), ("ffn_down", 11008, 4096),
        ]
        var g = SyntheticGGUF()
        var offset: UInt64 = 0
        for layer in 0..<3 {
            for (name, ne0, ne1) in shapes {
                g.tensors.append(.init(name: "blk.\(layer).\(name).weight", ne: [ne0, ne1], type: 2, data: [], offset: offset))
                offset += (ne0 * ne1 / 32 * 18 + 31) / 32 * 32
            }
        }
        let url = try g.write("sparse-7b.gguf")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(g.bytes.count) + offset)
        try handle.close()

        let file = try GGUFFile(url: url)
        let layerRange = { (layer: Int) -> Range<Int> in
            let ranges = try shapes.map { try file.fileRange(of: "blk.\(layer).\($0.0).weight") }
            return (ranges.map(\.lowerBound).min() ?? 0)..<(ranges.map(\.upperBound).max() ?? 0)
        }
        let (layer0, layer1, layer2) = (try layerRange(0), try layerRange(1), try layerRange(2))
        #expect(layer1.count > 100_000_000)
        // The header was just written, so its pages (and the first data page it shares) are cached.
        let firstUnwritten = (layer0.lowerBound / 4096 + 1) * 4096
        #expect(try Self.residentPages(file, firstUnwritten..<layer2.upperBound).resident == 0)

        // Unoptimized builds decode ~50× slower: there, only the first 512 rows of each tensor.
        let wholeLayer = Self.optimized
        var buffer = [Float](repeating: 0, count: 512 * 11008)
        for (name, _, _) in shapes {
            let tensor = "blk.1.\(name).weight"
            let info = try #require(file.tensors[tensor])
            for start in stride(from: 0, to: wholeLayer ? info.rows : 512, by: 512) {
                let rows = start..<min(start + 512, info.rows)
                try buffer.withUnsafeMutableBufferPointer { try file.decode(tensor, rows: rows, into: $0) }
            }
        }
        // Kernel readahead around faults reaches a few MB past the bytes read (measured: 4 MB before,
        // 15 MB after reading a whole layer sequentially on this machine's ext4 with large folios).
        let margin = 32 << 20
        let touched = try Self.residentPages(file, layer1)
        let (before, after) = (try Self.residentPages(file, layer0), try Self.residentPages(file, layer2))
        print("resident pages after decoding layer 1: layer 0 \(before.resident)/\(before.total), "
              + "layer 1 \(touched.resident)/\(touched.total), layer 2 \(after.resident)/\(after.total)")
        #expect(wholeLayer ? touched.resident * 10 >= touched.total * 9 : touched.resident > 0)
        #expect(try Self.residentPages(file, firstUnwritten..<(layer0.upperBound - margin)).resident == 0)
        #expect(try Self.residentPages(file, (layer2.lowerBound + margin)..<layer2.upperBound).resident == 0)
    }
}
