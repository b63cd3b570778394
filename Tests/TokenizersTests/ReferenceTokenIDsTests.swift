// Token ids identical to the reference tokenizers on every fixture string.
import Checkpoints
import Foundation
import Testing
import TestSupport
import Tokenizers

@Suite("SentencePiece tokenizer.model encodes every tiny-mllama fixture string as sentencepiece does")
struct TinyMLlamaReferenceTests {
    @Test func everyFixtureStringHasTheReferenceIDs() throws {
        let tokenizer = try ModelTokenizers.tinyMLlama.get()
        let cases = try ReferenceTokens.load("tiny-mllama/reference/tokens.jsonl")
        #expect(cases.count == 968)
        let result = mismatches(cases) { tokenizer.encode($0) }
        #expect(result.count == 0, "\(result.count) of \(cases.count) differ: \(result.examples.joined(separator: "\n"))")
    }

    @Test func theBareTokenizerModelGivesTheSameIDs() throws {
        let tokenizer = try Tokenizers.sentencePiece(model: TestPaths.fixture("tiny-mllama/tokenizer.model"))
        let cases = try ReferenceTokens.load("tiny-mllama/reference/tokens.jsonl")
        #expect(mismatches(cases) { tokenizer.encode($0) }.count == 0)
    }

    @Test func vocabularyIncludesTheAddedPadTokenAndBOSFollowsTheConfig() throws {
        let tokenizer = try ModelTokenizers.tinyMLlama.get()
        #expect(tokenizer.vocabularySize == 3001)
        #expect(tokenizer.bosID == 1)
        #expect(tokenizer.eosID == 2)
        #expect(tokenizer.addsBOSByDefault)
        #expect(tokenizer.encode("a", addBOS: false) == [260])  // "▁a"
        #expect(tokenizer.decode([1, 3000, 2]) == "")
    }
}

@Suite("GGUF llama vocabulary encodes every Gemma 3 fixture string as llama.cpp does")
struct Gemma3ReferenceTests {
    @Test func everyFixtureStringHasTheReferenceIDs() throws {
        let tokenizer = try ModelTokenizers.gemma3.get()
        #expect(tokenizer.vocabularySize == 262_144)
        #expect(tokenizer.addsBOSByDefault)
        #expect(tokenizer.bosID == 2)
        #expect(tokenizer.eosID == 1)
        let cases = try ReferenceTokens.load("gemma-3-270m-q4_k_m/tokens.jsonl")
        #expect(cases.count == 968)
        let result = mismatches(cases) { tokenizer.encode($0) }
        #expect(result.count == 0, "\(result.count) of \(cases.count) differ: \(result.examples.joined(separator: "\n"))")
    }
}

@Suite("GGUF gpt2 vocabulary encodes every SmolLM2 fixture string as llama.cpp does")
struct SmolLM2ReferenceTests {
    @Test func everyFixtureStringHasTheReferenceIDs() throws {
        let tokenizer = try ModelTokenizers.smolLM2.get()
        #expect(tokenizer.vocabularySize == 49_152)
        #expect(!tokenizer.addsBOSByDefault)
        let cases = try ReferenceTokens.load("smollm2-135m-instruct-q4_1/tokens.jsonl")
        #expect(cases.count == 968)
        let result = mismatches(cases) { tokenizer.encode($0) }
        #expect(result.count == 0, "\(result.count) of \(cases.count) differ: \(result.examples.joined(separator: "\n"))")
    }

    @Test func aTokenizerJSONWithTheSameVocabularyGivesTheSameIDs() throws {
        // SmolLM2's tokenizer.json shape: BPE vocab + merges, Digits(individual) then ByteLevel, special added tokens.
        let metadata = try ModelTokenizers.smolLM2Checkpoint.get().metadata
        let tokens = try #require(metadata["tokenizer.ggml.tokens"]?.array).compactMap(\.string)
        let merges = try #require(metadata["tokenizer.ggml.merges"]?.array).compactMap(\.string)
        let types = try #require(metadata["tokenizer.ggml.token_type"]?.array).compactMap(\.int)
        var vocab: [String: Int] = [:]
        for (i, t) in tokens.enumerated() { vocab[t] = i }
        let added: [[String: Any]] = types.enumerated().filter { $0.element == 3 }.map {
            ["id": $0.offset, "content": tokens[$0.offset], "special": true]
        }
        let json: [String: Any] = [
            "version": "1.0", "added_tokens": added, "normalizer": NSNull(),
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
                ["type": "Digits", "individual_digits": true],
                ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            ]],
            "post_processor": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
            "decoder": ["type": "ByteLevel"],
            "model": ["type": "BPE", "vocab": vocab, "merges": merges, "ignore_merges": false],
        ]
        let folder = try TestPaths.temporaryDirectory("tokenizer-json")
        let url = folder.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        let tokenizer = try Tokenizers.huggingFace(tokenizerJSON: url, folder: folder)
        #expect(tokenizer.vocabularySize == 49_152)
        #expect(!tokenizer.addsBOSByDefault)
        let cases = try ReferenceTokens.load("smollm2-135m-instruct-q4_1/tokens.jsonl")
        let result = mismatches(cases) { tokenizer.encode($0) }
        #expect(result.count == 0, "\(result.count) of \(cases.count) differ: \(result.examples.joined(separator: "\n"))")
        #expect(tokenizer.decode(tokenizer.encode("Grüße, 世界! 🙂")) == "Grüße, 世界! 🙂")
    }
}
