// Trace throughput on the real models over the shared Django corpus: tokens/s end to end (all layers kept,
// mean-pooled, written to HDF5), block-matmul GFLOP/s next to the sgemm peak, and where the time goes.
import Activations
import Checkpoints
import Corpus
import Foundation
import Models
import Tokenizers
import Tracing

enum TraceThroughputBenchmark {
    struct Row {
        var model: String
        var sentences: Int
        var tokens: Int
        var tokensPerSecond: Double
        var endToEndTokensPerSecond: Double
        var matmulGFLOPS: Double
        var peakRSS: Int
    }

    /// Traces the corpus with each cached model; returns one row per model measured.
    static func run(quick: Bool) -> [Row] {
        let cache = ProcessInfo.processInfo.environment["INTERLINGUA_CACHE"]
            ?? NSHomeDirectory() + "/.cache/interlingua"
        let models = [("SmolLM2-135M", cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
                      ("Gemma 3 270M", cache + "/models/gemma-3-270m-q4_k_m.gguf")]
        // The corpus ships with the repository: found from the working folder or from this source file.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        guard let corpusPath = ["notebooks-data/django-ui-12lang.tsv",
                                repository.appendingPathComponent("notebooks-data/django-ui-12lang.tsv").path]
            .first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            print("trace throughput: notebooks-data/django-ui-12lang.tsv not found (run from the repository)")
            return []
        }
        var rows: [Row] = []
        for (name, path) in models {
            guard FileManager.default.fileExists(atPath: path) else {
                print("trace throughput: \(path) missing (make models)")
                continue
            }
            do {
                rows.append(try measure(name: name, model: URL(fileURLWithPath: path), corpus: corpusPath, quick: quick))
            } catch {
                print("trace throughput on \(name) failed: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
            }
        }
        return rows
    }

    /// The side-by-side table: each model's throughput and block-matmul rate against the sgemm peak.
    static func printSummary(_ rows: [Row], sgemmPeakGFLOPS: Double) {
        guard !rows.isEmpty else { return }
        print("\nsummary (targets: block matmuls ≥ 70% of the sgemm peak, ≥ 300 tokens/s)")
        print(String(format: "  sgemm peak %.1f GFLOP/s", sgemmPeakGFLOPS))
        for r in rows {
            print(String(format: "  %-13@ %5d tokens  %6.0f tokens/s compute  %6.0f tokens/s end-to-end  block matmuls %5.1f GFLOP/s (%3.0f%% of peak)  peak RSS %4.0f MiB",
                         r.model as NSString, r.tokens, r.tokensPerSecond, r.endToEndTokensPerSecond, r.matmulGFLOPS,
                         100 * r.matmulGFLOPS / max(sgemmPeakGFLOPS, 1e-9), Double(r.peakRSS) / 1_048_576))
        }
    }

    /// The corpus as a trace input (all 12 languages, or 3 with --quick).
    static func readCorpus(_ path: String, quick: Bool) throws -> ParallelCorpus {
        let full = try ParallelCorpus.load(URL(fileURLWithPath: path))
        return try (quick ? try full.selecting(languages: Array(full.languages.prefix(3))) : full).checkedForTracing()
    }

    static func measure(name: String, model: URL, corpus: String, quick: Bool) throws -> Row {
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { d.seconds }
        print("\ntrace throughput: \(name)")
        var mark = clock.now
        let checkpoint = try Checkpoint.open(model)
        let decoder = try ModelLoader.load(checkpoint)
        let tokenizer = try Tokenizers.load(for: checkpoint)
        let load = seconds(clock.now - mark)

        mark = clock.now
        let settings = try TraceSettings(pools: [.mean], batchTokens: 2048)
        let plan = try TracePlan(corpus: try readCorpus(corpus, quick: quick), tokenizer: tokenizer, settings: settings)
        let tokenize = seconds(clock.now - mark)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interlingua-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = TraceRun(model: decoder, plan: plan, output: dir.appendingPathComponent("bench.h5"),
                           modelName: model.lastPathComponent, modelIdentity: model.path, toolVersion: "bench")
        mark = clock.now
        let o = try run.run(resume: false)
        let traced = seconds(clock.now - mark)

        let f = o.forward
        let t = o.timing
        let tokensPerSecond = Double(o.tokensComputed) / o.computeSeconds
        let matmulGFLOPS = o.blockMatmulFLOPs / max(f.matmulSeconds, 1e-12) / 1e9
        let other = o.computeSeconds - f.totalSeconds - t.sinks
        print(String(format: "  %d sentences, %d tokens in %d batches; load %.2f s, tokenize %.3f s", o.sentences, o.tokens,
                     o.batches, load, tokenize))
        print(String(format: "  compute %.2f s = %.0f tokens/s; write %.3f s; end to end %.0f tokens/s (tokenize + compute + write)",
                     o.computeSeconds, tokensPerSecond, o.writeSeconds, Double(o.tokens) / (traced + tokenize)))
        print("  where compute time goes:")
        for (label, s) in [("weight decoding", f.decodeSeconds), ("block matmuls (sgemm)", f.matmulSeconds),
                           ("attention", f.attentionSeconds), ("norms/RoPE/activation", f.elementwiseSeconds),
                           ("pooling sinks", t.sinks), ("other (embed lookup, final norm, copies)", other)] {
            print(String(format: "    %-42@ %7.3f s  %5.1f%%", label as NSString, s, 100 * s / max(o.computeSeconds, 1e-12)))
        }
        print(String(format: "  block matmuls: %.1f GFLOP/s", matmulGFLOPS))
        return Row(model: name, sentences: o.sentences, tokens: o.tokens, tokensPerSecond: tokensPerSecond,
                   endToEndTokensPerSecond: Double(o.tokens) / (traced + tokenize), matmulGFLOPS: matmulGFLOPS,
                   peakRSS: ResourceUsage.peakResidentBytes)
    }
}

