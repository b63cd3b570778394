// torch.save zips written byte by byte: values, storage views, ZIP64, and every refusal.
import Foundation
import Testing
import TestSupport
import Checkpoints

private let storage0: [Float] = (0..<12).map { Float($0) * 0.5 - 1 }

/// Two tensors viewing one 12-element storage: `a` [2,3] at offset 0, `b` [3] at offset 7.
private func twoViews(stride: [Int]? = nil) -> [SyntheticTensor] {
    [SyntheticTensor(name: "a", storageKey: "0", storageElements: 12, shape: [2, 3], stride: stride),
     SyntheticTensor(name: "b", storageKey: "0", storageElements: 12, offset: 7, shape: [3])]
}

@Suite("A torch.save zip decodes every tensor as a view of its storage")
struct TorchBinValueTests {
    @Test(arguments: [false, true]) func viewsOfOneStorage(zip64: Bool) throws {
        let bytes = torchBin(pickle: stateDictPickle(twoViews()), storages: [("0", floatBytes(storage0))], zip64: zip64)
        let checkpoint = try Checkpoint.open(try temporaryFile("pytorch_model.bin", bytes))
        #expect(checkpoint.format == .pytorch)
        #expect(checkpoint.huggingFaceConfig == nil)
        #expect(checkpoint.tensorNames == ["a", "b"])
        #expect(try checkpoint.info("a").shape == [2, 3])
        #expect(try checkpoint.decodeAll("a") == [-1, -0.5, 0, 0.5, 1, 1.5])
        #expect(try checkpoint.decodeAll("b") == [2.5, 3, 3.5])
    }

    @Test func longMemoAndLongIntegers() throws {
        let bytes = torchBin(pickle: stateDictPickle(twoViews(), longMemo: true), storages: [("0", floatBytes(storage0))])
        let checkpoint = try Checkpoint.open(try temporaryFile("memo.bin", bytes))
        #expect(try checkpoint.decodeAll("b") == [2.5, 3, 3.5])
        #expect(try checkpoint.decodeAll("a") == [-1, -0.5, 0, 0.5, 1, 1.5])
    }

    @Test func halfAndLongStorages() throws {
        let tensors = [SyntheticTensor(name: "h", storageKey: "0", storageType: "HalfStorage", storageElements: 2, shape: [2]),
                       SyntheticTensor(name: "l", storageKey: "1", storageType: "LongStorage", storageElements: 2, shape: [2])]
        // float16 1.5 = 0x3E00, -2 = 0xC000; int64 -3 and 70000.
        let half: [UInt8] = le16(0x3E00) + le16(0xC000)
        let long: [UInt8] = le64(UInt64(bitPattern: -3)) + le64(70000)
        let url = try temporaryFile("x.bin", torchBin(pickle: stateDictPickle(tensors), storages: [("0", half), ("1", long)]))
        let checkpoint = try Checkpoint.open(url)
        #expect(try checkpoint.info("h").dtype == .f16)
        #expect(try checkpoint.decodeAll("h") == [1.5, -2])
        #expect(try checkpoint.info("l").dtype == .i64)
        #expect(try checkpoint.decodeAll("l") == [-3, 70000])
    }
}

@Suite("A torch.save zip outside what Interlingua reads is refused with a typed error")
struct TorchBinRefusalTests {
    private func openError(_ bytes: [UInt8], name: String = "bad.bin") throws -> CheckpointError? {
        let url = try temporaryFile(name, bytes)
        do {
            _ = try Checkpoint.open(url)
            return nil
        } catch let error as CheckpointError {
            #expect(error.errorDescription?.contains(url.path) == true)
            return error
        }
    }

    @Test func osSystemThroughGlobalAndReduceIsRefused() throws {
        var p = PickleWriter()
        p.proto()
        p.global("os", "system")
        p.string("echo pwned > /tmp/interlingua-pwned")
        p.op(0x85)  // TUPLE1
        p.reduce()
        p.stop()
        let error = try openError(torchBin(pickle: p.bytes, storages: []))
        guard case let .unsupported(_, reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("os.system"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/interlingua-pwned"))
    }

    @Test func opcodeOutsideTheSubsetIsRefused() throws {
        var p = PickleWriter()
        p.proto()
        p.bytes += Array("i__builtin__\neval\n".utf8)  // INST
        p.stop()
        let error = try openError(torchBin(pickle: p.bytes, storages: []))
        guard case let .unsupported(_, reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("opcode 0x69"))
    }

    @Test func nonContiguousTensorIsRefused() throws {
        let error = try openError(torchBin(pickle: stateDictPickle(twoViews(stride: [1, 2])), storages: [("0", floatBytes(storage0))]))
        guard case let .unsupported(_, reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("not contiguous"))
    }

    @Test func viewPastItsStorageIsRefused() throws {
        var tensors = twoViews()
        tensors[1].offset = 10
        let error = try openError(torchBin(pickle: stateDictPickle(tensors), storages: [("0", floatBytes(storage0))]))
        guard case .malformed = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func storageEntryShorterThanDeclaredIsRefused() throws {
        let error = try openError(torchBin(pickle: stateDictPickle(twoViews()), storages: [("0", floatBytes(Array(storage0.prefix(8))))]))
        guard case .truncated = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func compressedEntriesAreRefused() throws {
        let error = try openError(torchBin(pickle: stateDictPickle(twoViews()), storages: [("0", floatBytes(storage0))], method: 8))
        guard case let .unsupported(_, reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("compressed"))
    }

    @Test func unknownStorageTypeIsRefused() throws {
        var tensors = twoViews()
        tensors[0].storageType = "QInt8Storage"
        let error = try openError(torchBin(pickle: stateDictPickle(tensors), storages: [("0", floatBytes(storage0))]))
        guard case let .unsupported(_, reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("torch.QInt8Storage"))
    }

    @Test func wrongMagicIsRefused() throws {
        let error = try openError(Array(repeating: 0x41, count: 300))
        guard case .badMagic = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func zip64LocatorPointingOutsideTheFileIsRefused() throws {
        var bytes = torchBin(pickle: stateDictPickle(twoViews()), storages: [("0", floatBytes(storage0))], zip64: true)
        // The locator's record offset sits 22 + 20 − 8 bytes before the end.
        let at = bytes.count - 22 - 12
        bytes.replaceSubrange(at..<at + 8, with: le64(1 << 40))
        let error = try openError(bytes)
        guard case .malformed = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func everyTruncationOfAFixtureShardIsATypedError() throws {
        let shard = try [UInt8](Data(contentsOf: TestPaths.fixture("tiny-mllama/pytorch_model-00002-of-00003.bin")))
        for length in stride(from: 0, to: shard.count, by: 7919) + [shard.count - 1, shard.count - 22] {
            #expect(throws: CheckpointError.self) {
                _ = try Checkpoint.open(try temporaryFile("cut.bin", Array(shard.prefix(length))))
            }
        }
    }
}
