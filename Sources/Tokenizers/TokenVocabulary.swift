// Read access to a vocabulary's entries by text, for analyses that look pieces up (the logit lens's token
// sets, Wendler et al. 2024). Additive: the tokenizers' encoding is untouched.

/// How a vocabulary writes text in its pieces.
public enum PieceSpelling: String, Sendable {
    /// SentencePiece / HF Metaspace: UTF-8 text with every space written `▁` (U+2581).
    case metaspace
    /// GPT-2 byte-level BPE: every UTF-8 byte mapped to its printable code point (`bytes_to_unicode`,
    /// space → `Ġ`).
    case byteLevel
}

/// A tokenizer whose vocabulary entries can be read and looked up by their stored text.
public protocol TokenVocabulary: Tokenizer {
    var pieceSpelling: PieceSpelling { get }
    /// Number of entries in the piece table (ids `0..<pieceCount`).
    var pieceCount: Int { get }
    /// The id whose stored text is exactly `piece`, or nil.
    func id(ofPiece piece: String) -> Int32?
    /// Whether `id` is a normal vocabulary entry: GGUF token type 1 (after llama.cpp's load-time
    /// corrections); a `tokenizer.model`'s pieces that are not control, unknown, byte or unused; in a
    /// `tokenizer.json`, not an added token.
    func isNormal(_ id: Int32) -> Bool
    /// The token of one byte: `<0xNN>` (SentencePiece byte fallback) or the byte's one-symbol piece
    /// (byte-level BPE); nil when the vocabulary has none.
    func byteToken(_ byte: UInt8) -> Int32?
}

extension TokenVocabulary {
    /// `text` spelled as this vocabulary's pieces store it.
    public func spelled(_ text: String) -> String {
        switch pieceSpelling {
        case .metaspace: return text.replacingOccurrences(of: " ", with: "\u{2581}")
        case .byteLevel:
            var out: [UInt8] = []
            ByteLevelBPETokenizer.encodeBytes(text.utf8, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The raw text a piece stands for (the inverse of `spelled`; byte-level symbols outside the map are kept).
    public func unspelled(_ piece: String) -> String {
        switch pieceSpelling {
        case .metaspace: return piece.replacingOccurrences(of: "\u{2581}", with: " ")
        case .byteLevel:
            var bytes: [UInt8] = []
            for scalar in piece.unicodeScalars {
                if let b = ByteLevelBPETokenizer.scalarToByte[scalar.value] { bytes.append(b) } else { bytes.append(contentsOf: String(scalar).utf8) }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

extension PieceTable {
    func lookup(_ piece: String) -> Int32? {
        let id = id(piece)
        return id >= 0 ? id : nil
    }
}

extension ByteLevelBPETokenizer: TokenVocabulary {
    public var pieceSpelling: PieceSpelling { .byteLevel }
    public var pieceCount: Int { table.count }
    public func id(ofPiece piece: String) -> Int32? { table.lookup(piece) }
    public func isNormal(_ id: Int32) -> Bool {
        guard id >= 0, Int(id) < table.count else { return false }
        return !isControl[Int(id)] && !isRawText[Int(id)]
    }
    public func byteToken(_ byte: UInt8) -> Int32? {
        let id = byteSymbolIDs[Int(byte)]
        return id >= 0 ? id : nil
    }
}

extension SentencePieceBPETokenizer: TokenVocabulary {
    public var pieceSpelling: PieceSpelling { .metaspace }
    public var pieceCount: Int { table.count }
    public func id(ofPiece piece: String) -> Int32? { table.lookup(piece) }
    public func isNormal(_ id: Int32) -> Bool {
        guard id >= 0, Int(id) < table.count else { return false }
        if let added = addedTokens[id], added.special { return false }
        switch types[Int(id)] {
        case .normal: return true
        // A tokenizer.model's user-defined pieces are ordinary text; GGUF type 4 is not type 1.
        case .userDefined: return dialect == .sentencePiece
        case .control, .unknown, .unused, .byte: return false
        }
    }
    public func byteToken(_ byte: UInt8) -> Int32? {
        let id = byteIDs[Int(byte)]
        return id >= 0 ? id : nil
    }
}

extension MetaspaceBPETokenizer: TokenVocabulary {
    /// The piece as stored in `tokenizer.json` (`▁` marks a space); "" outside the vocabulary.
    public func piece(_ id: Int32) -> String {
        guard id >= 0, Int(id) < table.count else { return "" }
        return String(decoding: table.piece(Int(id)), as: UTF8.self)
    }

    public var pieceSpelling: PieceSpelling { .metaspace }
    public var pieceCount: Int { table.count }
    public func id(ofPiece piece: String) -> Int32? { table.lookup(piece) }
    public func isNormal(_ id: Int32) -> Bool {
        guard id >= 0, Int(id) < table.count else { return false }
        return !isControl[Int(id)] && !isRawText[Int(id)]
    }
    public func byteToken(_ byte: UInt8) -> Int32? {
        let id = byteIDs[Int(byte)]
        return id >= 0 ? id : nil
    }
}
