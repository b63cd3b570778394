// Broken tokenizer inputs are refused with typed errors naming the source and the problem.
import Checkpoints
import Foundation
import Testing
import TestSupport
import Tokenizers

func tokenizerError(_ body: () throws -> Any) -> TokenizerError? {
    do { _ = try body(); return nil } catch let e as TokenizerError { return e } catch { return nil }
}

@Suite("Malformed tokenizer.model files throw TokenizerError")
struct MalformedSentencePieceTests {
    @Test func truncatedProtobuf() throws {
        let bytes = Proto.model()
        for cut in [3, bytes.count / 2, bytes.count - 1] {
            let e = tokenizerError { try SentencePieceModel(bytes: Array(bytes[..<cut]), source: "cut") }
            switch e {
            case .malformed(source: "cut", _)?, .missingField(source: "cut", _)?: break
            default: Issue.record("cut at \(cut): \(String(describing: e))")
            }
        }
    }

    @Test func wrongWireTypeAndMissingFields() throws {
        // pieces (field 1) as a varint instead of a message
        let wrong = Proto.field(1, varint: 5)
        #expect(tokenizerError { try SentencePieceModel(bytes: wrong, source: "w") } == .wrongType(source: "w", field: "pieces", expected: "length-delimited"))
        let noPieces = Proto.field(2, bytes: Proto.field(3, varint: 2))
        #expect(tokenizerError { try SentencePieceModel(bytes: noPieces, source: "n") } == .missingField(source: "n", field: "pieces"))
        let noTrainer = Proto.piece("a", 0)
        #expect(tokenizerError { try SentencePieceModel(bytes: noTrainer, source: "t") } == .missingField(source: "t", field: "trainer_spec"))
        let badType = Proto.field(1, bytes: Proto.field(1, bytes: [0x61]) + Proto.field(3, varint: 9)) + Proto.field(2, bytes: [])
        #expect(tokenizerError { try SentencePieceModel(bytes: badType, source: "b") } == .malformed(source: "b", reason: "piece 0 has unknown type 9"))
    }

    @Test func unsupportedModelsAreRefusedClearly() throws {
        let unigram = try SentencePieceModel(bytes: Proto.model(modelType: 1), source: "u")
        guard case .unsupported? = tokenizerError({ try SentencePieceBPETokenizer(model: unigram, source: "u") }) else {
            Issue.record("unigram accepted"); return
        }
        let nfkc = try SentencePieceModel(bytes: Proto.model(charsmap: [1, 2, 3, 4]), source: "n")
        let e = tokenizerError { try SentencePieceBPETokenizer(model: nfkc, source: "n") }
        #expect(e?.errorDescription?.contains("precompiled character map") == true)
    }

    @Test func aFileThatIsNotAProtobuf() throws {
        let url = try TestPaths.temporaryDirectory("spm").appendingPathComponent("tokenizer.model")
        try Data("this is not a protobuf at all".utf8).write(to: url)
        #expect(tokenizerError { try Tokenizers.sentencePiece(model: url) } != nil)
        let missing = url.deletingLastPathComponent().appendingPathComponent("absent.model")
        guard case .unreadable? = tokenizerError({ try Tokenizers.sentencePiece(model: missing) }) else {
            Issue.record("missing file not reported as unreadable"); return
        }
    }
}

@Suite("Malformed GGUF vocabularies throw TokenizerError")
struct MalformedGGUFVocabularyTests {
    let base: [String: MetadataValue] = [
        "tokenizer.ggml.model": .string("llama"),
        "tokenizer.ggml.tokens": .array([.string("<unk>"), .string("<s>"), .string("a")]),
        "tokenizer.ggml.scores": .array([.float32(0), .float32(0), .float32(-1)]),
        "tokenizer.ggml.token_type": .array([.int32(2), .int32(3), .int32(1)]),
    ]

    @Test func aMinimalVocabularyWorks() throws {
        var m = base
        m["tokenizer.ggml.add_space_prefix"] = .bool(false)
        let t = try Tokenizers.gguf(metadata: m)
        // llama.cpp's defaults for SentencePiece vocabularies: BOS 1 (added), EOS 2, unknown 0.
        #expect(t.encode("a") == [1, 2])
        #expect(t.encode("b", addBOS: false) == [0])
    }

    @Test func eachBrokenKeyIsNamed() throws {
        var m = base
        m["tokenizer.ggml.tokens"] = nil
        #expect(tokenizerError { try Tokenizers.gguf(metadata: m) } == .missingField(source: "GGUF metadata", field: "tokenizer.ggml.tokens"))
        m = base
        m["tokenizer.ggml.tokens"] = .array([.string("a"), .int32(3), .string("b")])
        #expect(tokenizerError { try Tokenizers.gguf(metadata: m) } == .wrongType(source: "GGUF metadata", field: "tokenizer.ggml.tokens[1]", expected: "string"))
        m = base
        m["tokenizer.ggml.scores"] = .array([.float32(0)])
        #expect(tokenizerError { try Tokenizers.gguf(metadata: m) } == .wrongType(source: "GGUF metadata", field: "tokenizer.ggml.scores", expected: "array of 3 floats"))
        m = base
        m["tokenizer.ggml.token_type"] = .array([.int32(2), .int32(3), .int32(42)])
        #expect(tokenizerError { try Tokenizers.gguf(metadata: m) } == .malformed(source: "GGUF metadata", reason: "tokenizer.ggml.token_type[2] = 42 is no token type"))
        m = base
        m["tokenizer.ggml.bos_token_id"] = .uint32(99)
        #expect(tokenizerError { try Tokenizers.gguf(metadata: m) } == .malformed(source: "GGUF metadata", reason: "tokenizer.ggml.bos_token_id = 99 is outside the vocabulary of 3"))
        m = base
        m["tokenizer.ggml.model"] = .string("bert")
        guard case .unsupported? = tokenizerError({ try Tokenizers.gguf(metadata: m) }) else { Issue.record("bert accepted"); return }
        m = base
        m["tokenizer.ggml.model"] = nil
        #expect(tokenizerError { try Tokenizers.gguf(metadata: m) } == .missingField(source: "GGUF metadata", field: "tokenizer.ggml.model"))
    }

    @Test func byteLevelVocabularyProblems() throws {
        var m: [String: MetadataValue] = [
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string("smollm"),
            "tokenizer.ggml.tokens": .array([.string("a"), .string("b"), .string("ab")]),
            "tokenizer.ggml.merges": .array([.string("a b")]),
        ]
        let t = try Tokenizers.gguf(metadata: m)
        #expect(t.encode("ab") == [2])
        #expect(t.encode("ba") == [1, 0])
        m["tokenizer.ggml.merges"] = .array([.string("ab")])
        #expect(tokenizerError { try Tokenizers.gguf(metadata: m) } == .malformed(source: "GGUF metadata", reason: "merge rule 0 is not 'left right'"))
        m["tokenizer.ggml.merges"] = nil
        #expect(tokenizerError { try Tokenizers.gguf(metadata: m) } == .missingField(source: "GGUF metadata", field: "tokenizer.ggml.merges"))
        m["tokenizer.ggml.merges"] = .array([.string("a b")])
        m["tokenizer.ggml.pre"] = .string("deepseek-coder")
        guard case .unsupported? = tokenizerError({ try Tokenizers.gguf(metadata: m) }) else { Issue.record("unknown pre accepted"); return }
    }
}

@Suite("Malformed tokenizer.json files throw TokenizerError")
struct MalformedTokenizerJSONTests {
    func write(_ text: String) throws -> URL {
        let url = try TestPaths.temporaryDirectory("tokjson").appendingPathComponent("tokenizer.json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func brokenJSONAndMissingParts() throws {
        let broken = try write("{\"model\": {")
        guard case .malformed? = tokenizerError({ try Tokenizers.huggingFace(tokenizerJSON: broken) }) else { Issue.record("broken JSON"); return }
        let noModel = try write("{}")
        #expect(tokenizerError { try Tokenizers.huggingFace(tokenizerJSON: noModel) } == .missingField(source: noModel.path, field: "model"))
        let noVocab = try write("{\"model\": {\"type\": \"BPE\"}}")
        #expect(tokenizerError { try Tokenizers.huggingFace(tokenizerJSON: noVocab) } == .missingField(source: noVocab.path, field: "model.vocab"))
        let badID = try write("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"zero\"}, \"merges\": []}}")
        #expect(tokenizerError { try Tokenizers.huggingFace(tokenizerJSON: badID) } == .wrongType(source: badID.path, field: "model.vocab[a]", expected: "non-negative integer id"))
        let unigram = try write("{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}")
        guard case .unsupported? = tokenizerError({ try Tokenizers.huggingFace(tokenizerJSON: unigram) }) else { Issue.record("unigram"); return }
        let noPre = try write("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": null}")
        guard case .unsupported? = tokenizerError({ try Tokenizers.huggingFace(tokenizerJSON: noPre) }) else { Issue.record("no pre-tokenizer"); return }
    }
}

@Suite("A tokenizer.json naming a huge token id is refused without allocating tables for it")
struct SparseTokenIDTests {
    @Test("an added token of id 9,999,999 beside one vocabulary entry is refused in bounded memory")
    func hugeAddedTokenID() throws {
        let url = try TestPaths.temporaryDirectory("tokjson").appendingPathComponent("tokenizer.json")
        let json = #"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"added_tokens":[{"id":9999999,"content":"x"}],"pre_tokenizer":{"type":"ByteLevel"}}"#
        try Data(json.utf8).write(to: url)
        let started = Date()
        let error = tokenizerError { try Tokenizers.huggingFace(tokenizerJSON: url) }
        guard case let .malformed(source, reason)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(source == url.path)
        #expect(reason.contains("9999999") && reason.contains("with only 2 tokens"))
        #expect(Date().timeIntervalSince(started) < 1)
    }

    @Test("added tokens just past the vocabulary (the usual layout) are accepted")
    func denseAddedTokens() throws {
        let url = try TestPaths.temporaryDirectory("tokjson").appendingPathComponent("tokenizer.json")
        let json = #"{"model":{"type":"BPE","vocab":{"a":0,"b":1},"merges":[]},"added_tokens":[{"id":2,"content":"<s>","special":true}],"pre_tokenizer":{"type":"ByteLevel"}}"#
        try Data(json.utf8).write(to: url)
        let tokenizer = try Tokenizers.huggingFace(tokenizerJSON: url)
        #expect(tokenizer.encode("ab", addBOS: false) == [0, 1])
    }
}
