import Foundation
import HDF5
import Testing
import TestSupport

/// One trace of the tiny model over the 8-sentence corpus, shared by the tests that need an activation file.
enum TracedFixture {
    static let folder: URL = {
        let dir = (try? TestPaths.temporaryDirectory("cli-traced")) ?? URL(fileURLWithPath: NSTemporaryDirectory())
        _ = try? CLI.run(["trace", CLI.model, CLI.corpus, "--output", "acts.h5", "--stats", "stats.json"], in: dir,
                         environment: ["INTERLINGUA_CACHE": dir.appendingPathComponent("cache").path])
        return dir
    }()
    static var activations: URL { folder.appendingPathComponent("acts.h5") }
}

@Suite("trace → align → plot → report on the fixtures")
struct PipelineTests {
    @Test("trace writes a complete activation file of every layer, language and sentence")
    func trace() throws {
        let file = try H5File.open(TracedFixture.activations)
        #expect(try file.root.attribute("complete") == .int(1))
        #expect(try file.root.dataset("languages").readStrings() == ["en", "el", "zh"])
        #expect(try file.root.dataset("pooled/mean/zh").shape == [5, 8, 64])
        let stats = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: TracedFixture.folder.appendingPathComponent("stats.json"))) as? [String: Any])
        #expect(stats["sentences"] as? Int == 24)
    }

    @Test("align writes alignment.json, alignment.csv and projections.h5 and prints the table")
    func align() throws {
        let dir = try TestPaths.temporaryDirectory("cli-align")
        let result = try CLI.run(["align", TracedFixture.activations.path, "--output", "align", "--bootstrap", "10",
                                  "--knn-k", "3", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["alignment.json", "alignment.csv", "projections.h5"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("align/\(name)").path), "\(name)")
        }
        #expect(result.stdout.contains("layer"))
    }

    @Test("plot and report write next to the align folder by default, never into the working folder's figures/")
    func plotAndReport() throws {
        let dir = try TestPaths.temporaryDirectory("cli-plot")
        let align = try CLI.run(["align", CLI.activations, "--output", "out/align", "--bootstrap", "0", "--quiet"], in: dir)
        #expect(align.status == 0, "\(align.stderr)")
        let plot = try CLI.run(["plot", "out/align"], in: dir)
        #expect(plot.status == 0, "\(plot.stderr)")
        for name in ["alignment-curves.svg", "cka-layers.svg", "projections.svg", "separability.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/align/figures/\(name)").path), "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("figures").path))
        #expect(plot.stdout.contains("alignment peak: layer "))
        let report = try CLI.run(["report", "out/align/alignment.json"], in: dir)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("out/align/report.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
    }
}

@Suite("align, plot and report explain a wrong input instead of leaking internals (#16.5)")
struct AnalysisErrorTests {
    @Test("plot and report given an activation file say to run align first")
    func activationFileToPlot() throws {
        for command in ["plot", "report"] {
            let result = try CLI.run([command, CLI.activations])
            expectRuntimeError(result, "activation file", "interlingua align")
            #expect(!result.stderr.contains("DecodingError"))
        }
    }

    @Test("align -o naming an existing file fails before any layer is measured")
    func alignOntoFile() throws {
        let dir = try TestPaths.temporaryDirectory("cli-align-file")
        try Data("x".utf8).write(to: dir.appendingPathComponent("taken"))
        let result = try CLI.run(["align", CLI.activations, "--output", "taken"], in: dir)
        expectRuntimeError(result, "taken", "names a folder")
        #expect(!result.stderr.contains("align: layer"))
    }

    @Test("--metrics cosine alone works: the peak is located with the one pair metric given")
    func metricsWithoutPrimary() throws {
        let dir = try TestPaths.temporaryDirectory("cli-align-cosine")
        let result = try CLI.run(["align", CLI.activations, "--output", "a", "--metrics", "cosine,language_separability",
                                  "--bootstrap", "0", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("a/alignment.json"))) as? [String: Any])
        #expect((json["settings"] as? [String: Any])?["primary"] as? String == "cosine")
        #expect((json["peak"] as? [String: Any])?["metric"] as? String == "cosine")
        expectUsageError(try CLI.run(["align", CLI.activations, "--output", "b", "--metrics", "cosine",
                                      "--primary", "cka_linear"], in: dir), "must be among --metrics")
    }
}

@Suite("plot draws only the figures it has data for and names the others (#16.5)")
struct SkippedFigureTests {
    @Test("an align output with cosine alone: the curves are drawn, the other three skipped and named")
    func cosineOnly() throws {
        let dir = try TestPaths.temporaryDirectory("cli-skip")
        let align = try CLI.run(["align", CLI.activations, "--output", "a", "--metrics", "cosine", "--bootstrap", "0",
                                 "--quiet"], in: dir)
        #expect(align.status == 0, "\(align.stderr)")
        let plot = try CLI.run(["plot", "a", "--output", "f"], in: dir)
        #expect(plot.status == 0, "\(plot.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("f").path)
        #expect(written == ["alignment-curves.svg"])
        for name in ["cka-layers.svg", "projections.svg", "separability.svg"] {
            #expect(plot.stdout.contains("skipped \(name): no "), "\(plot.stdout)")
        }
        let svg = try String(contentsOf: dir.appendingPathComponent("f/alignment-curves.svg"), encoding: .utf8)
        #expect(!svg.contains("No data"))
    }
}
