import Foundation
import HDF5
import Testing

@Suite("Files are created, reopened and never overwritten by accident")
struct FileTests {
    @Test func createdFileReopensWithItsContents() throws {
        let url = try scratchFile()
        do {
            let file = try H5File.create(url)
            _ = try file.root.writeDataset("x", [1.5, 2.5] as [Double], shape: [2])
            try file.flush()
        }
        let reopened = try H5File.open(url)
        #expect(try reopened.root.dataset("x").read(Double.self) == [1.5, 2.5])
    }

    @Test func createRefusesAnExistingFileUnlessOverwriting() throws {
        let url = try scratchFile()
        do { _ = try H5File.create(url).root.writeDataset("old", [1] as [Int32], shape: [1]) }
        #expect(throws: HDF5Error.fileExists(file: url.path)) { try H5File.create(url) }
        let replaced = try H5File.create(url, overwrite: true)
        #expect(!replaced.root.contains("old"))
    }

    @Test func openingAMissingFileSaysSo() throws {
        let url = try scratchFile("absent.h5")
        #expect(throws: HDF5Error.fileNotFound(file: url.path)) { try H5File.open(url) }
    }

    @Test func openingAFileThatIsNotHDF5SaysSo() throws {
        let url = try scratchFile("text.h5")
        try Data("just some text, no superblock\n".utf8).write(to: url)
        #expect(throws: HDF5Error.notHDF5(file: url.path)) { try H5File.open(url) }
        let error = try #require(throws: HDF5Error.self) { try H5File.open(url) }
        #expect(error.localizedDescription == "\(url.path): not an HDF5 file (no HDF5 signature)")
    }

    @Test func aReadOnlyFileRefusesWritesWithTheLibraryStack() throws {
        let url = try scratchFile()
        do { _ = try H5File.create(url) }
        let file = try H5File.open(url, writable: false)
        let error = try #require(throws: HDF5Error.self) { try file.root.createGroup("g") }
        guard case .library(let name, let path, let operation, let stack) = error else {
            Issue.record("expected a library error, got \(error)")
            return
        }
        #expect(name == url.path)
        #expect(path == "/g")
        #expect(operation == "H5Gcreate2")
        #expect(stack.contains("H5Gcreate2()"))
        #expect(error.localizedDescription.hasPrefix("\(url.path): /g: H5Gcreate2 failed: H5Gcreate2(): "))
    }

    @Test func aTruncatedFileFailsToOpenWithTheLibraryStack() throws {
        let url = try scratchFile()
        do {
            let file = try H5File.create(url)
            _ = try file.root.writeDataset("x", [Double](repeating: 1, count: 1000), shape: [1000])
        }
        let whole = try Data(contentsOf: url)
        try whole.prefix(whole.count / 2).write(to: url)
        let error = try #require(throws: HDF5Error.self) {
            let file = try H5File.open(url)
            _ = try file.root.dataset("x").read(Double.self)
        }
        guard case .library(let name, _, _, let stack) = error else {
            Issue.record("expected a library error, got \(error)")
            return
        }
        #expect(name == url.path)
        #expect(!stack.isEmpty)
    }
}
