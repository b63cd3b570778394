// Test-side reader of GGUF key/value metadata, so tokenizer tests do not wait for the Checkpoints reader.
import Checkpoints
import Foundation

/// GGUF v2/v3 header: magic "GGUF", version u32, tensor count u64, kv count u64, then key/value pairs
/// (key: u64 length + bytes; type u32; value). Only the metadata is read.
enum TestGGUFMetadata {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func read(_ url: URL) throws -> [String: MetadataValue] {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [String: MetadataValue] in
            var p = 0
            func need(_ n: Int) throws { if p + n > raw.count { throw Failure(description: "truncated at \(p)") } }
            func u32() throws -> UInt32 { try need(4); defer { p += 4 }; return raw.loadUnaligned(fromByteOffset: p, as: UInt32.self) }
            func u64() throws -> UInt64 { try need(8); defer { p += 8 }; return raw.loadUnaligned(fromByteOffset: p, as: UInt64.self) }
            func string() throws -> String {
                let n = Int(try u64()); try need(n)
                defer { p += n }
                return String(decoding: UnsafeRawBufferPointer(start: raw.baseAddress.map { $0 + p }, count: n), as: UTF8.self)
            }
            func value(_ type: UInt32) throws -> MetadataValue {
                switch type {
                case 0: try need(1); defer { p += 1 }; return .uint8(raw[p])
                case 1: try need(1); defer { p += 1 }; return .int8(Int8(bitPattern: raw[p]))
                case 2: try need(2); defer { p += 2 }; return .uint16(raw.loadUnaligned(fromByteOffset: p, as: UInt16.self))
                case 3: try need(2); defer { p += 2 }; return .int16(raw.loadUnaligned(fromByteOffset: p, as: Int16.self))
                case 4: return .uint32(try u32())
                case 5: return .int32(Int32(bitPattern: try u32()))
                case 6: return .float32(Float(bitPattern: try u32()))
                case 7: try need(1); defer { p += 1 }; return .bool(raw[p] != 0)
                case 8: return .string(try string())
                case 9:
                    let t = try u32(); let n = Int(try u64())
                    guard n <= raw.count else { throw Failure(description: "array too long") }
                    var a: [MetadataValue] = []; a.reserveCapacity(n)
                    for _ in 0..<n { a.append(try value(t)) }
                    return .array(a)
                case 10: return .uint64(try u64())
                case 11: return .int64(Int64(bitPattern: try u64()))
                case 12: return .float64(Double(bitPattern: try u64()))
                default: throw Failure(description: "unknown type \(type)")
                }
            }
            try need(4)
            guard raw[0] == 0x47, raw[1] == 0x47, raw[2] == 0x55, raw[3] == 0x46 else { throw Failure(description: "not GGUF") }
            p = 4
            _ = try u32(); _ = try u64()
            let count = try u64()
            var metadata: [String: MetadataValue] = [:]
            for _ in 0..<count {
                let key = try string()
                metadata[key] = try value(try u32())
            }
            return metadata
        }
    }

    /// Metadata of the cached model, read once per test process.
    static let smolLM2: Result<[String: MetadataValue], Error> = Result { try read(TestPaths.smolLM2) }
    static let gemma3: Result<[String: MetadataValue], Error> = Result { try read(TestPaths.gemma3) }
}

import TestSupport
