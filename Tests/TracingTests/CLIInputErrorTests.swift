import Foundation
import Testing
import TestSupport

@Suite("The trace command refuses bad input before any compute")
struct CLIInputErrorTests {
    static let binaryBuilt = FileManager.default.isExecutableFile(atPath: interlinguaBinary.path)

    @Test("a ragged TSV, an unknown language and a bad option end with one error line and no output",
          .enabled(if: binaryBuilt))
    func badCorpus() throws {
        let dir = try TestPaths.temporaryDirectory("cli-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ragged = dir.appendingPathComponent("ragged.tsv")
        try Data("id\ten\tde\n1\tHello\tHallo\n2\tOnly English\n".utf8).write(to: ragged)
        let output = dir.appendingPathComponent("out.h5")
        let model = TestPaths.fixture("tiny-mllama").path

        let result = try runInterlingua(["trace", model, ragged.path, "--output", output.path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains("ragged.tsv"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))

        let good = dir.appendingPathComponent("good.tsv")
        try Data("id\ten\tde\n1\tHello\tHallo\n".utf8).write(to: good)
        let unknown = try runInterlingua(["trace", model, good.path, "--output", output.path, "--languages", "en,xx"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("xx"), "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))

        let badPool = try runInterlingua(["trace", model, good.path, "--output", output.path, "--pool", "median"])
        #expect(badPool.status == 2)
        #expect(!FileManager.default.fileExists(atPath: output.path))

        // A corpus error is reported even when the model path is wrong: the corpus is read first.
        let beforeModel = try runInterlingua(["trace", dir.appendingPathComponent("no-model").path, ragged.path,
                                              "--output", output.path])
        #expect(beforeModel.stderr.contains("ragged.tsv"), "\(beforeModel.stderr)")
    }
}
