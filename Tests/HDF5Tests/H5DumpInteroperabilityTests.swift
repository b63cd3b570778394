import Foundation
import HDF5
import Testing

/// Writes a file with every feature of the module, then checks what `h5dump` (from Debian's `hdf5-tools`,
/// an independent reader) prints about it: properties with `h5dump -p -H -d <path>`, data with
/// `h5dump -d <path>` and attributes with `h5dump -a <path>`.
@Suite("h5dump sees shapes, chunks, filters, attributes and UTF-8 strings as written")
struct H5DumpInteroperabilityTests {
    static let languages = ["Ελληνικά", "中文", "हिन्दी", "English"]

    /// One file using every feature: nested groups on demand, a growable chunked float32 dataset with
    /// shuffle + deflate filled by appends and a hyperslab write, fixed-shape datasets of the other
    /// element types, a string dataset, and attributes of every kind on the root, a group and a dataset.
    static func writeEveryFeature(to url: URL) throws {
        let file = try H5File.create(url)
        let root = file.root
        try root.setAttribute("format_version", .int(1))
        try root.setAttribute("title", .string("Ελληνικά"))
        let group = try root.createGroup("runs/smollm2")
        try group.setAttribute("layers", .ints([0, 15, 30]))
        try group.setAttribute("weights", .doubles([0.25, 0.5]))
        try group.setAttribute("languages", .strings(languages))
        try group.setAttribute("temperature", .double(0.75))

        let residual = try group.createDataset("residual", of: Float.self, shape: [0, 4, 8], maxShape: [nil, 4, 8],
                                               chunk: [1, 4, 8], deflate: 4, shuffle: true)
        try residual.append((0..<64).map(Float.init), rows: 2)
        try residual.append((64..<96).map(Float.init), rows: 1)
        try [Float](repeating: -1, count: 8).withUnsafeBufferPointer {
            try residual.write($0, offset: [2, 3, 0], count: [1, 1, 8])
        }
        try residual.setAttribute("units", .string("中文"))
        _ = try group.writeDataset("token_ids", (0..<6).map { Int32($0) * 1000 }, shape: [2, 3])
        _ = try group.writeDataset("offsets", [Int64(1) << 40, -5], shape: [2], chunk: [1], deflate: 9)
        _ = try group.writeDataset("norms", [0.5, 0.125], shape: [2])
        _ = try group.writeStrings("languages", languages)
        try file.flush()
    }

    @Test func propertiesOfTheGrowableFilteredDataset() throws {
        let url = try scratchFile()
        try Self.writeEveryFeature(to: url)
        let dump = try h5dump(["-p", "-H", "-d", "/runs/smollm2/residual", url.path])
        #expect(dump.contains("DATATYPE  H5T_IEEE_F32LE"))
        #expect(dump.contains("DATASPACE  SIMPLE { ( 3, 4, 8 ) / ( H5S_UNLIMITED, 4, 8 ) }"))
        #expect(dump.contains("CHUNKED ( 1, 4, 8 )"))
        #expect(dump.contains("PREPROCESSING SHUFFLE"))
        #expect(dump.contains("COMPRESSION DEFLATE { LEVEL 4 }"))
        // Shuffle must run before deflate to help it.
        let shuffle = try #require(dump.range(of: "SHUFFLE")), deflate = try #require(dump.range(of: "DEFLATE"))
        #expect(shuffle.lowerBound < deflate.lowerBound)
    }

    @Test func propertiesOfTheFixedDatasets() throws {
        let url = try scratchFile()
        try Self.writeEveryFeature(to: url)
        let ids = try h5dump(["-p", "-H", "-d", "/runs/smollm2/token_ids", url.path])
        #expect(ids.contains("DATATYPE  H5T_STD_I32LE"))
        #expect(ids.contains("DATASPACE  SIMPLE { ( 2, 3 ) / ( 2, 3 ) }"))
        #expect(ids.contains("CONTIGUOUS"))
        let offsets = try h5dump(["-p", "-H", "-d", "/runs/smollm2/offsets", url.path])
        #expect(offsets.contains("DATATYPE  H5T_STD_I64LE"))
        #expect(offsets.contains("CHUNKED ( 1 )"))
        #expect(offsets.contains("COMPRESSION DEFLATE { LEVEL 9 }"))
        let norms = try h5dump(["-p", "-H", "-d", "/runs/smollm2/norms", url.path])
        #expect(norms.contains("DATATYPE  H5T_IEEE_F64LE"))
    }

    @Test func numericValuesIncludingAppendsAndTheHyperslab() throws {
        let url = try scratchFile()
        try Self.writeEveryFeature(to: url)
        let residual = try dataValues(try h5dump(["-d", "/runs/smollm2/residual", url.path]))
        var expected = (0..<96).map(Double.init)
        for k in 0..<8 { expected[2 * 32 + 3 * 8 + k] = -1 }
        #expect(residual == expected)
        let ids = try dataValues(try h5dump(["-d", "/runs/smollm2/token_ids", url.path]))
        #expect(ids == [0, 1000, 2000, 3000, 4000, 5000])
        let offsets = try h5dump(["-d", "/runs/smollm2/offsets", url.path])
        #expect(offsets.contains("1099511627776, -5"))
    }

    @Test func utf8StringDatasetAndAttributes() throws {
        let url = try scratchFile()
        try Self.writeEveryFeature(to: url)
        let dataset = try h5dump(["-d", "/runs/smollm2/languages", url.path])
        // String datasets are fixed-length (their longest value), NUL-padded: h5dump shows the padding.
        let longest = Self.languages.map(\.utf8.count).max() ?? 0
        #expect(dataset.contains("STRSIZE \(longest);"))
        #expect(dataset.contains("STRPAD H5T_STR_NULLPAD"))
        #expect(dataset.contains("CSET H5T_CSET_UTF8"))
        #expect(try quotedStrings(dataset).map { String($0.reversed().drop { $0 == "\0" }.reversed()) } == Self.languages)
        let title = try h5dump(["-a", "/title", url.path])
        #expect(try quotedStrings(title) == ["Ελληνικά"])
        let units = try h5dump(["-a", "/runs/smollm2/residual/units", url.path])
        #expect(try quotedStrings(units) == ["中文"])
        let names = try h5dump(["-a", "/runs/smollm2/languages", url.path])
        #expect(names.contains("DATASPACE  SIMPLE { ( 4 ) / ( 4 ) }"))
        #expect(try quotedStrings(names) == Self.languages)
    }

    @Test func numericAttributes() throws {
        let url = try scratchFile()
        try Self.writeEveryFeature(to: url)
        let version = try h5dump(["-a", "/format_version", url.path])
        #expect(version.contains("DATATYPE  H5T_STD_I64LE"))
        #expect(version.contains("DATASPACE  SCALAR"))
        #expect(try dataValues(version) == [1])
        let layers = try h5dump(["-a", "/runs/smollm2/layers", url.path])
        #expect(layers.contains("DATASPACE  SIMPLE { ( 3 ) / ( 3 ) }"))
        #expect(try dataValues(layers) == [0, 15, 30])
        let weights = try h5dump(["-a", "/runs/smollm2/weights", url.path])
        #expect(weights.contains("DATATYPE  H5T_IEEE_F64LE"))
        #expect(try dataValues(weights) == [0.25, 0.5])
        #expect(try dataValues(try h5dump(["-a", "/runs/smollm2/temperature", url.path])) == [0.75])
    }
}

// MARK: - Running and reading h5dump

/// The standard output of `h5dump arguments`; fails the test when h5dump is missing or fails.
private func h5dump(_ arguments: [String]) throws -> String {
    let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    let candidates = searchPath.split(separator: ":").map { "\($0)/h5dump" }
    let executable = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
                                  "h5dump not found on PATH: install hdf5-tools (make setup does)")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "h5dump \(arguments.joined(separator: " ")) failed")
    return String(decoding: data, as: UTF8.self)
}

/// The body of the `DATA { … }` block of a dump.
private func dataBlock(_ dump: String) throws -> Substring {
    let start = try #require(dump.range(of: "DATA {"), "no DATA block in:\n\(dump)")
    let end = try #require(dump[start.upperBound...].range(of: "}"))
    return dump[start.upperBound..<end.lowerBound]
}

/// The numbers of a `DATA` block, in order, without the `(i,j):` position labels.
private func dataValues(_ dump: String) throws -> [Double] {
    var block = String(try dataBlock(dump))
    while let label = block.range(of: #"\([0-9,]+\):"#, options: .regularExpression) {
        block.removeSubrange(label)
    }
    return block.split(whereSeparator: { $0 == "," || $0.isWhitespace }).compactMap { Double($0) }
}

/// The quoted strings of a `DATA` block, unescaped to their bytes and decoded as UTF-8. h5dump 1.10
/// prints every byte above 0x7F as an octal escape of the sign-extended `char` (0xCE becomes
/// `\37777777716`); the low 8 bits of the escape are the byte. Newer h5dump versions print the bytes as
/// they are, which this reads too.
private func quotedStrings(_ dump: String) throws -> [String] {
    let block = Array(try dataBlock(dump).utf8)
    var strings: [String] = []
    var index = 0
    while index < block.count {
        guard block[index] == UInt8(ascii: "\"") else { index += 1; continue }
        index += 1
        var bytes: [UInt8] = []
        while index < block.count, block[index] != UInt8(ascii: "\"") {
            if block[index] == UInt8(ascii: "\\"), index + 1 < block.count {
                index += 1
                var octal = 0, digits = 0
                while index < block.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(block[index]) {
                    octal = octal * 8 + Int(block[index] - UInt8(ascii: "0"))
                    digits += 1
                    index += 1
                }
                if digits > 0 { bytes.append(UInt8(octal & 0xFF)) } else { bytes.append(block[index]); index += 1 }
            } else {
                bytes.append(block[index])
                index += 1
            }
        }
        strings.append(String(decoding: bytes, as: UTF8.self))
        index += 1
    }
    return strings
}
