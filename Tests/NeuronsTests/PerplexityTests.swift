import Checkpoints
import Foundation
import Models
import Testing
import TestSupport
import Tokenizers
import Tracing

/// A sentence of perplexity/<model>.json, decoded exactly.
struct ExpectedSentence: Decodable {
    var lang: String
    var id: String
    var ids: [Int32]
    var n_predicted: Int
    var nll_sum: Double
    var nll_sum_zh_off: Double
}

struct ExpectedPerplexity: Decodable {
    var sentences: [ExpectedSentence]
}

@Suite("perplexity gives transformers' per-sentence NLL, with and without the zh neurons")
struct PerplexityTests {
    /// Rows 0001–0003 of the fixture's ten keep the test quick (two passes of two models); the CLI run over
    /// all ten rows is in the README's numbers.
    @Test("rows 0001–0003 × 12 languages within 1e-4 relative", arguments: fixtureModels)
    func nll(model name: String) throws {
        let expected = try JSONDecoder().decode(ExpectedPerplexity.self,
                                                from: Data(contentsOf: TestPaths.fixture("perplexity/\(name).json")))
        let checkpoint = try Checkpoint.open(modelURL(name))
        let model = try ModelLoader.load(checkpoint)
        let tokenizer = try Tokenizers.load(for: checkpoint)
        let evaluator = try PerplexityEvaluator(model: model, tokenizer: tokenizer, batchTokens: 1024)
        let corpus = try djangoCorpus(rows: 3)
        let zh = try NeuronDeactivation.load(file: TestPaths.fixture("neurons/\(name)/expected.json").path, languages: ["zh"])
        #expect(zh.neurons.count == (name.hasPrefix("smollm2") ? 36 : 68))
        let base = try evaluator.evaluate(corpus)
        let off = try evaluator.evaluate(corpus, deactivation: zh)
        #expect(model.mlpActivationHook == nil)
        #expect(base.count == 36 && off.count == 36)
        let byKey = Dictionary(uniqueKeysWithValues: expected.sentences.map { ("\($0.lang)/\($0.id)", $0) })
        var worst = 0.0, worstOff = 0.0
        for (b, o) in zip(base, off) {
            let e = try #require(byKey["\(b.language)/\(b.id)"])
            #expect(b.ids == e.ids)
            #expect(b.predictedTokens == e.n_predicted)
            worst = max(worst, abs(b.nllSum - e.nll_sum) / abs(e.nll_sum))
            worstOff = max(worstOff, abs(o.nllSum - e.nll_sum_zh_off) / abs(e.nll_sum_zh_off))
        }
        print("perplexity (\(name)): largest relative NLL difference \(worst), zh off \(worstOff)")
        #expect(worst < 1e-4)
        #expect(worstOff < 1e-4)
    }

    @Test("a deactivation file for another model shape, or a missing language, is refused by name")
    func refusals() throws {
        let file = TestPaths.fixture("neurons/smollm2-135m-instruct-q4_1/expected.json").path
        #expect(throws: TracingError.self) { try NeuronDeactivation.load(file: file, languages: ["xx"]) }
        #expect(throws: TracingError.self) { try NeuronDeactivation.load(argument: "no-colon.json") }
        let zh = try NeuronDeactivation.load(argument: "\(file):zh,ru")
        #expect(zh.languages == ["zh", "ru"])
        var config = try ModelLoader.load(Checkpoint.open(TestPaths.gemma3)).config
        #expect(throws: TracingError.self) { try zh.check(against: config) }
        config.nLayers = 30
        config.dFFN = 1536
        try zh.check(against: config)
    }
}
