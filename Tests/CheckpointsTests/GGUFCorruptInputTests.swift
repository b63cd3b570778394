// Broken GGUF files are refused with a typed error naming the file and the problem.
import Checkpoints
import Foundation
import Testing
import TestSupport

/// Opens `g` and returns the error it throws (nil when it opens).
private func openError(_ g: SyntheticGGUF) throws -> CheckpointError? {
    let url = try g.write()
    do {
        _ = try GGUFFile(url: url)
        return nil
    } catch let e as CheckpointError {
        #expect(e.errorDescription?.contains(url.path) == true, "message should name the file: \(e)")
        return e
    }
}

/// A one-tensor file with a valid F32 [2, 4] tensor.
private func oneTensor() -> SyntheticGGUF {
    var g = SyntheticGGUF()
    g.metadata = [("general.architecture", .string("test"))]
    g.tensors = [.init(name: "w", ne: [4, 2], type: 0, data: SyntheticGGUF.f32Data([1, 2, 3, 4, 5, 6, 7, 8]))]
    return g
}

private func isMalformed(_ e: CheckpointError?) -> Bool {
    if case .malformed = e { return true } else { return false }
}

private func isTruncated(_ e: CheckpointError?) -> Bool {
    if case .truncated = e { return true } else { return false }
}

@Suite("A GGUF with a bad header is refused with a typed error")
struct GGUFBadHeaderTests {
    @Test("wrong magic")
    func wrongMagic() throws {
        var g = oneTensor()
        g.magic = Array("GGML".utf8)
        let e = try openError(g)
        if case .badMagic(_, "GGUF") = e {} else { Issue.record("expected badMagic, got \(String(describing: e))") }
    }

    @Test("version 1 and versions after 3 are refused, naming the version", arguments: [1, 4, 0x0300] as [UInt32])
    func unsupportedVersions(version: UInt32) throws {
        var g = oneTensor()
        g.version = version
        let e = try openError(g)
        if case .unsupportedVersion(_, Int(version)) = e {} else {
            Issue.record("expected unsupportedVersion(\(version)), got \(String(describing: e))")
        }
    }

    @Test("a byte-swapped (big-endian) version is refused as big-endian")
    func bigEndian() throws {
        var g = oneTensor()
        g.version = UInt32(3).byteSwapped
        let e = try openError(g)
        #expect(e?.errorDescription?.contains("big-endian") == true)
    }

    @Test("an empty file and every truncation inside the header are truncated or malformed")
    func truncatedHeaders() throws {
        let bytes = oneTensor().bytes
        let file = try GGUFFile(url: try oneTensor().write())
        let dir = try TestPaths.temporaryDirectory("gguf-truncated")
        for length in 0..<(file.dataOffset + 32) {
            let url = dir.appendingPathComponent("cut.gguf")
            try Data(bytes.prefix(length)).write(to: url)
            do {
                _ = try GGUFFile(url: url)
                Issue.record("a file cut at \(length) of \(bytes.count) bytes opened")
            } catch let e as CheckpointError {
                #expect(isTruncated(e) || isMalformed(e), "cut at \(length): \(e)")
            }
        }
    }

    @Test("absurd tensor and metadata counts are refused before anything is allocated",
          arguments: [UInt64.max, 1 << 62, 1 << 32, 1000])
    func absurdCounts(count: UInt64) throws {
        var tensors = oneTensor()
        tensors.tensorCountOverride = count
        #expect(isMalformed(try openError(tensors)))
        var kvs = oneTensor()
        kvs.kvCountOverride = count
        #expect(isMalformed(try openError(kvs)))
    }

    @Test("absurd string and array lengths are refused")
    func absurdLengths() throws {
        var key = oneTensor()
        // A string value whose length field claims 2^60 bytes.
        key.metadata.append(("s", .raw(type: 8, SyntheticGGUF.le(UInt64(1) << 60) + [0x41])))
        #expect(isMalformed(try openError(key)))

        var array = oneTensor()
        array.metadata.append(("a", .raw(type: 9, SyntheticGGUF.le(UInt32(4)) + SyntheticGGUF.le(UInt64(1) << 40))))
        #expect(isMalformed(try openError(array)))

        var nested = oneTensor()
        var value = SyntheticGGUF.Value.array(type: 4, [.u32(1)])
        for _ in 0..<12 { value = .array(type: 9, [value]) }
        nested.metadata.append(("deep", value))
        #expect(isMalformed(try openError(nested)))
    }

    @Test("unknown metadata value types, invalid bools and duplicate keys are malformed")
    func badMetadataValues() throws {
        var type = oneTensor()
        type.metadata.append(("x", .raw(type: 13, [0, 0, 0, 0])))
        #expect(isMalformed(try openError(type)))
        var bool = oneTensor()
        bool.metadata.append(("b", .bool(7)))
        #expect(isMalformed(try openError(bool)))
        var duplicate = oneTensor()
        duplicate.metadata.append(("general.architecture", .string("again")))
        #expect(isMalformed(try openError(duplicate)))
    }

    @Test("general.alignment must be a u32 power of two", arguments: [
        SyntheticGGUF.Value.u32(0), .u32(48), .u64(32), .string("32"),
    ])
    func badAlignment(value: SyntheticGGUF.Value) throws {
        var g = oneTensor()
        g.metadata.append(("general.alignment", value))
        #expect(isMalformed(try openError(g)))
    }
}

@Suite("A GGUF with bad tensor infos is refused with a typed error")
struct GGUFBadTensorInfoTests {
    @Test("tensor data past the end of the file is truncated")
    func dataPastEnd() throws {
        var g = oneTensor()
        g.tensors[0].offset = 1 << 20
        #expect(isTruncated(try openError(g)))
        var cut = oneTensor()
        cut.tensors[0].ne = [4, 200]
        #expect(isTruncated(try openError(cut)))
    }

    @Test("absurd dimensions whose product overflows are malformed, as are 0 or 5 dimensions")
    func absurdDimensions() throws {
        for ne in [[UInt64(1) << 40, 1 << 40], [UInt64.max], [], [1, 1, 1, 1, 1]] as [[UInt64]] {
            var g = oneTensor()
            g.tensors[0].ne = ne
            #expect(isMalformed(try openError(g)), "ne \(ne)")
        }
    }

    @Test("a quantized row that is not whole blocks is malformed")
    func partialBlocks() throws {
        var g = SyntheticGGUF()
        g.tensors = [.init(name: "q", ne: [16, 2], type: 8, data: [UInt8](repeating: 0, count: 34))]
        #expect(isMalformed(try openError(g)))
    }

    @Test("a misaligned tensor offset and a duplicate tensor name are malformed")
    func misalignedAndDuplicate() throws {
        var g = oneTensor()
        g.tensors[0].offset = 4
        #expect(isMalformed(try openError(g)))
        var d = oneTensor()
        d.tensors.append(d.tensors[0])
        #expect(isMalformed(try openError(d)))
    }

    @Test("ggml types Interlingua does not decode are unknownDType naming the type",
          arguments: [(16 as UInt32, "IQ2_XXS (ggml type 16)"), (99, "unknown (ggml type 99)"), (9, "Q8_1 (ggml type 9)")])
    func unknownTypes(code: UInt32, name: String) throws {
        var g = oneTensor()
        g.tensors[0].type = code
        let e = try openError(g)
        if case .unknownDType(_, "w", name) = e {} else { Issue.record("expected unknownDType \(name), got \(String(describing: e))") }
    }

    @Test("row ranges outside the tensor and too-small output buffers are errors, not crashes")
    func badDecodeRequests() throws {
        let file = try GGUFFile(url: try oneTensor().write())
        var small = [Float](repeating: 0, count: 3)
        #expect(throws: CheckpointError.self) {
            try small.withUnsafeMutableBufferPointer { try file.decode("w", rows: nil, into: $0) }
        }
        #expect(throws: CheckpointError.self) {
            try small.withUnsafeMutableBufferPointer { try file.decode("w", rows: 1..<3, into: $0) }
        }
        #expect(throws: CheckpointError.self) { _ = try file.rawBytes("w", rows: -1..<1) }
        #expect(throws: CheckpointError.tensorNotFound(file: file.path, tensor: "nope")) {
            _ = try file.rawBytes("nope", rows: nil)
        }
    }
}
