// The speed features change no bit of a forward pass: kept decoded weights (`--weight-cache`) and the
// row-parallel elementwise and attention kernels (`--threads`), on every supported architecture fixture.
import Checkpoints
import Foundation
import LinearAlgebra
import Models
import TestSupport
import Testing

@Suite("Kept decoded weights and the thread count change no bit of a forward pass", .serialized)
struct ExecutionInvarianceTests {
    /// Two packed batches of sentences of different lengths: the bits of every block's output and of the
    /// final norm.
    func forward(_ model: any DecoderModel) throws -> [UInt32] {
        var out: [UInt32] = []
        let vocabulary = model.config.vocabSize
        for batch in 0..<2 {
            var tokens: [Int32] = []
            var sequences: [Range<Int>] = []
            for (s, length) in [5, 23, 9, 1, 12].enumerated() {
                let start = tokens.count
                for i in 0..<length { tokens.append(Int32((7 * i + 13 * s + 31 * batch + 1) % vocabulary)) }
                sequences.append(start..<tokens.count)
            }
            let packed = PackedBatch(tokens: tokens, sequences: sequences)
            var hidden = try model.embed(packed)
            for layer in 0..<model.config.nLayers {
                try model.applyBlock(layer, to: &hidden, batch: packed, captureSubLayers: false)
                out += hidden.storage.map(\.bitPattern)
            }
            out += try model.applyFinalNorm(hidden).storage.map(\.bitPattern)
        }
        return out
    }

    func load(_ name: String) throws -> any DecoderModel {
        try ModelLoader.load(try Checkpoint.open(architectureFixture(name)))
    }

    @Test("weights kept after their first decoding give the bits of per-batch decoding", arguments: supportedArchitectureFixtures)
    func keptWeights(name: String) throws {
        let perBatch = try load(name)
        let kept = try load(name)
        #expect(kept.decodedWeightBytes > 0)
        kept.keepsDecodedWeights = true
        let reference = try forward(perBatch)
        #expect(try forward(kept) == reference)
        // A second pass reads only kept weights.
        #expect(try forward(kept) == reference)
    }

    @Test("the elementwise and attention kernels split over 2 threads give the bits of 1 thread", arguments: supportedArchitectureFixtures)
    func threads(name: String) throws {
        let previous = RowParallel.minimumWork
        defer {
            RowParallel.threadOverride = nil
            RowParallel.minimumWork = previous
        }
        RowParallel.minimumWork = 1  // split even these tiny rows
        let model = try load(name)
        RowParallel.threadOverride = 1
        let serial = try forward(model)
        RowParallel.threadOverride = 2
        #expect(RowParallel.threads == 2)
        #expect(try forward(model) == serial)
    }

    @Test("--weight-cache sizes parse; auto keeps at most half of the free memory and never above it")
    func policy() {
        #expect(WeightCache(argument: "auto") == .auto && WeightCache(argument: "off") == .off)
        #expect(WeightCache(argument: "2G") == .bytes(2 << 30) && WeightCache(argument: "512MiB") == .bytes(512 << 20))
        #expect(WeightCache(argument: "1.5g") == .bytes(3 << 29) && WeightCache(argument: "100") == .bytes(100))
        #expect(WeightCache(argument: "lots") == nil && WeightCache(argument: "-1G") == nil)
        let gib = 1 << 30
        #expect(WeightCache.auto.keeps(decodedBytes: gib, available: 4 * gib))
        #expect(!WeightCache.auto.keeps(decodedBytes: 3 * gib, available: 4 * gib))
        // A 7B model decoded to Float (≈ 26 GiB) on a 24 GiB machine: never, whatever SIZE says.
        #expect(!WeightCache.auto.keeps(decodedBytes: 26 * gib, available: 24 * gib))
        #expect(!WeightCache.bytes(64 * gib).keeps(decodedBytes: 26 * gib, available: 24 * gib))
        #expect(WeightCache.bytes(2 * gib).keeps(decodedBytes: gib, available: 4 * gib))
        #expect(!WeightCache.bytes(gib / 2).keeps(decodedBytes: gib, available: 4 * gib))
        #expect(!WeightCache.off.keeps(decodedBytes: 1, available: 4 * gib))
        #expect(!WeightCache.auto.keeps(decodedBytes: gib, available: nil))
    }
}

@Suite("The lens head's logit tiles have the same bits whatever the worker count", .serialized)
struct LogitTileInvarianceTests {
    /// Every logit of `rows` seeded rows through the head in tiles, with `workers` row-parallel workers.
    func tiles(_ model: any DecoderModel, rows: Int, workers: Int) throws -> [UInt32] {
        let d = model.config.dModel, vocabulary = model.config.vocabSize
        var state: UInt64 = 7
        let normed = Matrix<Float>(rows: rows, cols: d, storage: (0..<(rows * d)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        })
        let previous = RowParallel.minimumWork
        defer { RowParallel.threadOverride = nil; RowParallel.minimumWork = previous }
        RowParallel.minimumWork = 1
        RowParallel.threadOverride = workers
        var out = [UInt32](repeating: 0, count: rows * vocabulary)
        try model.logitTiles(normed, tileSize: 64, rowBlock: 96) { rowRange, ids, z, _ in
            for (i, r) in rowRange.enumerated() {
                for (j, id) in ids.enumerated() { out[r * vocabulary + id] = z[i * ids.count + j].bitPattern }
            }
        }
        return out
    }

    @Test("1, 2 and 3 workers over 301 rows", arguments: ["llama-mlp-bias", "gemma2", "qwen2"])
    func workerCountChangesNoBit(name: String) throws {
        let model = try ModelLoader.load(try Checkpoint.open(architectureFixture(name)))
        let one = try tiles(model, rows: 301, workers: 1)
        #expect(try tiles(model, rows: 301, workers: 2) == one)
        #expect(try tiles(model, rows: 301, workers: 3) == one)
    }
}
