// Lens cost against a plain trace of the same prompts (target: lens ≤ 1.5× trace) on the bundled models.
// Prompts: Wendler translation tasks from the bundled word lexicon into several target languages.
import Checkpoints
import Corpus
import Foundation
import LinearAlgebra
import Models
import Tokenizers
import Tracing

enum LensBenchmark {
    static func run(quick: Bool) {
        let cache = ProcessInfo.processInfo.environment["INTERLINGUA_CACHE"] ?? NSHomeDirectory() + "/.cache/interlingua"
        let models = [("SmolLM2-135M", cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
                      ("Gemma 3 270M", cache + "/models/gemma-3-270m-q4_k_m.gguf")]
        let lexiconPath = "notebooks-data/django-ui-words-12lang.tsv"
        guard FileManager.default.fileExists(atPath: lexiconPath) else {
            print("lens benchmark: \(lexiconPath) not found (run from the repository root)")
            return
        }
        do {
            let lexicon = try ParallelCorpus.load(URL(fileURLWithPath: lexiconPath))
            let pairs = quick ? [("fr", "zh"), ("de", "ja")] : [("fr", "zh"), ("de", "ja"), ("es", "ru"), ("ru", "fr"), ("zh", "de"), ("ja", "es")]
            var tasks: [LensTask] = []
            for (source, target) in pairs {
                tasks += try LensTasks.build(lexicon, kind: .translation, source: source, target: target, shots: 4, seed: 0)
            }
            print("\nlens vs trace: \(tasks.count) prompts (translation tasks from \(lexiconPath))")
            var summary: [String] = []
            for (name, path) in models {
                guard FileManager.default.fileExists(atPath: path) else { print("  \(path) missing (make models)"); continue }
                summary.append(try measure(name: name, model: URL(fileURLWithPath: path), tasks: tasks))
            }
            print("\nsummary (target: lens ≤ 1.5× trace)")
            for line in summary { print("  " + line) }
        } catch {
            print("lens benchmark failed: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
        }
    }

    static func measure(name: String, model: URL, tasks: [LensTask]) throws -> String {
        let clock = ContinuousClock()
        let checkpoint = try Checkpoint.open(model)
        let decoder = try ModelLoader.load(checkpoint)
        let tokenizer = try Tokenizers.load(for: checkpoint)
        guard let vocabulary = tokenizer as? any TokenVocabulary else { return "\(name): no vocabulary access" }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interlingua-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let plan = try LensPlan(tasks: tasks, vocabulary: vocabulary, settings: try LensSettings(batchTokens: 2048), source: "bench")
        // The plain trace of exactly the kept prompts: raw template, mean pooling, all layers written.
        let corpus = try ParallelCorpus(source: "bench", languages: ["prompt"], ids: plan.tasks.map(\.id),
                                     texts: [plan.tasks.map(\.prompt)])
        let tracePlan = try TracePlan(corpus: corpus, tokenizer: tokenizer, settings: try TraceSettings(pools: [.mean], batchTokens: 2048))
        var mark = clock.now
        _ = try TraceRun(model: decoder, plan: tracePlan, output: dir.appendingPathComponent("trace.h5"), modelName: name,
                         modelIdentity: model.path, toolVersion: "bench").run(resume: false)
        let trace = (clock.now - mark).seconds

        mark = clock.now
        let o = try LensRun(model: decoder, plan: plan, vocabulary: vocabulary)
            .run(output: dir.appendingPathComponent("lens.h5"), modelName: name, tasks: "bench", toolVersion: "bench")
        let lens = (clock.now - mark).seconds
        print(String(format: "  %@: %d prompts, %d tokens; trace %.2f s; lens %.2f s (forward %.2f, head %.2f, log-softmax %.2f, write %.2f) = %.2f× trace",
                     name as NSString, plan.tasks.count, plan.tokenCount, trace, lens, o.forwardSeconds, o.headSeconds,
                     o.reduceSeconds, o.writeSeconds, lens / trace))
        return String(format: "%-13@ %4d prompts %6d tokens  trace %6.2f s  lens %6.2f s  ratio %.2f×",
                      name as NSString, plan.tasks.count, plan.tokenCount, trace, lens, lens / trace)
    }
}
