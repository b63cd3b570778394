// A count-only pass (`trace --pool none --neurons`) against a plain trace (`--pool mean`) on the same
// corpus and model: the counting hook must keep ≥ 90 % of the plain throughput (issue #12).
import Checkpoints
import Foundation
import Models
import Tokenizers
import Tracing

enum NeuronCountBenchmark {
    /// For each cached model: plain and count-only traces, alternated twice, best compute throughput of each.
    static func run(quick: Bool) {
        let cache = ProcessInfo.processInfo.environment["INTERLINGUA_CACHE"] ?? NSHomeDirectory() + "/.cache/interlingua"
        guard let corpusPath = ["notebooks-data/django-ui-12lang.tsv", "/work/shared/data/django-ui-12lang.tsv"]
            .first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            print("neuron counting: django-ui-12lang.tsv not found")
            return
        }
        print("\nneuron counting: count-only pass (--pool none --neurons) vs plain trace (--pool mean)")
        for (name, file) in [("SmolLM2-135M", "SmolLM2-135M-Instruct.Q4_1.gguf"), ("Gemma 3 270M", "gemma-3-270m-q4_k_m.gguf")] {
            let path = cache + "/models/" + file
            guard FileManager.default.fileExists(atPath: path) else { print("  \(path) missing (make models)"); continue }
            do {
                let checkpoint = try Checkpoint.open(URL(fileURLWithPath: path))
                let model = try ModelLoader.load(checkpoint)
                WeightCache.auto.apply(to: model)
                let tokenizer = try Tokenizers.load(for: checkpoint)
                let corpus = try TraceThroughputBenchmark.readCorpus(corpusPath, quick: quick)
                let plain = try TraceSettings(pools: [.mean], batchTokens: 2048)
                let counting = try TraceSettings(pools: [], batchTokens: 2048, neuronCounts: NeuronCountSettings())
                var best = (plain: 0.0, counting: 0.0)
                var tokens = 0
                for _ in 0..<2 {
                    for (k, settings) in [plain, counting].enumerated() {
                        let plan = try TracePlan(corpus: corpus, tokenizer: tokenizer, settings: settings)
                        tokens = plan.tokenCount
                        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interlingua-bench-\(UUID().uuidString)")
                        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                        defer { try? FileManager.default.removeItem(at: dir) }
                        let o = try TraceRun(model: model, plan: plan, output: dir.appendingPathComponent("b.h5"),
                                             modelName: file, modelIdentity: path, toolVersion: "bench").run(resume: false)
                        let rate = Double(o.tokensComputed) / (o.computeSeconds + o.writeSeconds)
                        if k == 0 { best.plain = max(best.plain, rate) } else { best.counting = max(best.counting, rate) }
                    }
                }
                print(String(format: "  %-13@ %6d tokens: plain %6.0f tokens/s, count-only %6.0f tokens/s = %5.1f %% (target ≥ 90 %%)",
                             name as NSString, tokens, best.plain, best.counting, 100 * best.counting / max(best.plain, 1e-9)))
            } catch {
                print("  \(name) failed: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
            }
        }
    }
}
