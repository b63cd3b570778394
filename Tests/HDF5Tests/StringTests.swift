import Foundation
import HDF5
import Testing

@Suite("Strings are stored as variable-length UTF-8 and read back unchanged")
struct StringTests {
    static let languages = ["English", "Ελληνικά", "中文", "हिन्दी", "", "emoji 🙂 and ünïcödé"]

    @Test func stringDatasetsRoundTrip() throws {
        let url = try scratchFile()
        do { _ = try H5File.create(url).root.writeStrings("meta/languages", Self.languages) }
        #expect(try H5File.open(url).root.dataset("meta/languages").readStrings() == Self.languages)
    }

    @Test func anEmptyStringListRoundTrips() throws {
        let file = try H5File.create(try scratchFile())
        let dataset = try file.root.writeStrings("none", [])
        #expect(dataset.shape == [0])
        #expect(try dataset.readStrings() == [])
    }

    @Test func stringAndNumberDatasetsRefuseEachOthersReads() throws {
        let url = try scratchFile()
        let file = try H5File.create(url)
        let strings = try file.root.writeStrings("s", ["a"])
        #expect(throws: HDF5Error.wrongType(file: url.path, path: "/s", expected: "a dataset of numbers",
                                            found: "a dataset of strings")) {
            try strings.read(Float.self)
        }
        #expect(throws: HDF5Error.wrongType(file: url.path, path: "/s", expected: "a dataset of numbers",
                                            found: "a dataset of strings")) {
            try strings.write([1] as [Float])
        }
        let numbers = try file.root.writeDataset("n", [1] as [Float], shape: [1])
        #expect(throws: HDF5Error.wrongType(file: url.path, path: "/n", expected: "a dataset of strings",
                                            found: "a dataset of floating-point numbers")) {
            try numbers.readStrings()
        }
        let error = try #require(throws: HDF5Error.self) { try strings.read(Float.self) }
        #expect(error.localizedDescription == "\(url.path): /s is a dataset of strings, expected a dataset of numbers")
    }
}
