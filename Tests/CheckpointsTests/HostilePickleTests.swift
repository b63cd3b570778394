// Pickles built to make the interpreter do work out of proportion to their size (issue #15, item 1).
import Foundation
import Testing
import TestSupport
import Checkpoints

@Suite("A hostile pickle is refused or read in time proportional to its size")
struct HostilePickleTests {
    /// A list holding the previous level's list twice, `levels` times: every level is one memo entry, but
    /// the value seen as a tree has 2^levels leaves.
    private func doublingList(levels: Int) -> [UInt8] {
        var p = PickleWriter()
        p.proto()
        p.op(0x5D)  // EMPTY_LIST
        p.binPut(0)
        for level in 0..<levels {
            p.mark()
            p.binGet(UInt8(level))
            p.binGet(UInt8(level))
            p.op(0x6C)  // LIST
            p.binPut(UInt8(level + 1))
        }
        p.stop()
        return p.bytes
    }

    /// Opens the pickle as the data.pkl of a torch.save zip; returns the error.
    private func openError(_ pickle: [UInt8]) throws -> CheckpointError? {
        let url = try temporaryFile("hostile.bin", torchBin(pickle: pickle, storages: []))
        do {
            _ = try Checkpoint.open(url)
            return nil
        } catch let error as CheckpointError {
            return error
        }
    }

    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = Date()
        try body()
        return Date().timeIntervalSince(start)
    }

    @Test("a list shared through the memo 28 levels deep is refused as no state dict, at once")
    func memoSharedListDoesNotHang() throws {
        let pickle = doublingList(levels: 28)
        #expect(pickle.count < 478)
        var error: CheckpointError?
        let elapsed = try seconds { error = try openError(pickle) }
        // The value itself is fine (a DAG of 29 objects, no state dict); computing its depth took 18 s.
        #expect(error?.errorDescription?.contains("does not hold a state dict") == true)
        #expect(elapsed < 1)
    }

    @Test("the same list 40 levels deep is refused for its depth, naming the limit")
    func memoSharedListTooDeep() throws {
        let pickle = doublingList(levels: 40)
        let elapsed = try seconds {
            let error = try openError(pickle)
            #expect(error?.errorDescription?.contains("deeper than 32") == true)
        }
        #expect(elapsed < 1)
    }

    @Test("a memoized list appended to one item at a time is refused before the copying turns quadratic")
    func quadraticAppendsAreBounded() throws {
        var p = PickleWriter()
        p.proto()
        p.op(0x5D)  // EMPTY_LIST
        p.binPut(0)
        for _ in 0..<200_000 {
            p.int(1)
            p.op(0x61)  // APPEND
            p.binPut(0)  // the grown list is shared with the memo again, so the next APPEND copies it
        }
        p.stop()
        let elapsed = try seconds {
            let error = try openError(p.bytes)
            #expect(error?.errorDescription?.contains("copied") == true)
        }
        #expect(elapsed < 1)
    }
}
