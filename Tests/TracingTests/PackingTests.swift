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

    @Test("a plan packs each language separately, with token ranges that follow the offsets")
    func plan() throws {
        let corpus = try ParallelCorpus(source: "t", languages: ["en", "de"], ids: ["a", "b", "c"],
                                     texts: [["ab", "c", "defg"], ["x", "yz", "w"]])
        let plan = try TracePlan(corpus: corpus, tokenizer: ScalarTokenizer(), settings: TraceSettings(batchTokens: 5))
        // en prompts: BOS+2, BOS+1, BOS+4 → lengths 3, 2, 5; de: 2, 3, 2.
        #expect(plan.languages[0].offsets == [0, 3, 5, 10])
        #expect(plan.languages[1].offsets == [0, 2, 5, 7])
        #expect(plan.batches == [
            TraceBatch(language: 0, sentences: 0..<2, tokens: 0..<5),
            TraceBatch(language: 0, sentences: 2..<3, tokens: 5..<10),
            TraceBatch(language: 1, sentences: 0..<2, tokens: 0..<5),
            TraceBatch(language: 1, sentences: 2..<3, tokens: 5..<7),
        ])
        #expect(plan.tokenCount == 17)
        #expect(plan.languages[0].poolSpans == [1..<3, 1..<2, 1..<5])
    }
}
