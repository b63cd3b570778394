import Corpus
import Testing
import Tracing

@Suite("Sentences are packed into batches within the token budget")
struct PackingTests {
    @Test("greedy packing of consecutive sentences")
    func greedy() {
        #expect(TracePlan.pack(lengths: [3, 4, 2, 5, 1], budget: 7) == [0..<2, 2..<4, 4..<5])
        #expect(TracePlan.pack(lengths: [3, 4, 2, 5, 1], budget: 100) == [0..<5])
    }

    @Test("a sentence longer than the budget forms its own batch")
    func oversized() {
        #expect(TracePlan.pack(lengths: [2, 10, 2], budget: 5) == [0..<1, 1..<2, 2..<3])
        #expect(TracePlan.pack(lengths: [], budget: 5).isEmpty)
    }

    @Test("a plan packs the sentences of all languages together, each language a segment of consecutive rows")
    func plan() throws {
        let corpus = try ParallelCorpus(source: "t", languages: ["en", "de"], ids: ["a", "b", "c"],
                                     texts: [["ab", "c", "defg"], ["x", "yz", "w"]])
        let plan = try TracePlan(corpus: corpus, tokenizer: ScalarTokenizer(), settings: TraceSettings(batchTokens: 5))
        // en prompts: BOS+2, BOS+1, BOS+4 → lengths 3, 2, 5; de: 2, 3, 2.
        #expect(plan.languages[0].offsets == [0, 3, 5, 10])
        #expect(plan.languages[1].offsets == [0, 2, 5, 7])
        // All prompts in order: 3, 2, 5 | 2, 3, 2. With a budget of 5 no batch can join two languages: 3+2 | 5 | 2+3 | 2.
        #expect(plan.batches == [
            TraceBatch(language: 0, sentences: 0..<2, tokens: 0..<5),
            TraceBatch(language: 0, sentences: 2..<3, tokens: 5..<10),
            TraceBatch(language: 1, sentences: 0..<2, tokens: 0..<5),
            TraceBatch(language: 1, sentences: 2..<3, tokens: 5..<7),
        ])
        #expect(plan.tokenCount == 17)
        #expect(plan.languages[0].poolSpans == [1..<3, 1..<2, 1..<5])
        // A budget of 8 joins the end of en and the start of de: 3+2 | 5+2 | 3+2.
        let joined = try TracePlan(corpus: corpus, tokenizer: ScalarTokenizer(), settings: TraceSettings(batchTokens: 8))
        #expect(joined.batches == [
            TraceBatch(language: 0, sentences: 0..<2, tokens: 0..<5),
            TraceBatch(segments: [TraceSegment(language: 0, sentences: 2..<3, tokens: 5..<10),
                                  TraceSegment(language: 1, sentences: 0..<1, tokens: 0..<2)]),
            TraceBatch(language: 1, sentences: 1..<3, tokens: 2..<7),
        ])
        // One batch for everything when it fits.
        let all = try TracePlan(corpus: corpus, tokenizer: ScalarTokenizer(), settings: TraceSettings(batchTokens: 100))
        #expect(all.batches.count == 1 && all.batches[0].segments.count == 2 && all.batches[0].tokenCount == 17)
    }

    @Test("a small corpus runs in as few batches as its tokens allow, whatever its languages")
    func fewBatches() throws {
        let languages = (0..<12).map { "l\($0)" }
        let corpus = try ParallelCorpus(source: "t", languages: languages, ids: (0..<30).map { "\($0)" },
                                        texts: languages.map { _ in (0..<30).map { _ in "abcdefghi" } })
        let plan = try TracePlan(corpus: corpus, tokenizer: ScalarTokenizer(), settings: TraceSettings(batchTokens: 2048))
        // 360 prompts of 10 tokens: 3600 tokens fit in 2 batches of at most 2048, balanced to 180 + 180.
        #expect(plan.batches.count == 2)
        #expect(plan.batches.map(\.sentenceCount) == [180, 180])
        #expect(plan.batches.allSatisfy { $0.tokenCount <= 2048 })
    }

    @Test("balanced packing: greedy's batch count made even, the smallest cap that fits it, every sentence once")
    func balanced() {
        // Greedy within 400: 240+120 | 200+160 | 320 — three batches; rounded up to four (1040 tokens,
        // at least 1024), whose smallest cap is 320: 240 | 120+200 | 160 | 320.
        let lengths = [240, 120, 200, 160, 320]
        #expect(TracePlan.pack(lengths: lengths, budget: 400) == [0..<2, 2..<4, 4..<5])
        #expect(TracePlan.balancedPack(lengths: lengths, budget: 400) == [0..<1, 1..<3, 3..<4, 4..<5])
        // Fewer than 1024 tokens: greedy's count (3) kept, at the smallest cap (45 instead of 50).
        let small = [30, 15, 25, 20, 35]
        #expect(TracePlan.balancedPack(lengths: small, budget: 50) == [0..<2, 2..<4, 4..<5])
        // A sentence over the budget still runs alone; nothing is lost or repeated for any budget.
        var seed: UInt64 = 0x9e3779b97f4a7c15
        let random = (0..<500).map { _ -> Int in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int(seed >> 58) + 1
        }
        for budget in [1, 7, 64, 300, 2048, 100_000] {
            let batches = TracePlan.balancedPack(lengths: random, budget: budget)
            let greedy = TracePlan.pack(lengths: random, budget: budget)
            #expect(batches.first?.lowerBound == 0 && batches.last?.upperBound == random.count)
            #expect(zip(batches, batches.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(batches.allSatisfy { $0.count == 1 || random[$0].reduce(0, +) <= budget })
            #expect(batches.count == greedy.count + (greedy.count % 2 == 1 && greedy.count < random.count ? 1 : 0))
        }
    }
}
