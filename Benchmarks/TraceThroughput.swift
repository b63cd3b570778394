// Trace throughput on the real models over the shared Django corpus, at 30 rows and at all 79 rows: tokens/s
// end to end (all layers kept, mean-pooled, written to HDF5), overall GFLOP/s against the sgemm peak, where
// the time goes, peak RSS.
import Activations
import Checkpoints
import Corpus
import Foundation
import LinearAlgebra
import Models
import Tokenizers
import Tracing

enum TraceThroughputBenchmark {
    struct Row {
        var model: String
        var rows: Int
        var sentences: Int
        var tokens: Int
        var batches: Int
        /// Tokens over tokenize + compute + write.
        var tokensPerSecond: Double
        /// `TraceOutcome.flops` (block projections + attention, the tracer's one formula) over the same time.
        var gflops: Double
        var matmulGFLOPS: Double
        var peakRSS: Int
        var weightsKept: Bool
        /// The run's stage breakdown, printed for the best run of each case.
        var details: String = ""
        /// Tokens/s of every run of the case (the row itself is the fastest), in the order measured.
        var allTokensPerSecond: [Double] = []
    }

    /// Corpus sizes measured: the issue's 30-row case and the whole corpus.
    static let rowCounts: [Int?] = [30, nil]

    /// Traces the corpus with each cached model at each size, `repeats` rounds over all cases (so a noisy
    /// stretch of a shared machine hits different cases); one row per model and size: its fastest run (the
    /// sgemm peak is the best of its repeats too), with every run's tokens/s. `betweenRounds` runs after each
    /// round but the last (the caller measures the sgemm peak again there).
    static func run(quick: Bool, weightCache: WeightCache = .auto, repeats: Int = 3, batchTokens: Int = 2048,
                    betweenRounds: () -> Void = {}) -> [Row] {
        let cache = ProcessInfo.processInfo.environment["INTERLINGUA_CACHE"]
            ?? NSHomeDirectory() + "/.cache/interlingua"
        let models = [("SmolLM2-135M", cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
                      ("Gemma 3 270M", cache + "/models/gemma-3-270m-q4_k_m.gguf")]
        guard let corpusPath = corpusPath() else {
            print("trace throughput: notebooks-data/django-ui-12lang.tsv not found (run from the repository)")
            return []
        }
        var cases: [(name: String, path: String, limit: Int?)] = []
        for (name, path) in models {
            guard FileManager.default.fileExists(atPath: path) else {
                print("trace throughput: \(path) missing (make models)")
                continue
            }
            for limit in rowCounts { cases.append((name, path, limit)) }
        }
        var runs = [[Row]](repeating: [], count: cases.count)
        for round in 0..<max(1, repeats) {
            if round > 0 { betweenRounds() }
            print("\ntrace throughput, round \(round + 1) of \(max(1, repeats))")
            for (i, c) in cases.enumerated() {
                do {
                    let row = try measure(name: c.name, model: URL(fileURLWithPath: c.path), corpus: corpusPath, quick: quick,
                                          limit: c.limit, weightCache: weightCache, batchTokens: batchTokens)
                    print(String(format: "  %-13@ %2d rows: %6.0f tokens/s", row.model as NSString, row.rows, row.tokensPerSecond))
                    runs[i].append(row)
                } catch {
                    print("trace throughput on \(c.name) failed: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
                }
            }
        }
        return runs.compactMap { all in
            guard var best = all.max(by: { $0.tokensPerSecond < $1.tokensPerSecond }) else { return nil }
            best.allTokensPerSecond = all.map(\.tokensPerSecond)
            // Later runs start with the heap earlier cases left (HeapPolicy keeps it): the smallest peak is the
            // case's own.
            best.peakRSS = all.map(\.peakRSS).min() ?? best.peakRSS
            print("\n" + best.details, terminator: "")
            return best
        }
    }

    /// The corpus shipped with the repository: found from the working folder or from this source file.
    static func corpusPath() -> String? {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return ["notebooks-data/django-ui-12lang.tsv",
                repository.appendingPathComponent("notebooks-data/django-ui-12lang.tsv").path]
            .first(where: { FileManager.default.fileExists(atPath: $0) })
    }

    /// The side-by-side table: each model and size against the sgemm peak of the same run.
    static func printSummary(_ rows: [Row], sgemmPeakGFLOPS: Double) {
        guard !rows.isEmpty else { return }
        let runs = rows.map(\.allTokensPerSecond.count).max() ?? 1
        print("\nsummary on \(cpuName()) with \(BLASThreads.count) threads (target: overall ≥ 85% of the sgemm peak)")
        print(String(format: "  sgemm peak %.1f GFLOP/s (best of its repeats); each trace: its fastest run%@", sgemmPeakGFLOPS,
                     (runs > 1 ? " of \(runs), and the median run's share; peak RSS the smallest of its runs" : "") as NSString))
        for r in rows {
            let sorted = r.allTokensPerSecond.sorted()
            let median = sorted.isEmpty ? r.tokensPerSecond : sorted[sorted.count / 2]
            let share = 100 * r.gflops / max(sgemmPeakGFLOPS, 1e-9)
            print(String(format: "  %-13@ %2d rows %5d tokens %2d batches  %6.0f tokens/s  overall %5.1f GFLOP/s = %3.0f%% of peak (median run %3.0f%%)  block matmuls %3.0f%%  peak RSS %5.0f MiB%@",
                         r.model as NSString, r.rows, r.tokens, r.batches, r.tokensPerSecond, r.gflops,
                         share, share * median / max(r.tokensPerSecond, 1e-9), 100 * r.matmulGFLOPS / max(sgemmPeakGFLOPS, 1e-9),
                         Double(r.peakRSS) / 1_048_576, (r.weightsKept ? " (decoded weights kept)" : "") as NSString))
        }
    }

    /// The CPU's model name (/proc/cpuinfo).
    static func cpuName() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return "unknown CPU"
    }

    /// The corpus as a trace input (all 12 languages, or 3 with --quick), its first `limit` rows.
    static func readCorpus(_ path: String, quick: Bool, limit: Int? = nil) throws -> ParallelCorpus {
        let full = try ParallelCorpus.load(URL(fileURLWithPath: path))
        return try full.selecting(languages: quick ? Array(full.languages.prefix(3)) : nil, limit: limit).checkedForTracing()
    }

    /// Peak RSS since the last reset: `VmHWM` of /proc/self/status, reset by writing 5 to
    /// /proc/self/clear_refs (Linux ≥ 4.0); getrusage's lifetime peak where that is not possible.
    static func resetPeakRSS() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    static func peakRSS() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                if let kib = line.dropFirst(6).split(separator: " ").first.flatMap({ Int($0) }) { return kib * 1024 }
            }
        }
        return ResourceUsage.peakResidentBytes
    }

    static func measure(name: String, model: URL, corpus: String, quick: Bool, limit: Int?,
                        weightCache: WeightCache, batchTokens: Int) throws -> Row {
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { d.seconds }
        resetPeakRSS()
        var mark = clock.now
        let checkpoint = try Checkpoint.open(model)
        let decoder = try ModelLoader.load(checkpoint)
        let kept = weightCache.apply(to: decoder)
        let tokenizer = try Tokenizers.load(for: checkpoint)
        let load = seconds(clock.now - mark)

        mark = clock.now
        let settings = try TraceSettings(pools: [.mean], batchTokens: batchTokens)
        let traceCorpus = try readCorpus(corpus, quick: quick, limit: limit)
        let plan = try TracePlan(corpus: traceCorpus, tokenizer: tokenizer, settings: settings)
        let tokenize = seconds(clock.now - mark)
        var details = "trace throughput: \(name), \(traceCorpus.sentenceCount) rows × \(traceCorpus.languages.count) languages\n"
        func print(_ line: String) { details += line + "\n" }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interlingua-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = TraceRun(model: decoder, plan: plan, output: dir.appendingPathComponent("bench.h5"),
                           modelName: model.lastPathComponent, modelIdentity: model.path, toolVersion: "bench")
        mark = clock.now
        let o = try run.run(resume: false)
        let traced = seconds(clock.now - mark)
        let endToEnd = traced + tokenize

        let f = o.forward
        let t = o.timing
        let keptInRun = o.weightsKept
        let matmulGFLOPS = o.blockMatmulFLOPs / max(f.matmulSeconds, 1e-12) / 1e9
        let other = o.computeSeconds - f.totalSeconds - t.sinks
        print(String(format: "  %d sentences, %d tokens in %d batches; load %.2f s, weights %@ (%.2f GiB in Float)",
                     o.sentences, o.tokens, o.batches, load,
                     (keptInRun ? "decoded once and kept" : kept ? "decoded in each lane once per group of its batches (few lane groups)" : "decoded per batch") as NSString,
                     Double(decoder.decodedWeightBytes) / 1_073_741_824))
        print(String(format: "  end to end %.2f s = %.0f tokens/s (tokenize %.3f s + compute %.2f s + write %.3f s + setup %.3f s)",
                     endToEnd, Double(o.tokens) / endToEnd, tokenize, o.computeSeconds, o.writeSeconds,
                     max(0, traced - o.computeSeconds - o.writeSeconds)))
        print("  share of the end-to-end time per stage:")
        for (label, s) in [("tokenize", tokenize), ("weight decoding (incl. embedding rows)", f.decodeSeconds),
                           ("block matmuls (sgemm)", f.matmulSeconds), ("attention", f.attentionSeconds),
                           ("norms/RoPE/activation/residual", f.elementwiseSeconds), ("pooling sinks", t.sinks),
                           ("other compute (final norm, copies)", other), ("HDF5 write + journal", o.writeSeconds),
                           ("setup (file creation, lock)", max(0, traced - o.computeSeconds - o.writeSeconds))] {
            print(String(format: "    %-42@ %7.3f s  %5.1f%%", label as NSString, s, 100 * s / max(endToEnd, 1e-12)))
        }
        print(String(format: "  (+ %.3f s of writing under the next group's compute)", o.overlappedWriteSeconds))
        print(String(format: "  overall %.1f GFLOP/s (%.3g FLOPs: block projections + attention); block matmuls %.1f GFLOP/s",
                     o.flops / endToEnd / 1e9, o.flops, matmulGFLOPS))
        return Row(model: name, rows: traceCorpus.sentenceCount, sentences: o.sentences, tokens: o.tokens, batches: o.batches,
                   tokensPerSecond: Double(o.tokens) / endToEnd, gflops: o.flops / endToEnd / 1e9,
                   matmulGFLOPS: matmulGFLOPS, peakRSS: peakRSS(), weightsKept: keptInRun, details: details)
    }
}
