// The trace command against inputs an attacker or an unlucky user hands it (issue #15): edited journals,
// hostile language names, CR-only files, overlong sentences, a folder as output, two traces at once.
import Foundation
import HDF5
import Testing
import TestSupport

/// A trace of `corpus` into `output` with the tiny m-LLaMA fixture: three languages, packed together into
/// one batch by the large budget.
private func traceArguments(_ corpus: URL, _ output: URL, extra: [String] = []) -> [String] {
    ["trace", TestPaths.fixture("tiny-mllama").path, corpus.path, "--output", output.path, "--threads", "1",
     "--batch-tokens", "100000"] + extra
}

/// stderr holds exactly one error line, "error: …" (progress and notices start with "trace: ").
private func isOneErrorLine(_ stderr: String) -> Bool {
    let lines = stderr.split(separator: "\n").filter { !$0.hasPrefix("trace: ") }
    return lines.count == 1 && lines[0].hasPrefix("error: ")
}

@Suite("The progress journal is input: an edited or impossible journal never yields a file that looks complete")
struct JournalValidationTests {
    static let binaryBuilt = FileManager.default.isExecutableFile(atPath: interlinguaBinary.path)

    /// Traces a small corpus, then turns the finished file back into an "interrupted" one whose journal
    /// says `journal`: complete = 0, its rows zeroed.
    private func interrupted(_ dir: URL, journal: (String) -> String) throws -> (corpus: URL, output: URL) {
        let corpus = dir.appendingPathComponent("corpus.tsv")
        try writeCorpus(corpus, rows: 6)
        let output = dir.appendingPathComponent("out.h5")
        let clean = try runInterlingua(traceArguments(corpus, output))
        try #require(clean.status == 0, "\(clean.stderr)")
        let fingerprint: String
        do {
            let file = try H5File.open(output, writable: true)
            guard case .string(let f) = try file.root.attribute("run_fingerprint") else { throw HDF5Error.notHDF5(file: "") }
            fingerprint = f
            try file.root.setAttribute("complete", .int(0))
            let ds = try file.root.dataset("pooled/mean/de")
            try ds.write([Float](repeating: 0, count: ds.shape.reduce(1, *)))
        }
        try Data(journal(fingerprint).utf8).write(to: URL(fileURLWithPath: output.path + ".progress"))
        return (corpus, output)
    }

    @Test("a journal edited to 'finalizing' is refused by its checksum; the file stays incomplete",
          .enabled(if: binaryBuilt))
    func earlyFinalizing() throws {
        let dir = try TestPaths.temporaryDirectory("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (corpus, output) = try interrupted(dir) {
            #"{"fingerprint":"\#($0)","state":"finalizing","batches_done":1,"batches_total":1,"checksum":"cbf29ce484222325"}"#
        }
        let result = try runInterlingua(traceArguments(corpus, output, extra: ["--resume"]))
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr) && result.stderr.contains("checksum"), "\(result.stderr)")
        let file = try H5File.open(output)
        #expect(try file.root.attribute("complete") == .int(0))
    }

    @Test("negative and contradictory journal counts end in one line naming the field, no trap",
          .enabled(if: binaryBuilt), arguments: [
            (#""state":"tracing","batches_done":-3,"batches_total":3"#, "batches_done is negative"),
            (#""state":"tracing","batches_done":4,"batches_total":3"#, "exceeds batches_total"),
            (#""state":"finalizing","batches_done":1,"batches_total":3"#, "'finalizing' with only 1 of 3"),
            (#""state":"creating","batches_done":2,"batches_total":3"#, "'creating' with 2"),
          ])
    func impossibleCounts(fields: String, message: String) throws {
        let dir = try TestPaths.temporaryDirectory("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (corpus, output) = try interrupted(dir) {
            #"{"fingerprint":"\#($0)",\#(fields),"checksum":"cbf29ce484222325"}"#
        }
        let result = try runInterlingua(traceArguments(corpus, output, extra: ["--resume"]))
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr) && result.stderr.contains(message), "\(result.stderr)")
    }
}

@Suite("Inputs that cannot be traced are refused before any output exists")
struct EarlyValidationTests {
    static let binaryBuilt = FileManager.default.isExecutableFile(atPath: interlinguaBinary.path)

    private func refused(_ tsv: String, expect message: String) throws {
        let dir = try TestPaths.temporaryDirectory("early")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("c.tsv")
        try Data(tsv.utf8).write(to: corpus)
        let output = dir.appendingPathComponent("out.h5")
        let result = try runInterlingua(traceArguments(corpus, output))
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr) && result.stderr.contains(message), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["c.tsv"])
    }

    @Test("language names that are not HDF5 path components: '.', 'en/x', NUL", .enabled(if: binaryBuilt))
    func hostileLanguageNames() throws {
        try refused("id\t.\tde\n1\tHello\tHallo\n", expect: "language name '.'")
        try refused("id\ten\ten/x\n1\tHello\tHallo\n", expect: "contains '/'")
        try refused("id\ten\tde\u{0}\n1\tHello\tHallo\n", expect: "control character")
    }

    @Test("a corpus with CR-only line ends is named as such", .enabled(if: binaryBuilt))
    func classicMacLineEnds() throws {
        try refused("id\ten\tde\r1\tHello\tHallo\r2\tBye\tTschüss\r", expect: "CR alone")
    }

    @Test("a sentence longer than the model's context names file, id, language and both lengths",
          .enabled(if: binaryBuilt))
    func sentenceLongerThanContext() throws {
        let long = Array(repeating: "word", count: 2100).joined(separator: " ")
        try refused("id\ten\tde\nshort\tHello\tHallo\nlong-one\t\(long)\tHallo\n",
                    expect: "sentence long-one (en) is")
        try refused("id\ten\tde\nshort\tHello\tHallo\nlong-one\t\(long)\tHallo\n", expect: "2048-token context")
    }

    @Test("a folder as --output is named as a folder, not 'already exists'", .enabled(if: binaryBuilt))
    func outputIsAFolder() throws {
        let dir = try TestPaths.temporaryDirectory("early")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("c.tsv")
        try Data("id\ten\n1\tHello\n".utf8).write(to: corpus)
        let result = try runInterlingua(traceArguments(corpus, dir, extra: ["--resume"]))
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr) && result.stderr.contains("is a folder"), "\(result.stderr)")
    }
}

@Suite("Two traces onto one output: the second is refused by the lock, the first finishes intact")
struct ConcurrentTraceTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: interlinguaBinary.path)))
    func secondTraceIsRefused() throws {
        let dir = try TestPaths.temporaryDirectory("lock")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.tsv")
        try writeCorpus(corpus, rows: 240)
        let output = dir.appendingPathComponent("out.h5")
        let arguments = ["trace", TestPaths.fixture("tiny-mllama").path, corpus.path, "--output", output.path,
                         "--token-states", "--batch-tokens", "48", "--threads", "1"]
        let first = Process()
        first.executableURL = interlinguaBinary
        first.arguments = arguments
        first.standardError = FileHandle.nullDevice
        try first.run()
        // The lock file exists from the moment the first trace holds the lock.
        let lock = output.path + ".lock"
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: lock) && first.isRunning && Date() < deadline { usleep(2000) }
        let second = try runInterlingua(arguments + ["--resume"])
        first.waitUntilExit()
        try #require(first.terminationStatus == 0)
        if second.status != 0 {
            #expect(second.status == 1)
            #expect(isOneErrorLine(second.stderr) && second.stderr.contains("another running trace"), "\(second.stderr)")
        } else {
            // The first trace ended before the second started: the second found a complete file.
            #expect(second.stderr.contains("already complete"))
        }
        #expect(!FileManager.default.fileExists(atPath: lock))
        let file = try H5File.open(output)
        #expect(try file.root.attribute("complete") == .int(1))
    }
}
