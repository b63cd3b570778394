import Activations
import Checkpoints
import Corpus
import Foundation
import Models
import Neurons
import Testing
import TestSupport
import Tokenizers
import Tracing

/// The fixture corpus: rows 0001–`rows` × 12 languages of the Django corpus.
func djangoCorpus(rows: Int) throws -> ParallelCorpus {
    let url = TestPaths.fixture("neurons/django-ui-12lang-20.tsv")
    return try ParallelCorpus.load(url, limit: rows)
}

func modelURL(_ name: String) -> URL { name.hasPrefix("smollm2") ? TestPaths.smolLM2 : TestPaths.gemma3 }

@Suite("trace --neurons counts what transformers counts on the real models")
struct RealModelCountTests {
    @Test("a count-only trace (no pooling) of 20 rows × 12 languages matches counts.safetensors", arguments: fixtureModels)
    func counts(model name: String) throws {
        let folder = TestPaths.fixture("neurons/\(name)")
        let meta = try jsonObject(folder.appendingPathComponent("counts.json"))
        let nearZero = try #require(meta["near_zero"] as? [String: Int])
        let expected = try fixtureCounts(folder.appendingPathComponent("counts.safetensors"),
                                         languagesFrom: folder.appendingPathComponent("counts.json"),
                                         nLayers: try #require(meta["n_layers"] as? Int), dFFN: try #require(meta["d_ffn"] as? Int))
        let checkpoint = try Checkpoint.open(modelURL(name))
        let model = try ModelLoader.load(checkpoint)
        let tokenizer = try Tokenizers.load(for: checkpoint)
        let settings = try TraceSettings(pools: [], batchTokens: 1024, neuronCounts: NeuronCountSettings())
        let plan = try TracePlan(corpus: try djangoCorpus(rows: 20), tokenizer: tokenizer, settings: settings)
        let dir = try TestPaths.temporaryDirectory("neuron-counts")
        let url = dir.appendingPathComponent("counts.h5")
        _ = try TraceRun(model: model, plan: plan, output: url, modelName: name, modelIdentity: "fixture",
                         toolVersion: "test").run(resume: false)
        let (found, _) = try NeuronCounts.read(from: url)
        #expect(found.languages == expected.languages)
        #expect(found.tokens == expected.tokens)
        var report: [String] = []
        for (l, language) in expected.languages.enumerated() {
            var differing = 0, offBy = 0
            for (a, b) in zip(found.counts[l], expected.counts[l]) where a != b {
                differing += 1
                offBy += Int(abs(a - b))
            }
            // A count can move only where some token's gate sits within float32 rounding of 0.
            let bound = try #require(nearZero[language])
            #expect(offBy <= bound, "\(language): \(differing) entries differ by \(offBy) in all")
            report.append("\(language) \(differing)")
        }
        print("neuron counts differing from transformers (\(name)): \(report.joined(separator: ", "))")
        // Selection on our counts equals the selection on transformers' counts.
        #expect(try LAPE.select(found).selected == LAPE.select(expected).selected)
    }
}
