// Random mutations of valid GGUF headers: each file either opens (and decodes) or throws a typed error.
import Checkpoints
import Foundation
import Testing
import TestSupport


@Suite("Thousands of random header mutations never crash the GGUF reader")
struct GGUFFuzzTests {
    /// Applies one random mutation inside `bytes[0..<headerEnd]`: a random byte, a flipped bit, or a
    /// little-endian u32/u64 overwritten with an edge value (0, 1, max, a large power of two).
    static func mutate(_ bytes: inout [UInt8], headerEnd: Int, rng: inout SeededGenerator) {
        let at = Int.random(in: 0..<headerEnd, using: &rng)
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
        case 1: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        default:
            let edges: [UInt64] = [0, 1, 2, 31, UInt64(UInt32.max), 1 << 31, 1 << 40, UInt64.max, UInt64(bytes.count)]
            let value = edges.randomElement(using: &rng) ?? 0
            let width = Bool.random(using: &rng) ? 4 : 8
            for i in 0..<width where at + i < bytes.count {
                bytes[at + i] = UInt8(truncatingIfNeeded: value >> UInt64(8 * i))
            }
        }
    }

    /// Opens the file as a GGUF and as a checkpoint; when it opens, decodes every tensor.
    /// Returns whether it opened. Any error must be a `CheckpointError`.
    static func exercise(_ url: URL) throws -> Bool {
        do {
            let file = try GGUFFile(url: url)
            for name in file.tensorNames {
                let info = try #require(file.tensors[name])
                var out = [Float](repeating: 0, count: info.elementCount)
                try out.withUnsafeMutableBufferPointer { try file.decode(name, rows: nil, into: $0) }
            }
            let checkpoint = try Checkpoint.openGGUF(url)
            for name in checkpoint.tensorNames {
                let info = try checkpoint.info(name)
                var out = [Float](repeating: 0, count: info.elementCount)
                try out.withUnsafeMutableBufferPointer { try checkpoint.decode(name, rows: nil, into: $0) }
            }
            return true
        } catch is CheckpointError {
            return false
        }
    }

    /// Opens the file as a GGUF and as a checkpoint; when it opens, decodes the first row of every tensor.
    static func exerciseFirstRows(_ url: URL) throws -> Bool {
        do {
            let checkpoint = try Checkpoint.openGGUF(url)
            for name in checkpoint.tensorNames {
                let info = try checkpoint.info(name)
                let rows = info.rows > 0 ? 0..<1 : 0..<0
                var out = [Float](repeating: 0, count: rows.count * info.rowLength)
                try out.withUnsafeMutableBufferPointer { try checkpoint.decode(name, rows: rows, into: $0) }
            }
            return true
        } catch is CheckpointError {
            return false
        }
    }

    @Test("150 mutations of SmolLM2's real 1.8 MB header (tokenizer arrays included), data left sparse")
    func realHeader() throws {
        let model = try GGUFFile(url: TestPaths.smolLM2)
        let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: model.path)[.size] as? Int)
        let handle = try FileHandle(forReadingFrom: TestPaths.smolLM2)
        let header = [UInt8](try handle.read(upToCount: model.dataOffset) ?? Data())
        try handle.close()
        #expect(header.count == model.dataOffset)

        var rng = SeededGenerator(seed: 135)
        let dir = try TestPaths.temporaryDirectory("gguf-fuzz-real")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("mutant.gguf")
        try Data(header).write(to: url)
        let out = try FileHandle(forWritingTo: url)
        defer { try? out.close() }
        try out.truncate(atOffset: UInt64(fileSize))   // tensor data: a sparse run of zeros
        var opened = 0
        for _ in 0..<150 {
            var bytes = header
            for _ in 0..<Int.random(in: 1...3, using: &rng) { Self.mutate(&bytes, headerEnd: bytes.count, rng: &rng) }
            try out.seek(toOffset: 0)
            try out.write(contentsOf: bytes)
            if try Self.exerciseFirstRows(url) { opened += 1 }
        }
        print("SmolLM2 header fuzz: \(opened) opened, \(150 - opened) refused")
        #expect(opened < 150)
    }

    static func fuzz(_ original: [UInt8], headerEnd: Int, seed: UInt64, iterations: Int) throws -> (opened: Int, refused: Int) {
        var rng = SeededGenerator(seed: seed)
        let dir = try TestPaths.temporaryDirectory("gguf-fuzz")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("mutant.gguf")
        try Data(original).write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        // Mutations stay within the header (an 8-byte overwrite may run 7 bytes past it): rewriting
        // that prefix in place turns the file into the mutant.
        let prefix = min(original.count, headerEnd + 8)
        var opened = 0
        for _ in 0..<iterations {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) { mutate(&bytes, headerEnd: headerEnd, rng: &rng) }
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: bytes[0..<prefix])
            if try exercise(url) { opened += 1 }
        }
        return (opened, iterations - opened)
    }

    @Test("2000 mutations of the quantization fixture's header")
    func quantFixture() throws {
        let url = TestPaths.fixture("gguf-quants.gguf")
        let headerEnd = try GGUFFile(url: url).dataOffset
        let result = try Self.fuzz(Array(try Data(contentsOf: url)), headerEnd: headerEnd, seed: 0x6767_7566, iterations: 2000)
        print("quant fixture fuzz: \(result.opened) opened, \(result.refused) refused")
        #expect(result.refused > 0)
    }

    @Test("2000 mutations of a synthetic LLaMA GGUF (every metadata type, nested arrays)")
    func syntheticLlama() throws {
        let g = SyntheticGGUF.tinyLlama()
        let headerEnd = try GGUFFile(url: try g.write()).dataOffset
        let result = try Self.fuzz(g.bytes, headerEnd: headerEnd, seed: 42, iterations: 2000)
        print("synthetic LLaMA fuzz: \(result.opened) opened, \(result.refused) refused")
        #expect(result.refused > 0)
        #expect(result.opened > 0)
    }
}
