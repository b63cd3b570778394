// The vocabulary string of a token id ("piece"), as `tokenizer.convert_ids_to_tokens` shows it.

extension SentencePieceBPETokenizer {
    /// The piece as stored in the vocabulary (`▁` marks a space, `<0x0A>` a byte), or the added token's text.
    public func piece(_ id: Int32) -> String {
        if let added = addedTokens[id], Int(id) >= table.count { return added.text }
        guard id >= 0, Int(id) < table.count else { return "" }
        return String(decoding: table.piece(Int(id)), as: UTF8.self)
    }
}

extension ByteLevelBPETokenizer {
    /// The token as stored in the vocabulary, in GPT-2's byte-to-unicode alphabet (`Ġ` marks a space).
    public func piece(_ id: Int32) -> String {
        guard id >= 0, Int(id) < table.count else { return "" }
        return String(decoding: table.piece(Int(id)), as: UTF8.self)
    }
}
