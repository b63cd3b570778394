import Checkpoints
import Foundation
import Generation
import Models
import TestSupport
import Testing
import Tokenizers

/// Runs the fixture prompts of one model and returns the results in fixture order.
func generateFixture(_ name: String, model url: URL, settings adjust: (inout GenerationSettings) -> Void = { _ in },
                     only: [Int]? = nil, weightBudget: Int = 2 << 30) throws -> (fixtures: [FixtureGeneration], results: [GenerationResult]) {
    let checkpoint = try Checkpoint.open(url)
    let resolved = try ModelCheckpoint(checkpoint)
    let config = resolved.config
    let model = try DecodedWeights.model(resolved, budgetBytes: weightBudget).model
    let tokenizer = try Tokenizers.load(for: checkpoint)
    var fixtures = try FixtureGeneration.load(name)
    if let only { fixtures = only.map { fixtures[$0] } }
    var chat: ChatFormat?
    if fixtures.contains(where: { $0.kind == "chat" }) {
        let own = PromptFile.modelChatTemplate(checkpoint)
        chat = try ChatFormat.resolve(override: nil, modelTemplate: own?.template, templateOrigin: own?.origin ?? "",
                                      architecture: config.architecture.rawValue, source: name).format
    }
    let encoder = PromptEncoder(tokenizer: tokenizer, template: nil, chat: chat)
    var settings = GenerationSettings(maxNewTokens: 24, eosIDs: encoder.endOfGeneration)
    adjust(&settings)
    let generator = try Generator(model: model, tokenizer: tokenizer, settings: settings)
    let results = try generator.generate(try fixtures.map { try encoder.request(for: $0.record) })
    return (fixtures, results)
}

/// Prompt ids identical; generated ids identical up to the first near-tie; finish reasons and text identical
/// when no near-tie occurred.
func expectMatchesFixture(_ fixtures: [FixtureGeneration], _ results: [GenerationResult]) {
    #expect(fixtures.count == results.count)
    for (f, r) in zip(fixtures, results) {
        #expect(r.promptIDs == f.prompt_ids, "prompt \(f.index)")
        let n = f.comparableSteps
        #expect(Array(r.outputIDs.prefix(n)) == Array(f.generated_ids.prefix(n)), "prompt \(f.index) (\(f.lang))")
        if n == f.generated_ids.count {
            #expect(r.outputIDs == f.generated_ids, "prompt \(f.index)")
            #expect(r.finish.rawValue == f.finish, "prompt \(f.index)")
            #expect(r.text == f.text, "prompt \(f.index)")
        }
    }
}

@Suite("Greedy generation reproduces transformers' tokens")
struct GreedyGenerationTests {
    @Test("SmolLM2: 6 chat prompts (ChatML) and 2 raw ones, batched", .enabled(if: modelIsCached(TestPaths.smolLM2)))
    func smolLM2() throws {
        let (fixtures, results) = try generateFixture("smollm2-135m-instruct-q4_1", model: TestPaths.smolLM2)
        expectMatchesFixture(fixtures, results)
        // "The capital of France is Paris." then <|im_end|>.
        #expect(results[0].finish == .eos && results[0].outputIDs.last == 2)
        #expect(results[0].text == "The capital of France is Paris.")
    }

    @Test("Gemma 3: official chat template, sliding-window layers, batched", .enabled(if: modelIsCached(TestPaths.gemma3)))
    func gemma3() throws {
        let (fixtures, results) = try generateFixture("gemma-3-270m-q4_k_m", model: TestPaths.gemma3)
        expectMatchesFixture(fixtures, results)
    }

    @Test("Tiny m-LLaMA: 8 raw continuations")
    func tinyMLlama() throws {
        let (fixtures, results) = try generateFixture("tiny-mllama", model: TestPaths.fixture("tiny-mllama"))
        expectMatchesFixture(fixtures, results)
    }
}

@Suite("Batching and the KV cache do not change the answers")
struct BatchingTests {
    @Test("Tiny m-LLaMA: all prompts in one batch = each prompt alone = re-running the whole prefix every step")
    func tinyBatchedEqualsAlone() throws {
        let url = TestPaths.fixture("tiny-mllama")
        let batched = try generateFixture("tiny-mllama", model: url).results
        let recomputed = try generateFixture("tiny-mllama", model: url) { $0.recomputePrefix = true }.results
        #expect(batched.map(\.outputIDs) == recomputed.map(\.outputIDs))
        for i in [0, 3, 6] {
            let alone = try generateFixture("tiny-mllama", model: url, only: [i]).results[0]
            #expect(alone.outputIDs == batched[i].outputIDs)
            // The projections are one sgemm over the batch's rows; with fewer rows OpenBLAS may block the
            // sums differently, so margins agree to float32 rounding, not bit for bit.
            #expect(zip(alone.margins, batched[i].margins).allSatisfy { abs($0 - $1) < 1e-5 })
        }
        // Two slots for eight prompts: finished sequences leave the batch and waiting ones take their slot.
        let narrow = try generateFixture("tiny-mllama", model: url) { $0.maxConcurrent = 2 }.results
        #expect(narrow.map(\.outputIDs) == batched.map(\.outputIDs))
    }

    @Test("Weights kept in place (blocks in the model, head in DecodedWeights), kept in part, or not at all: the same bits")
    func weightBudgetChangesNoBit() throws {
        let url = TestPaths.fixture("tiny-mllama")
        let resolved = try ModelCheckpoint(try Checkpoint.open(url))
        let (model, weights) = try DecodedWeights.model(resolved, budgetBytes: 2 << 30)
        #expect(model.keepsDecodedWeights)
        _ = try Generator(model: model, tokenizer: try Tokenizers.load(for: try Checkpoint.open(url)),
                          settings: GenerationSettings(maxNewTokens: 2, eosIDs: []))
            .generate([GenerationRequest(id: "p", language: "en", promptIDs: [1, 2, 3])])
        // The blocks are the model's; the source holds only the embedding, the head (tied or not) and the
        // final norm, no per-layer tensor.
        let c = model.config
        #expect(weights.bytes > 0 && weights.bytes <= 4 * (2 * c.vocabSize * c.dModel + c.dModel))
        let kept = try generateFixture("tiny-mllama", model: url).results
        let partly = try generateFixture("tiny-mllama", model: url, weightBudget: model.decodedWeightBytes - 1).results
        let none = try generateFixture("tiny-mllama", model: url, weightBudget: 0).results
        #expect(kept.map(\.outputIDs) == none.map(\.outputIDs))
        #expect(kept.map(\.margins) == none.map(\.margins))
        #expect(partly.map(\.margins) == none.map(\.margins))
        let small = try DecodedWeights.model(resolved, budgetBytes: model.decodedWeightBytes - 1).model
        #expect(!small.keepsDecodedWeights)
    }

    @Test("SmolLM2: a prompt alone gives the tokens it gives in the batch", .enabled(if: modelIsCached(TestPaths.smolLM2)))
    func smolLM2BatchedEqualsAlone() throws {
        let all = try generateFixture("smollm2-135m-instruct-q4_1", model: TestPaths.smolLM2,
                                      settings: { $0.maxNewTokens = 12 }, only: [1, 6])
        for (k, i) in [1, 6].enumerated() {
            let alone = try generateFixture("smollm2-135m-instruct-q4_1", model: TestPaths.smolLM2,
                                            settings: { $0.maxNewTokens = 12 }, only: [i]).results[0]
            #expect(alone.outputIDs == all.results[k].outputIDs)
        }
    }
}

@Suite("Sampling, stop strings and limits")
struct SamplingTests {
    @Test("A seed reproduces a sampled answer, in or out of a batch; another seed gives another answer")
    func seededSampling() throws {
        let url = TestPaths.fixture("tiny-mllama")
        func run(_ seed: UInt64, only: [Int]? = nil) throws -> [[Int32]] {
            try generateFixture("tiny-mllama", model: url, settings: {
                $0.sampling = SamplingSettings(temperature: 1.0, topK: 50, topP: 0.95, seed: seed)
            }, only: only).results.map(\.outputIDs)
        }
        let a = try run(7), b = try run(7), c = try run(8)
        #expect(a == b)
        #expect(a != c)
        #expect(try run(7, only: [2])[0] == a[2])
    }

    @Test("Top-k 1 is greedy; nucleus sampling keeps at least the top token")
    func samplerLimits() {
        let logits: [Float] = [0.5, 3, 1, 2.9]
        var random = SequenceRandom(seed: 1, stream: "x")
        logits.withUnsafeBufferPointer { z in
            for _ in 0..<20 {
                #expect(Sampler.choose(z, settings: SamplingSettings(temperature: 2, topK: 1), random: &random).id == 1)
                #expect(Sampler.choose(z, settings: SamplingSettings(temperature: 1, topP: 1e-6), random: &random).id == 1)
            }
            let g = Sampler.greedy(z)
            #expect(g.id == 1 && abs(g.margin - 0.1) < 1e-6)
        }
    }

    @Test("A stop string ends the answer with finish 'stop' and cuts the text before it", .enabled(if: modelIsCached(TestPaths.smolLM2)))
    func stopString() throws {
        // Fixture 6 continues "The capital of Germany is" with " Berlin.\n\nThe United States …".
        let r = try generateFixture("smollm2-135m-instruct-q4_1", model: TestPaths.smolLM2, settings: {
            $0.stopStrings = ["\n"]
        }, only: [6]).results[0]
        #expect(r.finish == .stop)
        #expect(r.text == " Berlin.")
        #expect(r.outputIDs == [11452, 30, 198])
    }
}
