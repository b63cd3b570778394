// Small GGUF files written byte by byte in the tests, and what the reader makes of well-formed ones.
import Checkpoints
import Foundation
import Testing
import TestSupport

/// A GGUF file assembled field by field (the layout of ggml `docs/gguf.md`), with knobs to break it.
struct SyntheticGGUF {
    /// A metadata value with its GGUF type code.
    indirect enum Value: Sendable {
        case u8(UInt8), i8(Int8), u16(UInt16), i16(Int16), u32(UInt32), i32(Int32), f32(Float), bool(UInt8)
        case string(String), array(type: UInt32, [Value]), u64(UInt64), i64(Int64), f64(Double)
        /// Any type code followed by raw bytes (for invalid values).
        case raw(type: UInt32, [UInt8])

        var typeCode: UInt32 {
            switch self {
            case .u8: return 0
            case .i8: return 1
            case .u16: return 2
            case .i16: return 3
            case .u32: return 4
            case .i32: return 5
            case .f32: return 6
            case .bool: return 7
            case .string: return 8
            case .array: return 9
            case .u64: return 10
            case .i64: return 11
            case .f64: return 12
            case let .raw(type, _): return type
            }
        }
    }

    struct Tensor {
        var name: String
        /// ggml's `ne`, innermost first.
        var ne: [UInt64]
        var type: UInt32
        var data: [UInt8]
        /// Written instead of the computed offset when set.
        var offset: UInt64? = nil
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var metadata: [(String, Value)] = []
    var tensors: [Tensor] = []
    var alignment = 32
    var tensorCountOverride: UInt64?
    var kvCountOverride: UInt64?

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func string(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    static func encode(_ v: Value) -> [UInt8] {
        switch v {
        case let .u8(x): return [x]
        case let .i8(x): return [UInt8(bitPattern: x)]
        case let .u16(x): return le(x)
        case let .i16(x): return le(x)
        case let .u32(x): return le(x)
        case let .i32(x): return le(x)
        case let .f32(x): return le(x.bitPattern)
        case let .bool(x): return [x]
        case let .string(s): return string(s)
        case let .array(type, xs): return le(type) + le(UInt64(xs.count)) + xs.flatMap(encode)
        case let .u64(x): return le(x)
        case let .i64(x): return le(x)
        case let .f64(x): return le(x.bitPattern)
        case let .raw(_, bytes): return bytes
        }
    }

    /// The file's bytes.
    var bytes: [UInt8] {
        var out = magic + Self.le(version)
        out += Self.le(tensorCountOverride ?? UInt64(tensors.count))
        out += Self.le(kvCountOverride ?? UInt64(metadata.count))
        for (key, value) in metadata { out += Self.string(key) + Self.le(value.typeCode) + Self.encode(value) }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset += (t.data.count + alignment - 1) / alignment * alignment
        }
        for (t, o) in zip(tensors, offsets) {
            out += Self.string(t.name) + Self.le(UInt32(t.ne.count)) + t.ne.flatMap { Self.le($0) }
            out += Self.le(t.type) + Self.le(t.offset ?? UInt64(o))
        }
        while out.count % alignment != 0 { out.append(0) }
        // Tensors follow one another, each padded to the alignment (matching `offsets`).
        for t in tensors {
            out += t.data
            out += [UInt8](repeating: 0, count: (t.data.count + alignment - 1) / alignment * alignment - t.data.count)
        }
        return out
    }

    /// Writes the file into a fresh temporary directory and returns its URL.
    func write(_ name: String = "synthetic.gguf") throws -> URL {
        let url = try TestPaths.temporaryDirectory("gguf").appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    static func f32Data(_ values: [Float]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }

    /// A tiny LLaMA: d = 8, 2 heads of 4, 1 KV head, FFN 16, vocab 6, 1 layer; tensor values are
    /// `row index` so that row permutations show. Carries one metadata value of every type.
    static func tinyLlama(withOutput: Bool = false) -> SyntheticGGUF {
        func rowsValued(_ rows: Int, _ cols: Int) -> [UInt8] {
            f32Data((0..<rows).flatMap { r in [Float](repeating: Float(r), count: cols) })
        }
        var g = SyntheticGGUF()
        g.metadata = [
            ("general.architecture", .string("llama")),
            ("llama.block_count", .u32(1)),
            ("llama.context_length", .u32(128)),
            ("llama.embedding_length", .u32(8)),
            ("llama.feed_forward_length", .u32(16)),
            ("llama.attention.head_count", .u32(2)),
            ("llama.attention.head_count_kv", .u32(1)),
            ("llama.rope.freq_base", .f32(500_000)),
            ("llama.attention.layer_norm_rms_epsilon", .f32(1e-5)),
            ("test.u8", .u8(200)), ("test.i8", .i8(-100)), ("test.u16", .u16(60_000)), ("test.i16", .i16(-30_000)),
            ("test.i32", .i32(-2_000_000_000)), ("test.u64", .u64(1 << 40)), ("test.i64", .i64(-(1 << 50))),
            ("test.f64", .f64(0.1)), ("test.bool", .bool(1)),
            ("test.strings", .array(type: 8, [.string("a"), .string(""), .string("ünï")])),
            ("test.nested", .array(type: 9, [.array(type: 4, [.u32(1), .u32(2)]), .array(type: 4, [])])),
            ("tokenizer.ggml.tokens", .array(type: 8, (0..<6).map { .string("t\($0)") })),
        ]
        g.tensors = [
            Tensor(name: "token_embd.weight", ne: [8, 6], type: 0, data: rowsValued(6, 8)),
            Tensor(name: "output_norm.weight", ne: [8], type: 0, data: f32Data([Float](repeating: 1, count: 8))),
            Tensor(name: "blk.0.attn_norm.weight", ne: [8], type: 0, data: f32Data([Float](repeating: 2, count: 8))),
            Tensor(name: "blk.0.attn_q.weight", ne: [8, 8], type: 0, data: rowsValued(8, 8)),
            Tensor(name: "blk.0.attn_k.weight", ne: [8, 4], type: 0, data: rowsValued(4, 8)),
            Tensor(name: "blk.0.attn_v.weight", ne: [8, 4], type: 0, data: rowsValued(4, 8)),
            Tensor(name: "blk.0.attn_output.weight", ne: [8, 8], type: 0, data: rowsValued(8, 8)),
            Tensor(name: "blk.0.ffn_norm.weight", ne: [8], type: 0, data: f32Data([Float](repeating: 3, count: 8))),
            Tensor(name: "blk.0.ffn_gate.weight", ne: [8, 16], type: 0, data: rowsValued(16, 8)),
            Tensor(name: "blk.0.ffn_up.weight", ne: [8, 16], type: 0, data: rowsValued(16, 8)),
            Tensor(name: "blk.0.ffn_down.weight", ne: [16, 8], type: 0, data: rowsValued(8, 16)),
        ]
        if withOutput {
            g.tensors.append(Tensor(name: "output.weight", ne: [8, 6], type: 0, data: rowsValued(6, 8)))
        }
        return g
    }
}

@Suite("A well-formed GGUF reads back exactly as written")
struct GGUFSyntheticFileTests {
    @Test("every metadata value type, arrays of strings and nested arrays read back", arguments: [2, 3] as [UInt32])
    func metadataValues(version: UInt32) throws {
        var g = SyntheticGGUF.tinyLlama()
        g.version = version
        let file = try GGUFFile(url: try g.write())
        #expect(file.version == Int(version))
        let m = file.metadata
        #expect(m["test.u8"] == .uint8(200))
        #expect(m["test.i8"] == .int8(-100))
        #expect(m["test.u16"] == .uint16(60_000))
        #expect(m["test.i16"] == .int16(-30_000))
        #expect(m["llama.block_count"] == .uint32(1))
        #expect(m["test.i32"] == .int32(-2_000_000_000))
        #expect(m["test.u64"] == .uint64(1 << 40))
        #expect(m["test.i64"] == .int64(-(1 << 50)))
        #expect(m["llama.rope.freq_base"] == .float32(500_000))
        #expect(m["test.f64"] == .float64(0.1))
        #expect(m["test.bool"] == .bool(true))
        #expect(m["test.strings"] == .array([.string("a"), .string(""), .string("ünï")]))
        #expect(m["test.nested"] == .array([.array([.uint32(1), .uint32(2)]), .array([])]))
        #expect(file.metadataKeys.first == "general.architecture")
        #expect(file.metadataKeys.count == g.metadata.count)
    }

    @Test("shapes are ne reversed, and data starts at the next multiple of general.alignment")
    func shapesAndAlignment() throws {
        var g = SyntheticGGUF()
        g.alignment = 64
        g.metadata = [("general.alignment", .u32(64))]
        g.tensors = [
            .init(name: "a", ne: [3, 2], type: 0, data: SyntheticGGUF.f32Data([1, 2, 3, 4, 5, 6])),
            .init(name: "b", ne: [2], type: 1, data: [0x00, 0x3C, 0x00, 0xC0]),   // f16 1.0, −2.0
        ]
        let bytes = g.bytes
        let file = try GGUFFile(url: try g.write())
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0 && file.dataOffset > 0)
        #expect(file.tensors["a"]?.shape == [2, 3])
        #expect(file.tensors["a"]?.dtype == .f32)
        #expect(file.tensors["b"]?.shape == [2])
        #expect(try file.fileRange(of: "a") == file.dataOffset..<(file.dataOffset + 24))
        #expect(try file.fileRange(of: "b").lowerBound == file.dataOffset + 64)
        #expect(bytes.count == file.dataOffset + 128)
        var row = [Float](repeating: 0, count: 3)
        try row.withUnsafeMutableBufferPointer { try file.decode("a", rows: 1..<2, into: $0) }
        #expect(row == [4, 5, 6])
        var b = [Float](repeating: 0, count: 2)
        try b.withUnsafeMutableBufferPointer { try file.decode("b", rows: nil, into: $0) }
        #expect(b == [1, -2])
    }

    @Test("hand-built Q8_0 and Q4_0 blocks decode to the values their layout implies")
    func handBuiltBlocks() throws {
        // Q8_0: d = 0.5 (f16 0x3800), q = −16 … 15 → y = q / 2.
        let q8: [UInt8] = [0x00, 0x38] + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
        // Q4_0: d = 2 (f16 0x4000), byte j = (15 − j) << 4 | j → y[j] = 2(j − 8), y[j + 16] = 2(7 − j).
        let q4: [UInt8] = [0x00, 0x40] + (0..<16).map { UInt8((15 - $0) << 4 | $0) }
        var g = SyntheticGGUF()
        g.tensors = [.init(name: "q8", ne: [32], type: 8, data: q8), .init(name: "q4", ne: [32], type: 2, data: q4)]
        let file = try GGUFFile(url: try g.write())
        var y = [Float](repeating: 0, count: 32)
        try y.withUnsafeMutableBufferPointer { try file.decode("q8", rows: nil, into: $0) }
        let halves: [Float] = (0..<32).map { Float($0 - 16) / 2 }
        #expect(y == halves)
        try y.withUnsafeMutableBufferPointer { try file.decode("q4", rows: nil, into: $0) }
        let low: [Float] = (0..<16).map { Float(2 * ($0 - 8)) }
        let high: [Float] = (0..<16).map { Float(2 * (7 - $0)) }
        #expect(y == low + high)
    }
}
