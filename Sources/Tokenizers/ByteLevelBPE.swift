// Byte-level BPE (GPT-2 style): SmolLM2, LLaMA 3, and any GGUF `gpt2` / HF ByteLevel vocabulary.
import Checkpoints

/// GPT-2's byte-level BPE (Radford et al. 2019; `bytes_to_unicode` in openai/gpt-2 `encoder.py`):
/// text is split into words by a regex pre-tokenizer; each word's UTF-8 bytes are mapped one-to-one onto
/// printable code points (bytes 0x21–0x7E, 0xA1–0xAC, 0xAE–0xFF map to themselves, the other 68 to
/// U+0100… in order); then the adjacent pair with the lowest merge rank is merged until no pair is a
/// merge (ties: leftmost), using a priority queue (llama.cpp `llm_tokenizer_bpe_session`).
/// User-defined / non-special added tokens are cut out of the raw text first (llama.cpp
/// `tokenizer_st_partition`, HF added vocabulary); control tokens in text are ordinary text.
public struct ByteLevelBPETokenizer: Tokenizer {
    let table: PieceTable
    /// Id of the one-character token of each byte (its byte-level code point), or -1.
    let byteSymbolIDs: [Int32]
    let merges: RankedMerges
    let preTokenizer: PreTokenizer
    /// LLaMA 3: a word that is itself a token is not merged (HF `ignore_merges`).
    let ignoreMerges: Bool
    /// HF ByteLevel `add_prefix_space`: a space is prepended when the text does not start with one.
    let addPrefixSpace: Bool
    /// The normalizer applied to text between added tokens (HF `normalizer`).
    public let normalization: UnicodeNormalization
    /// Tokens cut out of raw text before pre-tokenizing, longest first (raw text, not byte-encoded).
    let userDefined: [(text: [UInt8], id: Int32)]
    /// Tokens that decode to nothing (control tokens), and tokens whose text is raw (not byte-encoded).
    let isControl: [Bool]
    let isRawText: [Bool]

    public let vocabularySize: Int
    public let bosID: Int32?
    public let eosID: Int32?
    public let addsBOSByDefault: Bool

    /// The 256 byte-level code points, indexed by byte.
    static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = 256 + n
                n += 1
            }
        }
        return table
    }()

    static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s] = UInt8(b) }
        return map
    }()

    /// Appends the byte-level encoding (UTF-8 of the mapped code points) of `bytes`.
    static func encodeBytes<S: Sequence>(_ bytes: S, into out: inout [UInt8]) where S.Element == UInt8 {
        for b in bytes {
            let s = byteToScalar[Int(b)]
            if s < 0x80 { out.append(UInt8(s)) } else { out.append(UInt8(0xC0 | (s >> 6))); out.append(UInt8(0x80 | (s & 0x3F))) }
        }
    }

    /// - Parameters:
    ///   - tokens: token texts as stored (byte-level encoded, except raw-text special tokens).
    ///   - merges: merge rules in rank order, each the two token texts.
    ///   - control / rawText: per token, whether it is a control token / stored as raw text.
    ///   - userDefined: ids cut out of raw text before pre-tokenizing.
    init(tokens: [[UInt8]], merges mergeRules: [([UInt8], [UInt8])], preTokenizer: PreTokenizer,
         ignoreMerges: Bool, addPrefixSpace: Bool, normalization: UnicodeNormalization = .none,
         control: [Bool], rawText: [Bool], userDefined: [Int32],
         bosID: Int?, eosID: Int?, addsBOS: Bool, vocabularySize: Int? = nil, source: String) throws {
        guard !tokens.isEmpty, tokens.count <= Int(Int32.max) / 2 else {
            throw TokenizerError.malformed(source: source, reason: "vocabulary of \(tokens.count) tokens")
        }
        let table = PieceTable(pieces: tokens, keepLast: true)
        self.table = table
        var byteSymbolIDs = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            var encoded: [UInt8] = []
            Self.encodeBytes([UInt8(b)], into: &encoded)
            byteSymbolIDs[b] = table.id(encoded)
        }
        self.byteSymbolIDs = byteSymbolIDs
        self.merges = RankedMerges(mergeRules, table: table)
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges
        self.addPrefixSpace = addPrefixSpace
        self.normalization = normalization
        self.isControl = control
        self.isRawText = rawText
        var specials: [(text: [UInt8], id: Int32)] = []
        for id in userDefined where Int(id) < tokens.count && !tokens[Int(id)].isEmpty {
            specials.append((tokens[Int(id)], id))
        }
        specials.sort { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id }
        self.userDefined = specials
        func checked(_ id: Int?, _ name: String) throws -> Int32? {
            guard let id, id >= 0 else { return nil }
            guard id < tokens.count else {
                throw TokenizerError.malformed(source: source, reason: "\(name) \(id) is outside the vocabulary of \(tokens.count)")
            }
            return Int32(id)
        }
        self.bosID = try checked(bosID, "BOS id")
        self.eosID = try checked(eosID, "EOS id")
        self.addsBOSByDefault = addsBOS && self.bosID != nil
        self.vocabularySize = max(vocabularySize ?? tokens.count, tokens.count)
    }

    // MARK: - Encoding

    public func encode(_ text: String, addBOS: Bool) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(text.utf8.count / 3 + 2)
        if addBOS, let bosID { output.append(bosID) }
        var raw = Array(text.utf8)
        if addPrefixSpace, let first = raw.first, first != 0x20 { raw.insert(0x20, at: 0) }
        guard !raw.isEmpty else { return output }
        let fragments = SentencePieceBPETokenizer.partition(raw, specials: userDefined)
        var words: [Range<Int>] = []
        var session = RankedMerges.Session()
        raw.withUnsafeBufferPointer { bytes in
            for fragment in fragments {
                switch fragment {
                case let .token(id): output.append(id)
                case let .text(range):
                    if let normalized = normalization.normalized(bytes[range]) {
                        normalized.withUnsafeBufferPointer { text in
                            encodeText(text, 0..<text.count, &words, &session, into: &output)
                        }
                    } else {
                        encodeText(bytes, range, &words, &session, into: &output)
                    }
                }
            }
        }
        return output
    }

    private func encodeText(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ words: inout [Range<Int>],
                            _ session: inout RankedMerges.Session, into output: inout [Int32]) {
        words.removeAll(keepingCapacity: true)
        preTokenizer.split(bytes, range, into: &words)
        for word in words { encodeWord(bytes, word, &session, into: &output) }
    }

    private func encodeWord(_ bytes: UnsafeBufferPointer<UInt8>, _ word: Range<Int>, _ session: inout RankedMerges.Session,
                            into output: inout [Int32]) {
        if ignoreMerges {
            session.scratch.removeAll(keepingCapacity: true)
            Self.encodeBytes(bytes[word], into: &session.scratch)
            let id = table.id(session.scratch)
            if id >= 0 { output.append(id); return }
        }
        if word.count == 1 {
            let id = byteSymbolIDs[Int(bytes[word.lowerBound])]
            if id >= 0 { output.append(id) }
            return
        }
        session.start()
        for i in word { session.append(byteSymbolIDs[Int(bytes[i])]) }
        merges.apply(&session, into: &output)
    }

    // MARK: - Decoding

    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            guard id >= 0, Int(id) < table.count else { continue }
            let i = Int(id)
            if isControl[i] { continue }
            let piece = table.piece(i)
            if isRawText[i] { bytes.append(contentsOf: piece); continue }
            for scalar in String(decoding: piece, as: UTF8.self).unicodeScalars {
                if let b = Self.scalarToByte[scalar.value] { bytes.append(b) } else { bytes.append(contentsOf: String(scalar).utf8) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ByteLevelBPETokenizer {
    /// A tokenizer from GGUF metadata with `tokenizer.ggml.model = gpt2`, as llama.cpp builds it:
    /// `tokenizer.ggml.tokens`, `.merges` ("left right" strings in rank order), `.token_type`
    /// (3 = control, 4 = user-defined), `.pre` (pre-tokenizer name), `.bos_token_id`, `.eos_token_id`,
    /// `.add_bos_token` (llama.cpp's default: true for `llama-bpe`, false otherwise). `general.architecture`
    /// `qwen2` adds NFC, as transformers does for the model type it was converted from
    /// (`Tokenizers.forcedNormalization(modelType:)`); llama.cpp itself does not normalize.
    public init(ggufMetadata metadata: [String: MetadataValue], source: String = "GGUF metadata") throws {
        let vocabulary = try GGUFVocabulary(metadata, source: source)
        guard vocabulary.model == "gpt2" else {
            throw TokenizerError.unsupported(source: source, reason: "tokenizer.ggml.model is '\(vocabulary.model)', not 'gpt2'")
        }
        let preName: String
        if let v = metadata["tokenizer.ggml.pre"] {
            guard let s = v.string else {
                throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.pre", expected: "string")
            }
            preName = s
        } else {
            preName = "default"  // llama.cpp: "missing pre-tokenizer type, using: 'default'"
        }
        guard let pre = PreTokenizer(ggufName: preName) else {
            throw TokenizerError.unsupported(source: source, reason:
                "pre-tokenizer '\(preName)' (implemented: default, gpt2, olmo, smollm, command-r and their kin, llama-bpe, dbrx, qwen2, bloom)")
        }
        guard let mergeValues = metadata["tokenizer.ggml.merges"] else {
            throw TokenizerError.missingField(source: source, field: "tokenizer.ggml.merges")
        }
        guard let mergeArray = mergeValues.array else {
            throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.merges", expected: "array of strings")
        }
        var rules: [([UInt8], [UInt8])] = []
        rules.reserveCapacity(mergeArray.count)
        for (i, v) in mergeArray.enumerated() {
            guard let s = v.string else {
                throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.merges[\(i)]", expected: "string")
            }
            rules.append(try Self.splitMerge(Array(s.utf8), index: i, source: source))
        }
        let types = llamaCppEffectiveTokenTypes(tokens: vocabulary.tokens, types: vocabulary.types)
        let control = types.map { $0 == GGUFTokenType.control }
        let userDefined = types.enumerated().filter { $0.element == GGUFTokenType.userDefined }.map { Int32($0.offset) }
        let rawText = types.map { $0 == GGUFTokenType.control || $0 == GGUFTokenType.userDefined }
        let architecture = metadata["general.architecture"]?.string
        try self.init(tokens: vocabulary.tokens, merges: rules, preTokenizer: pre,
                      ignoreMerges: PreTokenizer.ignoresMerges(ggufName: preName), addPrefixSpace: false,
                      normalization: architecture.map(Tokenizers.forcedNormalization(modelType:)) ?? .none,
                      control: control, rawText: rawText,
                      userDefined: userDefined, bosID: vocabulary.bosID, eosID: vocabulary.eosID,
                      // llama.cpp's default when the key is absent: BOS for the LLaMA 3 / tekken names only
                      // (the same names that ignore merges).
                      addsBOS: try GGUFVocabulary.bool(metadata, "tokenizer.ggml.add_bos_token", source)
                          ?? PreTokenizer.ignoresMerges(ggufName: preName),
                      source: source)
    }

    /// "left right" → the two parts (split at the first space at index ≥ 1, as llama.cpp does).
    static func splitMerge(_ rule: [UInt8], index: Int, source: String) throws -> ([UInt8], [UInt8]) {
        guard rule.count >= 3, let space = rule.dropFirst().firstIndex(of: 0x20), space < rule.count - 1 else {
            throw TokenizerError.malformed(source: source, reason: "merge rule \(index) is not 'left right'")
        }
        return (Array(rule[..<space]), Array(rule[(space + 1)...]))
    }
}
