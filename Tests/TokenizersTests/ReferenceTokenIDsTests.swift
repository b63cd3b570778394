// Token ids identical to the reference tokenizers on every fixture string.
import Checkpoints
import Foundation
import Testing
import TestSupport
import Tokenizers

@Suite("SentencePiece tokenizer.model encodes every tiny-mllama fixture string as sentencepiece does")
struct TinyMLlamaReferenceTests {
    @Test func everyFixtureStringHasTheReferenceIDs() throws {
        let tokenizer = try Tokenizers.sentencePiece(model: TestPaths.fixture("tiny-mllama/tokenizer.model"))
        let cases = try ReferenceTokens.load("tiny-mllama/reference/tokens.jsonl")
        #expect(cases.count == 968)
        let result = mismatches(cases) { tokenizer.encode($0) }
        #expect(result.count == 0, "\(result.count) of \(cases.count) differ: \(result.examples.joined(separator: "\n"))")
    }

    @Test func vocabularyIncludesTheAddedPadToken() throws {
        let tokenizer = try Tokenizers.sentencePiece(model: TestPaths.fixture("tiny-mllama/tokenizer.model"))
        #expect(tokenizer.vocabularySize == 3001)
        #expect(tokenizer.bosID == 1)
        #expect(tokenizer.eosID == 2)
        #expect(tokenizer.addsBOSByDefault)
        #expect(tokenizer.decode([1, 3000, 2]) == "")
    }
}

@Suite("GGUF llama vocabulary encodes every Gemma 3 fixture string as llama.cpp does")
struct Gemma3ReferenceTests {
    @Test func everyFixtureStringHasTheReferenceIDs() throws {
        let tokenizer = try Tokenizers.gguf(metadata: try TestGGUFMetadata.gemma3.get())
        #expect(tokenizer.vocabularySize == 262_144)
        #expect(tokenizer.addsBOSByDefault)
        let cases = try ReferenceTokens.load("gemma-3-270m-q4_k_m/tokens.jsonl")
        #expect(cases.count == 968)
        let result = mismatches(cases) { tokenizer.encode($0) }
        #expect(result.count == 0, "\(result.count) of \(cases.count) differ: \(result.examples.joined(separator: "\n"))")
    }
}

@Suite("GGUF gpt2 vocabulary encodes every SmolLM2 fixture string as llama.cpp does")
struct SmolLM2ReferenceTests {
    @Test func everyFixtureStringHasTheReferenceIDs() throws {
        let tokenizer = try Tokenizers.gguf(metadata: try TestGGUFMetadata.smolLM2.get())
        #expect(tokenizer.vocabularySize == 49_152)
        #expect(!tokenizer.addsBOSByDefault)
        let cases = try ReferenceTokens.load("smollm2-135m-instruct-q4_1/tokens.jsonl")
        #expect(cases.count == 968)
        let result = mismatches(cases) { tokenizer.encode($0) }
        #expect(result.count == 0, "\(result.count) of \(cases.count) differ: \(result.examples.joined(separator: "\n"))")
    }
}
