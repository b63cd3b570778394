import Corpus
import Testing
import Tokenizers
import Tracing

@Suite("Bad corpus input is refused before any compute")
struct CorpusErrorTests {
    @Test("ragged columns, empty texts, empty corpora and duplicate languages")
    func shapes() {
        #expect(throws: TracingError.self) {
            try ParallelCorpus(source: "c.tsv", languages: ["en", "de"], ids: ["1", "2"], texts: [["a", "b"], ["c"]])
        }
        #expect(throws: TracingError.badCorpus(source: "c.tsv", reason: "sentence 2 is empty in en")) {
            try ParallelCorpus(source: "c.tsv", languages: ["en"], ids: ["1", "2"], texts: [["a", ""]])
        }
        #expect(throws: TracingError.self) {
            try ParallelCorpus(source: "c.tsv", languages: ["en"], ids: [], texts: [[]])
        }
        #expect(throws: TracingError.self) {
            try ParallelCorpus(source: "c.tsv", languages: ["en", "en"], ids: ["1"], texts: [["a"], ["b"]])
        }
    }

    @Test("a sentence that leaves nothing to pool is named")
    func nothingToPool() throws {
        struct EmptyTokenizer: Tokenizer {
            var vocabularySize: Int { 3 }
            var bosID: Int32? { 1 }
            var eosID: Int32? { 2 }
            var addsBOSByDefault: Bool { true }
            func encode(_ text: String, addBOS: Bool) -> [Int32] { addBOS ? [1] : [] }
            func decode(_ ids: [Int32]) -> String { "" }
        }
        let corpus = try ParallelCorpus(source: "c.tsv", languages: ["en"], ids: ["7"], texts: [["\u{200B}"]])
        #expect(throws: TracingError.emptySentence(language: "en", id: "7")) {
            try TracePlan(corpus: corpus, tokenizer: EmptyTokenizer(), settings: TraceSettings())
        }
    }
}
