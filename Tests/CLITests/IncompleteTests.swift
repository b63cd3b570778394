import Activations
import Foundation
import Testing
import TestSupport

/// An unfinished activation file: en, de, fr × 12 rows, 2 batches of 6 rows per language, the first 5
/// batches written (fr has rows 0..<6), journal saying so. The writer stays open (as during a trace).
/// de and fr are en plus small noise, so written rows align almost perfectly and a zero row would not.
struct UnfinishedTrace {
    let url: URL
    let writer: ActivationsWriter

    init() throws {
        let dir = try TestPaths.temporaryDirectory("cli-unfinished")
        url = dir.appendingPathComponent("partial.h5")
        let languages = ["en", "de", "fr"], n = 12, d = 8
        let ids = (0..<n).map { "s\($0)" }
        let batches = (0..<3).flatMap { l in [(batch: 2 * l, language: l, rows: 0..<6), (batch: 2 * l + 1, language: l, rows: 6..<12)] }
        let header = ActivationsHeader(
            model: "synthetic", architecture: "llama", nLayers: 2, dModel: d, template: "raw", instruction: "",
            pools: [.mean], bosInPool: false, poolSpan: "sentence", toolVersion: "test", runFingerprint: "fp",
            languages: languages, ids: ids, texts: languages.map { _ in ids }, tokenIDs: languages.map { _ in (0..<n).map(Int32.init) },
            tokenOffsets: languages.map { _ in Array(0...n) }, poolSpans: languages.map { _ in (0..<n).map { _ in 0..<1 } },
            tokenStates: false, subLayers: false, batches: batches)
        writer = try ActivationsWriter.create(at: url, header: header)
        var rng = SeededGenerator(seed: 7)
        let base = (0..<(3 * n * d)).map { _ in Float(Double(rng.next() % 2000) / 1000 - 1) }
        for (index, batch) in batches.enumerated() where index < 5 {
            var values: [Float] = []
            for layer in 0..<3 {
                for row in batch.rows {
                    for c in 0..<d {
                        let noise = batch.language == 0 ? 0 : Float(Double(rng.next() % 100) / 5000)
                        values.append(base[(layer * n + row) * d + c] + noise)
                    }
                }
            }
            try writer.writeLayerRows(ActivationsLayout.pooled(.mean, languages[batch.language]), rows: batch.rows, values: values)
        }
        try writer.flush()
        try TraceJournal(fingerprint: "fp", state: .tracing, batchesDone: 5, batchesTotal: 6).write(for: url)
    }
}

@Suite("align --allow-incomplete analyses only the rows the journal proves written, and says so (#16.2)")
struct IncompleteTests {
    func alignment(_ dir: URL, _ name: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(name)/alignment.json"))) as? [String: Any])
    }

    @Test("by default the fully written languages on every row; the partial one is left out and named")
    func defaultSelection() throws {
        let trace = try UnfinishedTrace()
        let dir = try TestPaths.temporaryDirectory("cli-incomplete")
        // The writer is still open: align reads beside it (#16.3).
        let result = try CLI.run(["align", trace.url.path, "--allow-incomplete", "--output", "a", "--knn-k", "2",
                                  "--bootstrap", "0"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("align: the trace is unfinished (journal: 5 of 6 batches written): analysing 2 of 3 languages (en, de) × 12 of 12 sentences; left out (rows written): fr 6"), "\(result.stderr)")
        let json = try alignment(dir, "a")
        #expect(json["languages"] as? [String] == ["en", "de"] && json["sentence_count"] as? Int == 12)
        withExtendedLifetime(trace.writer) {}
    }

    @Test("--languages with the partial language uses only its written rows: no zero rows pull the cosine down")
    func partialLanguage() throws {
        let trace = try UnfinishedTrace()
        let dir = try TestPaths.temporaryDirectory("cli-incomplete-fr")
        let result = try CLI.run(["align", trace.url.path, "--allow-incomplete", "--languages", "en,fr", "--output", "b",
                                  "--metrics", "cosine,retrieval_p1", "--bootstrap", "0"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("× 6 of 12 sentences"), "\(result.stderr)")
        let json = try alignment(dir, "b")
        #expect(json["sentence_count"] as? Int == 6)
        let series = try #require(json["pair_metrics"] as? [[String: Any]])
        let cosine = try #require(series.first { $0["metric"] as? String == "cosine" }?["values"] as? [[String: Any]])
        for value in cosine { #expect((value["value"] as? Double ?? 0) > 0.99, "\(value)") }
        let retrieval = try #require(series.first { $0["metric"] as? String == "retrieval_p1" }?["values"] as? [[String: Any]])
        for value in retrieval { #expect(value["value"] as? Double == 1, "\(value)") }
        withExtendedLifetime(trace.writer) {}
    }

    @Test("without the journal nothing proves which rows are written: refused")
    func noJournal() throws {
        let trace = try UnfinishedTrace()
        try FileManager.default.removeItem(at: TraceJournal.url(for: trace.url))
        expectRuntimeError(try CLI.run(["align", trace.url.path, "--allow-incomplete", "--output", "c"]),
                           "no progress journal")
        withExtendedLifetime(trace.writer) {}
    }

    @Test("align --languages on a complete file analyses that subset; an unknown language is named")
    func languagesOption() throws {
        let dir = try TestPaths.temporaryDirectory("cli-align-languages")
        let result = try CLI.run(["align", CLI.activations, "--languages", "en,zh", "--output", "d", "--bootstrap", "0", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try alignment(dir, "d")["languages"] as? [String] == ["en", "zh"])
        expectRuntimeError(try CLI.run(["align", CLI.activations, "--languages", "en,xx", "--output", "e"], in: dir), "no language 'xx'")
    }
}

@Suite("align --layers analyses a range of layers without re-tracing (#16.9)")
struct LayerRangeTests {
    func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func cosine(_ report: [String: Any], target: String) throws -> [Double] {
        let series = try #require(report["pair_metrics"] as? [[String: Any]])
        let found = try #require(series.first { $0["metric"] as? String == "cosine" && $0["target"] as? String == target })
        return try #require(found["values"] as? [[String: Any]]).compactMap { $0["value"] as? Double }
    }

    @Test("layers 2-5 keep the file's numbers and the full run's values at those layers, the peak included")
    func range() throws {
        let dir = try TestPaths.temporaryDirectory("cli-layers")
        let common = ["--metrics", "cosine,retrieval_p1", "--bootstrap", "0", "--quiet"]
        #expect(try CLI.run(["align", CLI.activations, "--output", "all"] + common, in: dir).status == 0)
        let part = try CLI.run(["align", CLI.activations, "--output", "part", "--layers", "2-5"] + common, in: dir)
        #expect(part.status == 0, "\(part.stderr)")
        let all = try json(dir.appendingPathComponent("all/alignment.json"))
        let sub = try json(dir.appendingPathComponent("part/alignment.json"))
        #expect(sub["layers"] as? [Int] == [2, 3, 4, 5])
        #expect(Array(try cosine(all, target: "zh")[2...5]) == (try cosine(sub, target: "zh")))
        #expect((sub["peak"] as? [String: Any])?["layer"] as? Int == (all["peak"] as? [String: Any])?["layer"] as? Int)
        expectRuntimeError(try CLI.run(["align", CLI.activations, "--output", "x", "--layers", "5-20"], in: dir), "layers 0-8")
        expectUsageError(try CLI.run(["align", CLI.activations, "--output", "x", "--layers", "five"], in: dir), "five")
    }
}
