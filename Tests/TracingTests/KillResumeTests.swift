import Foundation
import HDF5
import Testing
import TestSupport

/// The built `interlingua` executable next to the test bundle (both live in `.build/<triple>/<config>/`).
let interlinguaBinary: URL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    .deletingLastPathComponent().appendingPathComponent("interlingua")

/// A three-language corpus of `rows` short sentences, as TSV.
func writeCorpus(_ url: URL, rows: Int) throws {
    var tsv = "id\ten\tde\tfr\n"
    let numbers = ["one", "two", "three", "four", "five", "six", "seven"]
    for i in 0..<rows {
        let n = numbers[i % numbers.count]
        tsv += "s\(i)\tThe \(n) cats sleep near window \(i).\tDie \(n) Katzen schlafen am Fenster \(i).\t"
            + "Les \(n) chats dorment près de la fenêtre \(i).\n"
    }
    try Data(tsv.utf8).write(to: url)
}

/// Runs `interlingua` with `arguments`; when `killAfter` is set, sends SIGKILL after that many seconds.
/// Returns the termination status (nil when killed).
func runInterlingua(_ arguments: [String], killAfter: Double? = nil) throws -> (status: Int32?, stderr: String) {
    let process = Process()
    process.executableURL = interlinguaBinary
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    var killed = false
    if let killAfter {
        let deadline = Date().addingTimeInterval(killAfter)
        while process.isRunning && Date() < deadline { usleep(1000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            killed = true
        }
    }
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (killed && process.terminationReason == .uncaughtSignal ? nil : process.terminationStatus, text)
}

/// Every dataset of a file as bit patterns, by path.
func allDatasets(_ url: URL) throws -> [String: [UInt32]] {
    let file = try H5File.open(url)
    var out: [String: [UInt32]] = [:]
    func visit(_ group: H5Group, _ prefix: String) throws {
        for name in try group.memberNames() {
            let path = prefix + "/" + name
            if let ds = try? group.dataset(name) {
                if let floats = try? ds.read(Float.self) { out[path] = floats.map(\.bitPattern) }
                else if let ints = try? ds.read(Int64.self) { out[path] = ints.map { UInt32(truncatingIfNeeded: $0) } }
                else { out[path] = try ds.readStrings().flatMap { Array($0.unicodeScalars.map(\.value)) + [0] } }
            } else {
                try visit(try group.group(name), path)
            }
        }
    }
    try visit(file.root, "")
    return out
}

@Suite("kill -9 at any moment, then --resume, gives the uninterrupted file")
struct KillResumeTests {
    static let model = TestPaths.fixture("tiny-mllama")

    @Test("the built interlingua trace is killed repeatedly and resumed until done",
          .enabled(if: FileManager.default.isExecutableFile(atPath: interlinguaBinary.path)))
    func killAndResume() throws {
        try killAndResume(extra: ["--pool", "mean,last,weighted"])
    }

    /// The neuron counts are journaled with the rows (two alternating running slots): a batch cut off after
    /// its counts were added must not be counted twice when it is redone.
    @Test("with --neurons, the counts after kills and resumes equal the uninterrupted counts",
          .enabled(if: FileManager.default.isExecutableFile(atPath: interlinguaBinary.path)))
    func killAndResumeCounting() throws {
        try killAndResume(extra: ["--pool", "mean", "--neurons"], expecting: "/neurons/de/active_count")
    }

    func killAndResume(extra: [String], expecting dataset: String? = nil) throws {
        let dir = try TestPaths.temporaryDirectory("kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.tsv")
        try writeCorpus(corpus, rows: 240)
        func arguments(_ output: URL) -> [String] {
            ["trace", Self.model.path, corpus.path, "--output", output.path] + extra
                + ["--token-states", "--batch-tokens", "48", "--threads", "1"]
        }
        let reference = dir.appendingPathComponent("reference.h5")
        let started = Date()
        let clean = try runInterlingua(arguments(reference))
        try #require(clean.status == 0, "\(clean.stderr)")
        let wall = Date().timeIntervalSince(started)

        let output = dir.appendingPathComponent("killed.h5")
        // Kill moments from the very start (loading, file creation) to late in the run, as fractions of an
        // uninterrupted run's wall time; each resume has less left to do, so the last ones may finish.
        var kills = 0
        var finished = false
        for fraction in [0.002, 0.01, 0.03, 0.06, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45, 0.6] {
            let result = try runInterlingua(arguments(output) + ["--resume"], killAfter: fraction * wall)
            if result.status == nil { kills += 1 } else {
                #expect(result.status == 0, "\(result.stderr)")
                finished = true
                break
            }
        }
        if !finished {
            let last = try runInterlingua(arguments(output) + ["--resume"])
            #expect(last.status == 0, "\(last.stderr)")
        }
        #expect(kills >= 3)
        #expect(!FileManager.default.fileExists(atPath: output.path + ".progress"))
        let expected = try allDatasets(reference)
        let found = try allDatasets(output)
        #expect(expected.keys.sorted() == found.keys.sorted())
        if let dataset { #expect(expected[dataset] != nil, "\(dataset) missing") }
        for (path, values) in expected { #expect(found[path] == values, "\(path) differs") }
        let file = try H5File.open(output)
        #expect(try file.root.attribute("complete") == .int(1))

        // Without --resume, the finished file is refused and left alone.
        let again = try runInterlingua(arguments(output))
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
    }
}
