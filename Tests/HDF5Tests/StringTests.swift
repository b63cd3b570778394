import Foundation
import HDF5
import Testing

@Suite("String datasets are stored as fixed-length UTF-8, attributes as variable-length UTF-8, and read back unchanged")
struct StringTests {
    static let languages = ["English", "Ελληνικά", "中文", "हिन्दी", "", "emoji 🙂 and ünïcödé"]

    @Test func stringDatasetsRoundTrip() throws {
        let url = try scratchFile()
        do { _ = try H5File.create(url).root.writeStrings("meta/languages", Self.languages) }
        #expect(try H5File.open(url).root.dataset("meta/languages").readStrings() == Self.languages)
    }

    @Test("A string dataset is fixed-length, as wide as its longest value; a value as wide ends without a NUL")
    func fixedLengthDatasets() throws {
        let url = try scratchFile()
        do { _ = try H5File.create(url).root.writeStrings("codes", ["ab", "", "abcd", "€"]) }
        #expect(try H5File.open(url).root.dataset("codes").readStrings() == ["ab", "", "abcd", "€"])
        let dump = try String(decoding: runH5dump(["-d", "/codes", url.path]), as: UTF8.self)
        #expect(dump.contains("STRSIZE 4;"), "\(dump)")
        #expect(dump.contains("H5T_STR_NULLPAD"), "\(dump)")
    }

    @Test("Strings whose padding would cost over 4× their own size (and 1 MiB) are stored variable-length")
    func oneLongOutlierKeepsVariableLength() throws {
        let url = try scratchFile()
        let values = [String(repeating: "x", count: 1 << 20)] + (0..<100).map { "\($0)" }
        do { _ = try H5File.create(url).root.writeStrings("texts", values) }
        #expect(try H5File.open(url).root.dataset("texts").readStrings() == values)
        let dump = try String(decoding: runH5dump(["-H", "-d", "/texts", url.path]), as: UTF8.self)
        #expect(dump.contains("STRSIZE H5T_VARIABLE"), "\(dump)")
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

/// `h5dump ARGUMENTS` (Debian's hdf5-tools), its stdout.
private func runH5dump(_ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/h5dump")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
}
