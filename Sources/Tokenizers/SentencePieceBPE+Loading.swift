// Building SentencePiece BPE tokenizers from a `tokenizer.model` (+ HF side files) or from GGUF metadata.
import Checkpoints
import Foundation

extension SentencePieceBPETokenizer {
    /// A tokenizer from a parsed `tokenizer.model`, encoding exactly as sentencepiece does.
    /// `addedTokens` are ids beyond the pieces (HF `added_tokens.json`, e.g. m-LLaMA's `<pad>` = 32000);
    /// they count in `vocabularySize` and decode, but text is never matched against them.
    public init(model: SentencePieceModel, addedTokens: [Int32: (text: String, special: Bool)] = [:],
                addsBOS: Bool = true, source: String) throws {
        guard model.modelType == .bpe else {
            throw TokenizerError.unsupported(source: source, reason:
                "SentencePiece model type \(model.modelType) (only BPE, as LLaMA and Gemma use, is implemented)")
        }
        guard model.precompiledCharsmapSize == 0 else {
            throw TokenizerError.unsupported(source: source, reason:
                "normalizer '\(model.normalizerName)' with a precompiled character map (only the identity normalization LLaMA uses is implemented)")
        }
        guard !model.treatWhitespaceAsSuffix else {
            throw TokenizerError.unsupported(source: source, reason: "treat_whitespace_as_suffix")
        }
        var seen = Set<String>()
        seen.reserveCapacity(model.pieces.count)
        for piece in model.pieces where !seen.insert(piece).inserted {
            throw TokenizerError.malformed(source: source, reason: "piece '\(piece)' occurs twice")
        }
        for (id, _) in addedTokens where id < 0 || Int(id) >= model.pieces.count + 1_000_000 {
            throw TokenizerError.malformed(source: source, reason: "added token id \(id) is outside the vocabulary")
        }
        func present(_ id: Int) -> Int? { id >= 0 && id < model.pieces.count ? id : nil }
        try self.init(pieces: model.pieces.map { Array($0.utf8) }, scores: model.scores, types: model.types,
                      dialect: .sentencePiece, addDummyPrefix: model.addDummyPrefix,
                      removeExtraWhitespaces: model.removeExtraWhitespaces,
                      escapeWhitespaces: model.escapeWhitespaces, byteFallback: model.byteFallback,
                      unknownID: present(model.unkID), bosID: present(model.bosID), eosID: present(model.eosID),
                      addsBOS: addsBOS, addedTokens: addedTokens, source: source)
    }

    /// A tokenizer from GGUF metadata with `tokenizer.ggml.model = llama`, encoding as llama.cpp does:
    /// `tokenizer.ggml.tokens` (strings), `.scores` (float32, default 0), `.token_type` (int, default normal),
    /// `.bos_token_id`, `.eos_token_id`, `.unknown_token_id`, `.add_bos_token` (default true),
    /// `.add_space_prefix` (default true).
    public init(ggufMetadata metadata: [String: MetadataValue], source: String = "GGUF metadata") throws {
        let vocabulary = try GGUFVocabulary(metadata, source: source)
        guard vocabulary.model == "llama" else {
            throw TokenizerError.unsupported(source: source, reason:
                "tokenizer.ggml.model is '\(vocabulary.model)', not 'llama' (SentencePiece)")
        }
        let corrected = llamaCppEffectiveTokenTypes(tokens: vocabulary.tokens, types: vocabulary.types)
        let types: [PieceType] = try corrected.enumerated().map { index, raw in
            guard let t = PieceType(rawValue: raw) else {
                throw TokenizerError.malformed(source: source, reason: "tokenizer.ggml.token_type[\(index)] = \(raw) is no token type")
            }
            return t
        }
        let scores = vocabulary.scores ?? [Float](repeating: 0, count: vocabulary.tokens.count)
        try self.init(pieces: vocabulary.tokens, scores: scores, types: types, dialect: .llamaCpp,
                      addDummyPrefix: try GGUFVocabulary.bool(metadata, "tokenizer.ggml.add_space_prefix", source) ?? true,
                      removeExtraWhitespaces: false, escapeWhitespaces: true, byteFallback: true,
                      // llama.cpp's defaults for SentencePiece vocabularies: unknown 0, BOS 1, EOS 2.
                      unknownID: vocabulary.unknownID ?? Self.defaultID(0, vocabulary.tokens.count),
                      bosID: vocabulary.bosID ?? Self.defaultID(1, vocabulary.tokens.count),
                      eosID: vocabulary.eosID ?? Self.defaultID(2, vocabulary.tokens.count),
                      addsBOS: try GGUFVocabulary.bool(metadata, "tokenizer.ggml.add_bos_token", source) ?? true,
                      source: source)
    }
}

extension SentencePieceBPETokenizer {
    static func defaultID(_ id: Int, _ count: Int) -> Int? { id < count ? id : nil }
}

/// The `tokenizer.ggml.*` keys of a GGUF file, validated.
struct GGUFVocabulary {
    let model: String
    let tokens: [[UInt8]]
    let scores: [Float]?
    let types: [Int]
    let bosID: Int?
    let eosID: Int?
    let unknownID: Int?

    init(_ metadata: [String: MetadataValue], source: String) throws {
        guard let modelValue = metadata["tokenizer.ggml.model"] else {
            throw TokenizerError.missingField(source: source, field: "tokenizer.ggml.model")
        }
        guard let model = modelValue.string else {
            throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.model", expected: "string")
        }
        self.model = model
        guard let tokenValues = metadata["tokenizer.ggml.tokens"] else {
            throw TokenizerError.missingField(source: source, field: "tokenizer.ggml.tokens")
        }
        guard let tokenArray = tokenValues.array else {
            throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.tokens", expected: "array of strings")
        }
        guard !tokenArray.isEmpty else {
            throw TokenizerError.malformed(source: source, reason: "tokenizer.ggml.tokens is empty")
        }
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(tokenArray.count)
        for (i, v) in tokenArray.enumerated() {
            guard let s = v.string else {
                throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.tokens[\(i)]", expected: "string")
            }
            tokens.append(Array(s.utf8))
        }
        self.tokens = tokens
        if let scoreValues = metadata["tokenizer.ggml.scores"] {
            guard let array = scoreValues.array, array.count == tokens.count else {
                throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.scores",
                                               expected: "array of \(tokens.count) floats")
            }
            var scores: [Float] = []
            scores.reserveCapacity(array.count)
            for (i, v) in array.enumerated() {
                guard let d = v.double else {
                    throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.scores[\(i)]", expected: "float")
                }
                scores.append(Float(d))
            }
            self.scores = scores
        } else {
            self.scores = nil
        }
        if let typeValues = metadata["tokenizer.ggml.token_type"] {
            guard let array = typeValues.array, array.count == tokens.count else {
                throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.token_type",
                                               expected: "array of \(tokens.count) integers")
            }
            var types: [Int] = []
            types.reserveCapacity(array.count)
            for (i, v) in array.enumerated() {
                guard let t = v.int else {
                    throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.token_type[\(i)]", expected: "integer")
                }
                types.append(t)
            }
            self.types = types
        } else {
            self.types = [Int](repeating: 1, count: tokens.count)
        }
        func id(_ key: String) throws -> Int? {
            guard let v = metadata[key] else { return nil }
            guard let i = v.int else { throw TokenizerError.wrongType(source: source, field: key, expected: "integer") }
            guard i >= 0, i < tokens.count else {
                throw TokenizerError.malformed(source: source, reason: "\(key) = \(i) is outside the vocabulary of \(tokens.count)")
            }
            return i
        }
        self.bosID = try id("tokenizer.ggml.bos_token_id")
        self.eosID = try id("tokenizer.ggml.eos_token_id")
        self.unknownID = try id("tokenizer.ggml.unknown_token_id")
    }

    static func bool(_ metadata: [String: MetadataValue], _ key: String, _ source: String) throws -> Bool? {
        guard let v = metadata[key] else { return nil }
        guard let b = v.bool else { throw TokenizerError.wrongType(source: source, field: key, expected: "bool") }
        return b
    }
}
