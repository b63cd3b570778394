import Foundation
import Testing
import TestSupport

@Suite("compare: two align runs of the same sentences, differenced with a paired bootstrap")
struct CompareCommandTests {
    /// Two align outputs of the synthetic activations: all metrics, and a second one with fewer metrics.
    static func alignTwice(in dir: URL) throws {
        let a = try CLI.run(["align", CLI.activations, "--output", "a", "--bootstrap", "50", "--quiet"], in: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let b = try CLI.run(["align", CLI.activations, "--output", "b", "--bootstrap", "50", "--quiet",
                             "--metrics", "retrieval_p1,cosine"], in: dir)
        #expect(b.status == 0, "\(b.stderr)")
    }

    @Test("align keeps pseudovalues.h5; compare writes its files, pairs the runs and lists what it left out")
    func happyPath() throws {
        let dir = try TestPaths.temporaryDirectory("cli-compare")
        try Self.alignTwice(in: dir)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/pseudovalues.h5").path))
        let result = try CLI.run(["compare", "--label", "full=a", "--label", "small=b", "--metrics", "cosine,cka_linear",
                                  "--bootstrap", "100", "--output", "cmp"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["compare.json", "compare.csv", "compare-differences.csv", "comparison.svg", "difference.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("cmp/\(name)").path), "\(name)")
        }
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("cmp/compare.json"))) as? [String: Any])
        #expect(json["metrics"] as? [String] == ["retrieval_p1", "cosine"])
        let differences = try #require(json["differences"] as? [[String: Any]])
        #expect(differences.allSatisfy { $0["paired"] as? Bool == true })
        // Identical activations: every paired difference is exactly 0 with a degenerate interval.
        let points = differences.flatMap { $0["points"] as? [[String: Any]] ?? [] }
        #expect(!points.isEmpty && points.allSatisfy { ($0["difference"] as? Double) == 0 })
        #expect(result.stderr.contains("cka_linear"))   // left out: the second run did not measure it
        let csv = try String(contentsOf: dir.appendingPathComponent("cmp/compare.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("metric,run,layer,relative_depth,value,ci_low,ci_high\n"))
        let report = try CLI.run(["report", "cmp"], in: dir)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("cmp/report.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
    }

    @Test("runs sharing no metric end in one error line; a folder without alignment.json is named")
    func errors() throws {
        let dir = try TestPaths.temporaryDirectory("cli-compare-errors")
        let a = try CLI.run(["align", CLI.activations, "--output", "a", "--bootstrap", "0", "--quiet", "--metrics", "cosine"], in: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let b = try CLI.run(["align", CLI.activations, "--output", "b", "--bootstrap", "0", "--quiet", "--metrics", "cka_linear"], in: dir)
        #expect(b.status == 0, "\(b.stderr)")
        expectRuntimeError(try CLI.run(["compare", "a", "b", "--output", "cmp"], in: dir), "nothing to compare")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        expectRuntimeError(try CLI.run(["compare", "a", "empty", "--output", "cmp"], in: dir), "empty", "alignment.json")
        expectUsageError(try CLI.run(["compare", "a", "--output", "cmp"], in: dir), "at least two runs")
    }
}
