// llama.cpp's load-time corrections of GGUF token types, which decide what its tokenizer cuts out of text.

/// GGUF `tokenizer.ggml.token_type` values (llama.cpp `llama_token_type`).
enum GGUFTokenType {
    static let normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

/// The token types llama.cpp actually works with after loading a GGUF vocabulary (`llama_vocab::impl::load`):
/// tokens whose text looks like an end-of-turn / end-of-generation / fill-in-the-middle marker are made
/// control tokens whatever the file says (so with special-token parsing off they are ordinary text —
/// e.g. Gemma 3's user-defined `</s>`); gpt-oss's `<|channel|>`, `<|message|>`, `<|start|>`,
/// `<|constrain|>` become user-defined; when `<|tool_response>` and `</s>` are both end-of-generation
/// texts, `</s>` becomes normal; with `<|return|>` + `<|call|>` (or `<|calls|>` + `<|flush|>`), `<|end|>`
/// becomes user-defined. (llama.cpp marks only the first match per FIM role, in hash-map order; here every
/// match is marked, which differs only for vocabularies with several spellings of one FIM role.)
func llamaCppEffectiveTokenTypes(tokens: [[UInt8]], types: [Int]) -> [Int] {
    var types = types
    let controlLooking: Set<String> = [
        // end of turn / generation
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        // fill in the middle
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<PRE>", "<|code_prefix|>", "<|prefix|>",
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<SUF>", "<|code_suffix|>", "<|suffix|>",
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<MID>", "<|code_middle|>", "<|middle|>",
        "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
        "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", "<|file_sep|>",
    ]
    let alwaysUserDefined: Set<String> = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]
    var byText: [String: Int] = [:]
    let firstBytes: Set<UInt8> = [UInt8(ascii: "<"), UInt8(ascii: "["), UInt8(ascii: "_")]
    for (id, token) in tokens.enumerated() where token.count <= 24 && firstBytes.contains(token.first ?? 0) {
        let text = String(decoding: token, as: UTF8.self)
        if controlLooking.contains(text) || alwaysUserDefined.contains(text) { byText[text] = id }
    }
    for (text, id) in byText {
        if controlLooking.contains(text) { types[id] = GGUFTokenType.control }
        if alwaysUserDefined.contains(text) { types[id] = GGUFTokenType.userDefined }
    }
    if byText["<|tool_response>"] != nil, let s = byText["</s>"] { types[s] = GGUFTokenType.normal }
    if let end = byText["<|end|>"],
       (byText["<|return|>"] != nil && byText["<|call|>"] != nil) || (byText["<|calls|>"] != nil && byText["<|flush|>"] != nil) {
        types[end] = GGUFTokenType.userDefined
    }
    return types
}
