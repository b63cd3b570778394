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
        // Curves, normalization (raw-vector diagnostics), layer CKA, projections, separability.
        #expect(html.components(separatedBy: "<svg").count - 1 == 5)
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

@Suite("trace explains swapped arguments, big outputs and interruptions")
struct TraceMessageTests {
    @Test("a model given as the corpus and a corpus given as the model are named as such (#16.5)")
    func swapped() throws {
        let swapped = try CLI.run(["trace", CLI.corpus, CLI.model, "--output", "t.h5"])
        expectRuntimeError(swapped, "tiny-mllama", "found a model (Hugging Face folder", "interlingua trace MODEL CORPUS")
        let gguf = try TestPaths.temporaryDirectory("cli-swap").appendingPathComponent("m.gguf")
        try Data("GGUF\u{3}\u{0}\u{0}\u{0}".utf8).write(to: gguf)
        expectRuntimeError(try CLI.run(["trace", CLI.model, gguf.path, "--output", "t.h5"]), "found a model (GGUF file)")
        expectRuntimeError(try CLI.run(["trace", CLI.corpus, CLI.corpus, "--output", "t.h5"]),
                           "expected a model", "found a corpus (TSV file)")
    }

    @Test("--token-states says how much it will write before starting (#16.9)")
    func tokenStatesSize() throws {
        let dir = try TestPaths.temporaryDirectory("cli-states")
        let result = try CLI.run(["trace", CLI.model, CLI.corpus, "--token-states", "--output", "s.h5"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        // 5 layers × 568 tokens × 64 floats × 4 bytes = 727,040 bytes.
        #expect(result.stderr.contains("trace: --token-states will write 0.7 MB to s.h5 (5 layers × 568 tokens × d 64 float32)"),
                "\(result.stderr)")
        let progress = result.stderr.split(separator: "\n").filter { $0.hasPrefix("trace: 100% ") }
        // All three languages fit one batch: the bar names the first and the last.
        #expect(progress.count == 1 && progress[0].contains("en–zh (1–3/3)"), "\(result.stderr)")
    }

    @Test("on a terminal the bar is prefixed trace: and moves layer by layer, naming the language (#16.8)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func terminalProgress() throws {
        let dir = try TestPaths.temporaryDirectory("cli-tty")
        let binary = try #require(CLI.binary)
        // script(1) runs the command on a pseudo-terminal, so stderr is a tty.
        let command = [binary.path, "trace", CLI.model, CLI.corpus, "--output", dir.appendingPathComponent("t.h5").path]
            .map { "'\($0)'" }.joined(separator: " ")
        let result = try CLI.run([], in: dir, executable: URL(fileURLWithPath: "/usr/bin/script"),
                                 arguments: ["-qec", command, "/dev/null"])
        #expect(result.status == 0, "\(result.stderr)")
        let frames = result.stdout.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).map(String.init)
        #expect(frames.contains { $0.hasPrefix("trace: ") && $0.contains("en–zh (1–3/3) layer 1/4") }, "\(frames)")
        #expect(frames.contains { $0.hasPrefix("trace: ") && $0.contains("en–zh (1–3/3) layer 4/4") })
    }

    @Test("Ctrl-C prints the command that resumes the trace, and --resume then finishes it (#16.8)")
    func interrupt() throws {
        let dir = try TestPaths.temporaryDirectory("cli-interrupt")
        let corpus = TestPaths.repository.appendingPathComponent("notebooks-data/django-ui-12lang.tsv").path
        let binary = try #require(CLI.binary)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["trace", CLI.model, corpus, "--batch-tokens", "64", "--output", "i.h5"]
        process.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["INTERLINGUA_CACHE"] = dir.appendingPathComponent("cache").path
        env["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = env
        let errURL = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let errors = try FileHandle(forWritingTo: errURL)
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The digest notice comes after the handlers are installed and before the first batch.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline,
              !(String(data: (try? Data(contentsOf: errURL)) ?? Data(), encoding: .utf8) ?? "").contains("SHA-256 of") {
            usleep(2000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        try errors.close()
        let text = try String(contentsOf: errURL, encoding: .utf8)
        #expect(process.terminationStatus == 130, "\(text)")
        #expect(text.contains("trace: interrupted; every finished batch is kept in i.h5. Continue with:"))
        let command = try #require(text.split(separator: "\n").first { $0.hasPrefix("  interlingua trace ") })
        #expect(command.hasSuffix("--output i.h5 --resume"))
        let resumed = try CLI.run(["trace", CLI.model, corpus, "--batch-tokens", "64", "--output", "i.h5", "--resume"],
                                  in: dir, environment: ["INTERLINGUA_CACHE": dir.appendingPathComponent("cache").path])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }
}
