import Foundation
import HDF5
import Testing

@Suite("Files are created in the self-checking format: a flipped metadata byte is a checksum error, not a structure libhdf5 follows")
struct SelfCheckingFormatTests {
    @Test("The superblock is version 2 (HDF5 File Format Specification II.A), which carries a checksum")
    func superblockVersion() throws {
        let url = try scratchFile()
        do { _ = try H5File.create(url).root.writeDataset("x", [1] as [Int32], shape: [1]) }
        let bytes = [UInt8](try Data(contentsOf: url).prefix(9))
        #expect(bytes.prefix(8) == [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])
        #expect(bytes[8] == 2)
    }

    @Test("A byte flipped inside a version-2 object header (IV.A.1.b) is refused by its checksum")
    func objectHeaderChecksum() throws {
        let url = try scratchFile()
        do {
            let dataset = try H5File.create(url).root.writeStrings("ids", ["a", "bb"])
            try dataset.setAttribute("note", .string("checked"))
        }
        var bytes = try Data(contentsOf: url)
        // The last object header written is the dataset's ("OHDR", version 2, flags, …, messages, checksum).
        let signature = Data("OHDR".utf8)
        let header = try #require(bytes.ranges(of: signature).last?.lowerBound)
        bytes[header + 12] ^= 0x40
        try bytes.write(to: url)
        let error = try #require(throws: HDF5Error.self) {
            _ = try H5File.open(url).root.dataset("ids").readStrings()
        }
        #expect(error.localizedDescription.contains("checksum"), "\(error.localizedDescription)")
        #expect(error.localizedDescription.hasPrefix(url.path + ": "))
    }

    @Test("A file created here has no global heap for its string datasets (fixed-length), only for attributes")
    func noGlobalHeapForDatasets() throws {
        let url = try scratchFile()
        do { _ = try H5File.create(url).root.writeStrings("ids", (0..<50).map { "sentence-\($0)" }) }
        #expect(try Data(contentsOf: url).ranges(of: Data("GCOL".utf8)).isEmpty)
        #expect(try H5File.open(url).root.dataset("ids").readStrings() == (0..<50).map { "sentence-\($0)" })
    }
}
