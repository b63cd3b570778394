// Byte flips in the HDF5 metadata of the files the tool reads (#15.6): each must end in one error line
// naming the file, or in a normal result — never a signal, never a hang.
import Foundation
import HDF5
import Testing
import TestSupport

/// The outcome of one run with a time limit: exit status, or the signal that ended it, or nil (killed
/// after `limit`: it hung).
private struct LimitedRun {
    var status: Int32?
    var signal: Int32?
    var stderr: String
}

/// Runs the `interlingua` binary with `arguments`, killing it after `limit` seconds. The limit is only a
/// hang detector: it is far above any run's normal time (a fraction of a second) and never a measurement.
private func runLimited(_ arguments: [String], limit: Double) throws -> LimitedRun {
    let binary = try #require(CLI.binary, "build the binary first: swift build -c release")
    let scratch = try TestPaths.temporaryDirectory("cli-flip-run")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let err = scratch.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = scratch
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_NUM_THREADS"] = "1"
    process.environment = environment
    let handle = try FileHandle(forWritingTo: err)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = handle
    try process.run()
    let deadline = Date().addingTimeInterval(limit)
    while process.isRunning && Date() < deadline { usleep(2_000) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try handle.close()
        return LimitedRun(status: nil, signal: nil, stderr: "")
    }
    try handle.close()
    let stderr = String(decoding: try Data(contentsOf: err), as: UTF8.self)
    if process.terminationReason == .uncaughtSignal {
        return LimitedRun(status: nil, signal: process.terminationStatus, stderr: stderr)
    }
    return LimitedRun(status: process.terminationStatus, signal: nil, stderr: stderr)
}

/// Every byte range of `url` holding a contiguous dataset's raw data; everything else is metadata
/// (superblock, object headers, B-trees, heaps, global heap collections, free space).
private func rawDataRanges(_ url: URL) throws -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    func visit(_ group: H5Group) throws {
        for name in try group.memberNames() {
            if let dataset = try? group.dataset(name) {
                if let storage = dataset.contiguousStorage { ranges.append(storage) }
            } else if let child = try? group.group(name) {
                try visit(child)
            }
        }
    }
    try visit(try H5File.open(url).root)
    return ranges
}

/// The files of the scan and the command that reads each.
enum FlippedFile: String, CaseIterable, CustomTestStringConvertible {
    /// An activation file written by `interlingua trace` (the self-checking format).
    case traced
    /// A lens file written by `interlingua lens`.
    case lens
    /// The alignment fixture, an activation file in HDF5's earliest format with variable-length strings
    /// (global heap, no checksums): the probe's case.
    case earliestFormat

    var testDescription: String { rawValue }

    /// The unflipped file.
    func original(in dir: URL) throws -> URL {
        switch self {
        case .traced:
            return TracedFixture.activations
        case .lens:
            let tasks = dir.appendingPathComponent("tasks.jsonl"), lens = dir.appendingPathComponent("lens.h5")
            let words = TestPaths.repository.appendingPathComponent("notebooks-data/django-ui-words-12lang.tsv").path
            _ = try CLI.run(["lens-tasks", words, "--source", "fr", "--target", "zh", "--shots", "2",
                             "--output", tasks.path])
            _ = try CLI.run(["lens", CLI.model, tasks.path, "--output", lens.path, "--top-k", "3", "--limit", "6"])
            return lens
        case .earliestFormat:
            return TestPaths.fixture("alignment/activations.h5")
        }
    }

    /// The reading command for `file`, writing into `output`.
    func command(_ file: URL, output: URL) -> [String] {
        switch self {
        case .traced, .earliestFormat:
            return ["align", file.path, "--output", output.path, "--knn-k", "3", "--bootstrap", "0", "--quiet"]
        case .lens:
            return ["plot", file.path, "--output", output.path]
        }
    }
}

@Suite("A byte flipped in the HDF5 metadata of an activation or lens file ends in one error line naming the file, or a normal result: never a crash or a hang")
struct CorruptMetadataTests {
    /// Flips per file: 3 files × 30 runs of a fraction of a second each.
    static let flips = 30

    @Test(arguments: FlippedFile.allCases)
    func flippedMetadata(kind: FlippedFile) throws {
        let dir = try TestPaths.temporaryDirectory("cli-flip")
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try kind.original(in: dir)
        let bytes = try Data(contentsOf: original)
        #expect(bytes.count > 0)
        var isRaw = [Bool](repeating: false, count: bytes.count)
        for range in try rawDataRanges(original) {
            for offset in range.clamped(to: 0 ..< bytes.count) { isRaw[offset] = true }
        }
        let metadata = bytes.indices.filter { !isRaw[$0] }
        #expect(metadata.count > 1000, "\(original.path): \(metadata.count) metadata bytes")

        // The unflipped file reads normally.
        let clean = try runLimited(kind.command(original, output: dir.appendingPathComponent("clean")), limit: 60)
        #expect(clean.status == 0, "\(clean.stderr)")

        var generator = SeededGenerator(seed: 15_006 + UInt64(FlippedFile.allCases.firstIndex(of: kind) ?? 0))
        let flipped = dir.appendingPathComponent("flipped.h5")
        var outcomes: [String: Int] = [:]
        for run in 0..<Self.flips {
            let offset = metadata[Int(generator.next() % UInt64(metadata.count))]
            let mask = UInt8(1 + generator.next() % 255)
            var copy = bytes
            copy[offset] ^= mask
            try copy.write(to: flipped)
            let output = dir.appendingPathComponent("out-\(run)")
            let result = try runLimited(kind.command(flipped, output: output), limit: 60)
            let lines = result.stderr.split(separator: "\n").map(String.init)
            let place = "byte \(offset) ^ \(mask) of \(kind.rawValue)"
            #expect(result.signal == nil, "\(place): signal \(result.signal ?? 0): \(result.stderr.prefix(600))")
            #expect(result.status != nil || result.signal != nil, "\(place): still running after 60 s")
            if result.status == 0 {
                outcomes["ok", default: 0] += 1
            } else if let status = result.status {
                outcomes["error", default: 0] += 1
                #expect(status == 1, "\(place): exit \(status): \(result.stderr.prefix(600))")
                #expect(lines.count == 1 && lines[0].hasPrefix("error: \(flipped.path): "),
                        "\(place): \(result.stderr.prefix(600))")
            }
            try? FileManager.default.removeItem(at: output)
        }
        // Both kinds occur: the scan does reach structures that matter.
        #expect(outcomes["error", default: 0] > 0, "\(outcomes)")
    }

    /// The global heap collection of the earliest-format fixture (HDF5 File Format Specification III.E:
    /// "GCOL", version, 3 reserved, collection size (8); then per object: index (2), reference count (2),
    /// reserved (4), object size (8), data padded to 8; index 0 = free space, its size counting its header).
    private static func flippedCollection(_ tag: String, _ edit: (inout Data, _ collection: Int) throws -> Void) throws -> LimitedRun {
        try flippedFixture(tag) { bytes in
            let collection = try #require(bytes.ranges(of: Data("GCOL".utf8)).first?.lowerBound)
            try edit(&bytes, collection)
        }
    }

    /// `align` on the earliest-format fixture edited by `edit`; the file's path reads FILE in `stderr`.
    private static func flippedFixture(_ tag: String, _ edit: (inout Data) throws -> Void) throws -> LimitedRun {
        let dir = try TestPaths.temporaryDirectory(tag)
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = try Data(contentsOf: TestPaths.fixture("alignment/activations.h5"))
        try edit(&bytes)
        let flipped = dir.appendingPathComponent("flipped.h5")
        try bytes.write(to: flipped)
        var result = try runLimited(FlippedFile.earliestFormat.command(flipped, output: dir.appendingPathComponent("out")),
                                    limit: 60)
        result.stderr = result.stderr.replacingOccurrences(of: flipped.path, with: "FILE")
        return result
    }

    /// Object 1's size with its second byte flipped (23 → 32,791): libhdf5 1.10.8 would copy 32 KiB out of a 4 KiB
    /// collection reading the variable-length strings (SIGSEGV).
    @Test("A global-heap object size past its collection's end is refused by name before libhdf5 reads it")
    func globalHeapObjectSize() throws {
        let result = try Self.flippedCollection("cli-flip-gcol") { bytes, collection in bytes[collection + 16 + 8 + 1] ^= 0x80 }
        #expect(result.signal == nil)
        #expect(result.status == 1)
        #expect(result.stderr == "error: FILE: corrupt HDF5 metadata: object 1 of the global heap collection at byte \(2048) has size 32791, past the collection's end (4064 bytes remain)\n")
    }

    /// The free-space object's size set to 0: libhdf5 1.10.8's collection decoder steps by 0 bytes forever
    /// (the hang of the earlier scans).
    @Test("A global-heap free space of size 0 is refused by name instead of looping in libhdf5")
    func globalHeapFreeSpaceOfSizeZero() throws {
        let result = try Self.flippedCollection("cli-flip-gcol-free") { bytes, collection in
            var object = collection + 16
            let end = collection + Int(bytes[collection + 8]) | Int(bytes[collection + 9]) << 8 | Int(bytes[collection + 10]) << 16
            while object + 16 <= end {
                let index = Int(bytes[object]) | Int(bytes[object + 1]) << 8
                let size = (0..<8).reduce(0) { $0 | Int(bytes[object + 8 + $1]) << (8 * $1) }
                if index == 0 {
                    for k in 0..<8 { bytes[object + 8 + k] = 0 }
                    return
                }
                object += 16 + (size + 7) & ~7
            }
            Issue.record("no free-space object in the collection")
        }
        #expect(result.signal == nil)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: FILE: corrupt HDF5 metadata: the free space of the global heap collection at byte 2048 has size 0"), "\(result.stderr)")
    }

    /// The datatype of the root's last attribute (`complete`) given version 10, so that its attribute message
    /// does not decode (attribute message version 1, IV.A.2.m: name at byte 8, padded to 8; then the
    /// datatype, whose first byte holds class and version, IV.A.2.d). libhdf5 1.10.8's H5Aiterate2 then
    /// closed uninitialised slots of its attribute table: the SIGSEGVs of the scans at bytes 6360 and 6537.
    @Test("A root attribute whose datatype does not decode ends in one line, not a crash in H5Aiterate2")
    func undecodableRootAttribute() throws {
        let result = try Self.flippedFixture("cli-flip-attribute") { bytes in
            let name = try #require(bytes.ranges(of: Data("complete\0".utf8)).first?.lowerBound)
            #expect(bytes[name + 16] == 0x10)
            bytes[name + 16] ^= 0xb0
        }
        #expect(result.signal == nil)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: FILE: "), "\(result.stderr)")
    }

    /// The element count of the root attribute `format` (a variable-length string: count (4), collection
    /// address (8), object index (4) after the attribute message's padded name, datatype and dataspace)
    /// with its high byte flipped: 23 → 1,040,187,415. libhdf5 1.10.8 would allocate, clear and copy a
    /// gigabyte for it (seconds; the scan's "hang" at byte 1323 of an earliest-format traced file).
    @Test("A variable-length attribute value longer than its global heap object is refused by name before libhdf5 reads it")
    func variableLengthCountPastItsObject() throws {
        var data = 0
        let result = try Self.flippedFixture("cli-flip-vlen-count") { bytes in
            let name = try #require(bytes.ranges(of: Data("format\0".utf8)).first?.lowerBound)
            let body = name - 8
            let original = bytes
            let field = { (offset: Int) in Int(original[body + offset]) | Int(original[body + offset + 1]) << 8 }
            let padded = { (size: Int) in (size + 7) & ~7 }
            #expect(bytes[body] == 1 && field(2) == 7, "attribute message version 1, name size 7")
            data = body + 8 + padded(field(2)) + padded(field(4)) + padded(field(6))
            #expect(bytes[data] == 23 && bytes[data + 3] == 0, "'interlingua.activations' has 23 bytes")
            bytes[data + 3] ^= 0x3e
        }
        #expect(result.signal == nil)
        #expect(result.status == 1)
        #expect(result.stderr == "error: FILE: corrupt HDF5 metadata: the variable-length attribute value at byte \(data) claims 1040187415 elements, but its object (1 of the global heap collection at byte 2048) holds 23 bytes\n", "\(result.stderr)")
    }

    /// The high byte of the datatype size of the root attribute `complete` flipped (attribute message
    /// version 1: name size, datatype size, dataspace size at bytes 2, 4, 6): libhdf5 1.10.8 would decode the
    /// dataspace and copy the value from past the message (a SIGSEGV of the scans at byte 1853 of an
    /// earliest-format traced file, which the probe child survived).
    @Test("An attribute message whose parts run past its end is refused by name before libhdf5 decodes it")
    func attributePartsPastTheMessage() throws {
        var expected = ""
        let result = try Self.flippedFixture("cli-flip-attribute-size") { bytes in
            let name = try #require(bytes.ranges(of: Data("complete\0".utf8)).first?.lowerBound)
            let body = name - 8
            bytes[body + 5] ^= 0x01
            let flipped = bytes
            let field = { (offset: Int) in Int(flipped[body + offset]) | Int(flipped[body + offset + 1]) << 8 }
            expected = "error: FILE: corrupt HDF5 metadata: the attribute message at byte \(body - 8) claims a name, datatype and dataspace of \(field(2)), \(field(4)) and \(field(6)) bytes, past its end (\(field(-6)) bytes)\n"
        }
        #expect(result.signal == nil)
        #expect(result.status == 1)
        #expect(result.stderr == expected, "\(result.stderr)")
    }
}
