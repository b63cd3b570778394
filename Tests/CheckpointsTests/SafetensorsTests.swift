// safetensors files written byte by byte: dtypes decode, and broken headers are typed errors.
import Foundation
import Testing
import TestSupport
import Checkpoints
import Models

@Suite("A safetensors file decodes float and integer dtypes")
struct SafetensorsValueTests {
    @Test func dtypes() throws {
        // F16 1.5 = 0x3E00; BF16 −2 = 0xC000 (top half of float32 −2); I64 −5; U8 200; F64 0.25.
        let data: [UInt8] = le16(0x3E00) + le16(0xC000) + le64(UInt64(bitPattern: -5)) + [200]
            + le64(0.25.bitPattern)
        let header = """
        {"__metadata__":{"format":"pt"},"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},\
        "b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},"l":{"dtype":"I64","shape":[1,1],"data_offsets":[4,12]},\
        "u":{"dtype":"U8","shape":[1],"data_offsets":[12,13]},"d":{"dtype":"F64","shape":[],"data_offsets":[13,21]}}
        """
        let checkpoint = try Checkpoint.open(try temporaryFile("x.safetensors", safetensors(header: header, data: data)))
        #expect(checkpoint.tensorNames == ["b", "d", "h", "l", "u"])
        #expect(try checkpoint.decodeAll("h") == [1.5])
        #expect(try checkpoint.decodeAll("b") == [-2])
        #expect(try checkpoint.decodeAll("l") == [-5])
        #expect(try checkpoint.info("l").shape == [1, 1])
        #expect(try checkpoint.decodeAll("u") == [200])
        #expect(try checkpoint.decodeAll("d") == [0.25])
        #expect(try checkpoint.info("d").shape == [])
        let summary = CheckpointSummary(checkpoint)
        #expect(summary.nTensors == 5)
        #expect(summary.dtypes == ["F16": 1, "BF16": 1, "I64": 1, "U8": 1, "F64": 1])
        #expect(summary.bytes == 21)
        #expect(summary.architecture == nil)
    }
}

@Suite("A broken safetensors file is a typed error naming the file")
struct SafetensorsRefusalTests {
    private func error(_ bytes: [UInt8]) throws -> CheckpointError? {
        let url = try temporaryFile("bad.safetensors", bytes)
        do {
            _ = try Checkpoint.open(url)
            return nil
        } catch let error as CheckpointError {
            #expect(error.errorDescription?.contains(url.path) == true)
            return error
        }
    }

    @Test func unknownDType() throws {
        let e = try error(safetensors(header: #"{"x":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, data: [0, 0]))
        guard case let .unknownDType(_, tensor, dtype) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(tensor == "x")
        #expect(dtype == "F8_E4M3")
    }

    @Test func malformedJSONHeader() throws {
        let e = try error(safetensors(header: #"{"x":{"dtype":"F32","shape":[1],"#, data: [0, 0, 0, 0]))
        guard case let .malformed(_, reason) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(reason.contains("JSON"))
    }

    @Test func absurdHeaderLengthIsRefusedBeforeAllocating() throws {
        let e = try error(le64(1 << 62) + Array("{}".utf8))
        guard case let .malformed(_, reason) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(reason.contains("header length"))
    }

    @Test func headerLongerThanTheFile() throws {
        let e = try error(le64(1000) + Array("{}".utf8))
        guard case .truncated = e else { Issue.record("got \(String(describing: e))"); return }
    }

    @Test func dataPastTheEnd() throws {
        let e = try error(safetensors(header: #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [0, 0, 0, 0]))
        guard case .truncated = e else { Issue.record("got \(String(describing: e))"); return }
    }

    @Test func offsetsDisagreeingWithTheShape() throws {
        let e = try error(safetensors(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 8)))
        guard case .malformed = e else { Issue.record("got \(String(describing: e))"); return }
    }

    @Test func absurdShape() throws {
        let e = try error(safetensors(header: #"{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        guard case .malformed = e else { Issue.record("got \(String(describing: e))"); return }
    }

    @Test func wrongMagic() throws {
        let e = try error(le64(4) + Array("abcd".utf8))
        guard case .badMagic = e else { Issue.record("got \(String(describing: e))"); return }
    }
}
