// Encoding with special tokens parsed, as a rendered chat prompt needs (llama.cpp `parse_special = true`,
// transformers' tokenizer on a chat template's output).

extension Tokenizer {
    /// Default: a tokenizer that knows no special tokens.
    public var specialTokens: [(text: String, id: Int32)] { [] }

    /// Token ids of `text` where every occurrence of a special token's text is that token (longest text
    /// first, occurrences left to right, as llama.cpp's `tokenizer_st_partition`), and the text between is
    /// encoded as ordinary text (no BOS: a chat template writes its own).
    /// - Parameter specials: `specialTokens` (pass it in to build it once for many prompts).
    public func encode(_ text: String, addBOS: Bool, parsingSpecialTokens specials: [(text: String, id: Int32)]) -> [Int32] {
        var sorted = specials.filter { !$0.text.isEmpty }.map { (text: Array($0.text.utf8), id: $0.id) }
        sorted.sort { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id }
        let raw = Array(text.utf8)
        var out: [Int32] = []
        if addBOS, let bosID { out.append(bosID) }
        for fragment in SentencePieceBPETokenizer.partition(raw, specials: sorted) {
            switch fragment {
            case let .token(id): out.append(id)
            case let .text(range): out += encode(String(decoding: raw[range], as: UTF8.self), addBOS: false)
            }
        }
        return out
    }
}

extension ByteLevelBPETokenizer {
    public var specialTokens: [(text: String, id: Int32)] {
        (0..<table.count).filter { isControl[$0] }.map { (String(decoding: table.piece($0), as: UTF8.self), Int32($0)) }
    }
}

extension MetaspaceBPETokenizer {
    public var specialTokens: [(text: String, id: Int32)] {
        (0..<table.count).filter { isControl[$0] }.map { (String(decoding: table.piece($0), as: UTF8.self), Int32($0)) }
    }
}

extension SentencePieceBPETokenizer {
    public var specialTokens: [(text: String, id: Int32)] {
        var out = (0..<table.count).filter { types[$0] == .control }
            .map { (text: String(decoding: table.piece($0), as: UTF8.self), id: Int32($0)) }
        for (id, added) in addedTokens where added.special { out.append((added.text, id)) }
        return out
    }
}
