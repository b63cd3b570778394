// Generation speed on the real models: decode tokens/s with 1, 8 and 32 concurrent prompts (greedy, KV cache,
// weights kept in Float), next to the prefill rate of the same prompts.
import Checkpoints
import Corpus
import Foundation
import Generation
import Models
import Tokenizers

enum GenerationThroughputBenchmark {
    static func run(quick: Bool) {
        let cache = ProcessInfo.processInfo.environment["INTERLINGUA_CACHE"] ?? NSHomeDirectory() + "/.cache/interlingua"
        let models = [("SmolLM2-135M", cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
                      ("Gemma 3 270M", cache + "/models/gemma-3-270m-q4_k_m.gguf")]
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        guard let corpusPath = ["notebooks-data/django-ui-12lang.tsv",
                                repository.appendingPathComponent("notebooks-data/django-ui-12lang.tsv").path]
            .first(where: { FileManager.default.fileExists(atPath: $0) }),
              let corpus = try? ParallelCorpus.load(URL(fileURLWithPath: corpusPath)) else {
            print("generation: django-ui-12lang.tsv not found")
            return
        }
        // 32 different prompts: the first Django sentences in English, as raw continuations.
        let sentences = corpus.texts[0]
        let newTokens = quick ? 16 : 32
        var lines: [String] = []
        for (name, path) in models {
            guard FileManager.default.fileExists(atPath: path) else {
                print("generation: \(path) missing (make models)")
                continue
            }
            do {
                let checkpoint = try Checkpoint.open(URL(fileURLWithPath: path))
                let resolved = try ModelCheckpoint(checkpoint)
                let model = try DecodedWeights.model(resolved, budgetBytes: 4 << 30).model
                let tokenizer = try Tokenizers.load(for: checkpoint)
                print("\ngeneration: \(name), \(newTokens) new tokens per prompt (greedy, no EOS stop)")
                for concurrent in [1, 8, 32] {
                    let requests = (0..<concurrent).map { i in
                        GenerationRequest(id: "p\(i)", language: "en", promptIDs: tokenizer.encode(sentences[i % sentences.count]))
                    }
                    let settings = GenerationSettings(maxNewTokens: newTokens, eosIDs: [], maxConcurrent: concurrent)
                    // A warm-up prompt decodes and keeps the weights, so the timing is the steady state.
                    _ = try Generator(model: model, tokenizer: tokenizer, settings: GenerationSettings(maxNewTokens: 2, eosIDs: []))
                        .generate([requests[0]])
                    let generator = try Generator(model: model, tokenizer: tokenizer, settings: settings)
                    _ = try generator.generate(requests)
                    let t = generator.timing
                    let decodeRate = Double(t.decodeTokens) / max(t.decodeSeconds, 1e-9)
                    let prefillRate = Double(t.prefillTokens) / max(t.prefillSeconds, 1e-9)
                    let line = String(format: "  %-13@ %2d concurrent: decode %7.1f tokens/s (%5.1f ms/step), prefill %6.0f tokens/s (%d prompt tokens)",
                                      name as NSString, concurrent, decodeRate, 1000 * t.decodeSeconds / Double(max(t.decodeSteps, 1)),
                                      prefillRate, t.prefillTokens)
                    print(line)
                    lines.append(line)
                }
            } catch {
                print("generation on \(name) failed: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
            }
        }
        if !lines.isEmpty {
            print("\nsummary (generation)")
            lines.forEach { print($0) }
        }
    }
}
