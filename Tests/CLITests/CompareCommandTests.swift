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

    @Test("an activation file is aligned on the fly with the first align folder's settings, then paired with it")
    func activationFileRun() throws {
        let dir = try TestPaths.temporaryDirectory("cli-compare-activations")
        let a = try CLI.run(["align", CLI.activations, "--output", "a", "--bootstrap", "50", "--seed", "3", "--quiet",
                             "--metrics", "retrieval_p1,cosine"], in: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let result = try CLI.run(["compare", "--label", "folder=a", "--label", "file=\(CLI.activations)", "--metrics", "cosine",
                                  "--bootstrap", "50", "--output", "cmp"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("compare: aligning"))
        let name = URL(fileURLWithPath: CLI.activations).deletingPathExtension().lastPathComponent
        let aligned = dir.appendingPathComponent("cmp/aligned/\(name)")
        let settings = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: aligned.appendingPathComponent("alignment.json"))) as? [String: Any])["settings"] as? [String: Any]
        #expect(settings?["metrics"] as? [String] == ["retrieval_p1", "cosine"])
        #expect(settings?["seed"] as? Int == 3 && settings?["bootstrap"] as? Int == 50)
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("cmp/compare.json"))) as? [String: Any])
        #expect((json["runs"] as? [[String: Any]])?.map { $0["label"] as? String } == ["folder", "file"])
        // The same activations and settings: paired, every difference exactly 0.
        let differences = try #require(json["differences"] as? [[String: Any]])
        #expect(!differences.isEmpty && differences.allSatisfy { $0["paired"] as? Bool == true })
        let points = differences.flatMap { $0["points"] as? [[String: Any]] ?? [] }
        #expect(!points.isEmpty && points.allSatisfy { ($0["difference"] as? Double) == 0 })
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

    @Test("two responses outputs: same-language rates per language, paired over the shared ids; mixed kinds compare what they share")
    func responsesAndMixedKinds() throws {
        let dir = try TestPaths.temporaryDirectory("cli-compare-responses")
        // Hand-written answers: model A answers German in German once of two, model B twice.
        let a = """
        {"id": "q1", "lang": "de", "text": "Das ist eine sehr gute Frage, und ich werde sie gerne beantworten."}
        {"id": "q2", "lang": "de", "text": "This is a very good question and I will gladly answer it for you."}
        {"id": "q3", "lang": "en", "text": "This is a very good question and I will gladly answer it for you."}

        """
        let b = """
        {"id": "q1", "lang": "de", "text": "Das ist eine sehr gute Frage, und ich werde sie gerne beantworten."}
        {"id": "q2", "lang": "de", "text": "Ich kann Ihnen leider nicht helfen, aber vielleicht morgen wieder."}
        {"id": "q3", "lang": "en", "text": "This is a very good question and I will gladly answer it for you."}

        """
        try Data(a.utf8).write(to: dir.appendingPathComponent("a.jsonl"))
        try Data(b.utf8).write(to: dir.appendingPathComponent("b.jsonl"))
        for name in ["a", "b"] {
            let r = try CLI.run(["responses", "\(name).jsonl", "-o", "resp-\(name)"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let result = try CLI.run(["compare", "--label", "A=resp-a", "--label", "B=resp-b", "--bootstrap", "50",
                                  "--output", "cmp"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("cmp/compare.json"))) as? [String: Any])
        let responses = try #require(json["responses"] as? [String: Any])
        #expect(responses["languages"] as? [String] == ["de", "en"])
        let differences = try #require(responses["differences"] as? [[String: Any]])
        let de = try #require(differences.first { $0["lang"] as? String == "de" })
        #expect(de["paired"] as? Bool == true)
        #expect(de["difference"] as? Double == -0.5)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("cmp/responses-comparison.svg").path))
        let csv = try String(contentsOf: dir.appendingPathComponent("cmp/compare.csv"), encoding: .utf8)
        #expect(csv.contains("same_language_rate[de],A,,,0.5,"))
        let report = try CLI.run(["report", "cmp"], in: dir)
        #expect(report.status == 0, "\(report.stderr)")
        // The report's Runs section lists the responses runs (kind, source, identifier, languages).
        let html = try String(contentsOf: dir.appendingPathComponent("cmp/report.html"), encoding: .utf8)
        #expect(html.contains("responses · resp-a · ") && html.contains("3 answers · languages de en"))

        // Mixed: two responses runs and one align run — the responses are compared, the align run is left out.
        let align = try CLI.run(["align", CLI.activations, "--output", "al", "--bootstrap", "0", "--quiet", "--metrics", "cosine"], in: dir)
        #expect(align.status == 0, "\(align.stderr)")
        let mixed = try CLI.run(["compare", "resp-a", "resp-b", "al", "--bootstrap", "0", "--output", "cmp2"], in: dir)
        #expect(mixed.status == 0, "\(mixed.stderr)")
        #expect(mixed.stderr.contains("the only align run"))
        // Nothing of one kind twice: one error line.
        expectRuntimeError(try CLI.run(["compare", "resp-a", "al", "--output", "cmp3"], in: dir), "nothing to compare")
    }
}
