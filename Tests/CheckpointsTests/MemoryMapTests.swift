// Decoding some rows reads only their pages: checked with mincore(2) on a sparse file with 7B-sized matrices.
import Foundation
import Testing
import TestSupport
import Checkpoints
#if canImport(Glibc)
import Glibc
#endif

/// Fraction of the pages of `bytes` (page-aligned start) that are in the page cache.
private func residentFraction(_ bytes: UnsafeRawBufferPointer) -> Double {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
    let start = UInt(bitPattern: base) & ~UInt(page - 1)
    let length = Int(UInt(bitPattern: base) - start) + bytes.count
    var vector = [UInt8](repeating: 0, count: (length + page - 1) / page)
    guard mincore(UnsafeMutableRawPointer(bitPattern: start), length, &vector) == 0 else { return -1 }
    return Double(vector.filter { $0 & 1 != 0 }.count) / Double(vector.count)
}

@Suite("Decoding rows of one layer touches none of another layer's bytes")
struct MemoryMapLocalityTests {
    @Test func sparseSevenBSizedLayers() throws {
        // Two LLaMA-7B MLP matrices (11008 × 4096 F16, 90 MB each) in a sparse file: only the header is written.
        let rows = 11008, columns = 4096, bytes = rows * columns * 2
        let header = """
        {"model.layers.0.mlp.up_proj.weight":{"dtype":"F16","shape":[\(rows),\(columns)],"data_offsets":[0,\(bytes)]},\
        "model.layers.1.mlp.up_proj.weight":{"dtype":"F16","shape":[\(rows),\(columns)],"data_offsets":[\(bytes),\(2 * bytes)]}}
        """
        let padded = header + String(repeating: " ", count: (4096 - (8 + header.utf8.count) % 4096) % 4096)
        let folder = try TestPaths.temporaryDirectory("sparse")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("layers.safetensors")
        try Data(safetensors(header: padded, data: [])).write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(8 + padded.utf8.count + 2 * bytes))
        try handle.close()

        let checkpoint = try Checkpoint.open(url)
        var out = [Float](repeating: .nan, count: 64 * columns)
        try out.withUnsafeMutableBufferPointer {
            try checkpoint.decode("model.layers.0.mlp.up_proj.weight", rows: 1000..<1064, into: $0)
        }
        #expect(out.allSatisfy { $0 == 0 })

        // A second mapping of the same file sees the page cache the decode filled.
        let file = try MappedFile(url)
        let dataStart = 8 + padded.utf8.count
        let decoded = try file.bytes(at: dataStart + 1000 * columns * 2, count: 64 * columns * 2)
        let otherLayer = try file.bytes(at: dataStart + bytes, count: bytes)
        #expect(residentFraction(decoded) == 1)
        #expect(residentFraction(otherLayer) == 0)
    }
}
