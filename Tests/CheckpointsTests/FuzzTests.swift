// Random header mutations of valid files: every outcome is a checkpoint or a typed error, never a crash.
import Foundation
import Testing
import TestSupport
import Checkpoints


/// Mutates 1–4 bytes inside `regions` of a copy of `original` in place, `iterations` times; each time opens
/// the file and decodes every tensor. Returns (opened, refused) counts.
private func fuzz(_ original: [UInt8], name: String, regions: [Range<Int>], iterations: Int, seed: UInt64) throws -> (Int, Int) {
    let url = try TestPaths.temporaryDirectory("fuzz").appendingPathComponent(name)
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    try Data(original).write(to: url)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    var rng = SeededGenerator(seed: seed)
    var opened = 0, refused = 0
    for _ in 0..<iterations {
        var touched: [Int] = []
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let region = regions[Int.random(in: 0..<regions.count, using: &rng)]
            let at = Int.random(in: region, using: &rng)
            // Half the time a random byte, else a boundary value that stresses sizes and counts.
            let value: UInt8 = Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : [0, 0x7F, 0x80, 0xFF][Int.random(in: 0..<4, using: &rng)]
            try handle.seek(toOffset: UInt64(at))
            handle.write(Data([value]))
            touched.append(at)
        }
        do {
            let checkpoint = try Checkpoint.open(url)
            for name in checkpoint.tensorNames { _ = try checkpoint.decodeAll(name) }
            opened += 1
        } catch is CheckpointError {
            refused += 1
        }
        for at in touched {
            try handle.seek(toOffset: UInt64(at))
            handle.write(Data([original[at]]))
        }
    }
    return (opened, refused)
}

@Suite("Thousands of random header mutations never crash the readers")
struct HeaderFuzzTests {
    @Test func torchShardHeaders() throws {
        let shard = try [UInt8](Data(contentsOf: TestPaths.fixture("tiny-mllama/pytorch_model-00002-of-00003.bin")))
        // data.pkl and the first local headers are at the start; the central directory and EOCD at the end.
        let (opened, refused) = try fuzz(shard, name: "shard.bin", regions: [0..<1600, shard.count - 2200..<shard.count],
                                         iterations: 3000, seed: 42)
        #expect(opened + refused == 3000)
        #expect(refused > 0)
    }

    @Test func safetensorsHeaders() throws {
        let file = safetensors([("a", [2, 3], [1, 2, 3, 4, 5, 6]), ("b", [4], [7, 8, 9, 10]), ("c", [], [11])])
        let headerEnd = 8 + Int(file[0]) + Int(file[1]) << 8
        let (opened, refused) = try fuzz(file, name: "x.safetensors", regions: [0..<headerEnd], iterations: 3000, seed: 7)
        #expect(opened + refused == 3000)
        #expect(refused > 0)
    }

    @Test func zip64Records() throws {
        let pickle = stateDictPickle([SyntheticTensor(name: "w", storageKey: "0", storageElements: 4, shape: [2, 2])])
        let file = torchBin(pickle: pickle, storages: [("0", floatBytes([1, 2, 3, 4]))], zip64: true)
        // Central directory with ZIP64 extra fields, ZIP64 record, locator and EOCD: the last ~400 bytes.
        let (opened, refused) = try fuzz(file, name: "z.bin", regions: [max(0, file.count - 400)..<file.count],
                                         iterations: 2000, seed: 99)
        #expect(opened + refused == 2000)
        #expect(refused > 0)
    }
}
