// Hugging Face `tokenizer.json` with a byte-level BPE model (GPT-2, SmolLM2, LLaMA 3 style).
import Foundation

extension Tokenizers {
    /// A tokenizer from HF `tokenizer.json` (tokenizers library format): `model` of type BPE with `vocab`
    /// and `merges` ("a b" strings or ["a", "b"] pairs, in rank order); a ByteLevel pre-tokenizer, alone
    /// (GPT-2 regex when `use_regex`) or in a Sequence after Digits(individual_digits) (SmolLM2) or after a
    /// Split on LLaMA 3's pattern; `added_tokens` (non-special ones are cut out of text, special ones are
    /// ordinary text); BOS from a TemplateProcessing post-processor, overridden by `tokenizer_config.json`'s
    /// `add_bos_token` in `folder`.
    public static func huggingFace(tokenizerJSON url: URL, folder: URL? = nil) throws -> any Tokenizer {
        let source = url.path
        guard let root = try HuggingFaceSideFiles.jsonObject(url) as? [String: Any] else {
            throw TokenizerError.malformed(source: source, reason: "not a JSON object")
        }
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.missingField(source: source, field: "model")
        }
        guard (model["type"] as? String ?? "BPE") == "BPE" else {
            throw TokenizerError.unsupported(source: source, reason: "model type '\(model["type"] ?? "?")' (only BPE is implemented)")
        }
        guard let vocab = model["vocab"] as? [String: Any] else {
            throw TokenizerError.missingField(source: source, field: "model.vocab")
        }
        // Tokens by id, with added tokens (which may extend the vocabulary).
        var byID: [Int: String] = [:]
        for (text, value) in vocab {
            guard let n = value as? NSNumber, let id = Int(exactly: n.doubleValue), id >= 0, id < 10_000_000 else {
                throw TokenizerError.wrongType(source: source, field: "model.vocab[\(text)]", expected: "non-negative integer id")
            }
            byID[id] = text
        }
        var special = Set<Int>()
        var nonSpecialAdded: [Int32] = []
        for (i, entry) in ((root["added_tokens"] as? [Any]) ?? []).enumerated() {
            guard let d = entry as? [String: Any], let n = d["id"] as? NSNumber, let id = Int(exactly: n.doubleValue),
                  id >= 0, id < 10_000_000, let content = d["content"] as? String else {
                throw TokenizerError.malformed(source: source, reason: "added_tokens[\(i)] needs an integer id and a content string")
            }
            byID[id] = content
            if (d["special"] as? Bool) ?? false { special.insert(id) } else { nonSpecialAdded.append(Int32(id)) }
        }
        guard let maxID = byID.keys.max() else {
            throw TokenizerError.malformed(source: source, reason: "model.vocab is empty")
        }
        // The tables below are indexed by id, so their size follows the largest id: real vocabularies
        // number their tokens densely from 0, and ids far beyond the tokens present (158 bytes of JSON
        // naming id 9,999,999 would cost ~340 MB) are refused instead of allocated.
        guard maxID < 2 * byID.count + 1024 else {
            throw TokenizerError.malformed(source: source,
                reason: "token id \(maxID) with only \(byID.count) tokens: ids must number the vocabulary densely from 0")
        }
        var tokens = [[UInt8]](repeating: [], count: maxID + 1)
        for (id, text) in byID { tokens[id] = Array(text.utf8) }
        let addedIDs = Set(special).union(nonSpecialAdded.map(Int.init))

        guard let mergeList = model["merges"] as? [Any] else {
            throw TokenizerError.missingField(source: source, field: "model.merges")
        }
        var rules: [([UInt8], [UInt8])] = []
        rules.reserveCapacity(mergeList.count)
        for (i, m) in mergeList.enumerated() {
            if let s = m as? String {
                rules.append(try ByteLevelBPETokenizer.splitMerge(Array(s.utf8), index: i, source: source))
            } else if let pair = m as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                rules.append((Array(a.utf8), Array(b.utf8)))
            } else {
                throw TokenizerError.wrongType(source: source, field: "model.merges[\(i)]", expected: "\"a b\" or [\"a\", \"b\"]")
            }
        }

        guard model["continuing_subword_prefix"] is NSNull || model["continuing_subword_prefix"] == nil,
              model["end_of_word_suffix"] is NSNull || model["end_of_word_suffix"] == nil else {
            throw TokenizerError.unsupported(source: source, reason: "BPE with continuing_subword_prefix / end_of_word_suffix")
        }
        let metaspace = try metaspaceStyle(root, model: model, source: source)
        var normalization = try unicodeNormalization(root, source: source)
        if let folder, let modelType = try modelType(in: folder) {
            let forced = forcedNormalization(modelType: modelType)
            if forced != .none { normalization = forced }
        }
        if normalization != .none && metaspace != nil {
            throw TokenizerError.unsupported(source: source, reason: "normalizer \(normalization.rawValue.uppercased()) with a SentencePiece-style (\"▁\") vocabulary")
        }

        // BOS: the first special token of a TemplateProcessing `single` template.
        var bosID: Int?
        var addsBOS = false
        var processors: [[String: Any]] = []
        if let post = root["post_processor"] as? [String: Any] {
            processors = post["type"] as? String == "Sequence"
                ? ((post["processors"] as? [Any]) ?? []).compactMap { $0 as? [String: Any] } : [post]
        }
        if let post = processors.first(where: { $0["type"] as? String == "TemplateProcessing" }),
           let single = post["single"] as? [Any], let first = single.first as? [String: Any],
           let token = first["SpecialToken"] as? [String: Any], let name = token["id"] as? String {
            bosID = byID.first(where: { $0.value == name })?.key
            addsBOS = bosID != nil
        }
        var eosID: Int?
        if let folder {
            let side = try HuggingFaceSideFiles(folder: folder)
            if let add = side.addBOSToken { addsBOS = add }
            let configURL = folder.appendingPathComponent("tokenizer_config.json")
            if let config = (try? HuggingFaceSideFiles.jsonObject(configURL)) as? [String: Any] {
                func tokenText(_ key: String) -> String? {
                    if let s = config[key] as? String { return s }
                    return (config[key] as? [String: Any])?["content"] as? String
                }
                if bosID == nil, let t = tokenText("bos_token") { bosID = byID.first(where: { $0.value == t })?.key }
                if let t = tokenText("eos_token") { eosID = byID.first(where: { $0.value == t })?.key }
            }
        }
        let control = (0...maxID).map { special.contains($0) }
        let rawText = (0...maxID).map { addedIDs.contains($0) }
        if let metaspace {
            let unknown = (model["unk_token"] as? String).flatMap { name in byID.first(where: { $0.value == name })?.key }
            return MetaspaceBPETokenizer(
                tokens: tokens, merges: rules, unknownID: unknown, byteFallback: (model["byte_fallback"] as? Bool) ?? false,
                fuseUnknown: (model["fuse_unk"] as? Bool) ?? false, prependAlways: metaspace.prependAlways,
                metaspacePrepend: metaspace.metaspacePrepend, splitWords: metaspace.split, control: control,
                rawText: rawText, userDefined: nonSpecialAdded, bosID: bosID, eosID: eosID, addsBOS: addsBOS)
        }
        let (preTokenizer, addPrefixSpace) = try byteLevelPreTokenizer(root["pre_tokenizer"], source: source)
        return try ByteLevelBPETokenizer(
            tokens: tokens, merges: rules, preTokenizer: preTokenizer,
            ignoreMerges: (model["ignore_merges"] as? Bool) ?? false, addPrefixSpace: addPrefixSpace,
            normalization: normalization, control: control, rawText: rawText, userDefined: nonSpecialAdded,
            bosID: bosID, eosID: eosID, addsBOS: addsBOS, source: source)
    }

    /// SentencePiece-style settings when the tokenizer spells spaces as "▁": a normalizer of `Prepend("▁")`
    /// and `Replace(" ", "▁")` steps with no pre-tokenizer, or a `Metaspace` pre-tokenizer; nil for a
    /// byte-level tokenizer. Other normalizers are refused.
    static func metaspaceStyle(_ root: [String: Any], model: [String: Any], source: String) throws
        -> (prependAlways: Bool, metaspacePrepend: Bool, split: Bool)? {
        let pre = root["pre_tokenizer"] as? [String: Any]
        let normalizer = root["normalizer"] as? [String: Any]
        var steps: [[String: Any]] = []
        if let normalizer {
            if normalizer["type"] as? String == "Sequence" {
                steps = (normalizer["normalizers"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
            } else {
                steps = [normalizer]
            }
        }
        var prepend = false
        var replacesSpaces = false
        steps.removeAll { $0["type"] as? String == "NFC" }  // read by unicodeNormalization
        for step in steps {
            switch step["type"] as? String {
            case "Prepend" where step["prepend"] as? String == "\u{2581}": prepend = true
            case "Replace" where (step["pattern"] as? [String: Any])?["String"] as? String == " "
                && step["content"] as? String == "\u{2581}": replacesSpaces = true
            default:
                throw TokenizerError.unsupported(source: source, reason: "normalizer step '\(step["type"] ?? "?")' (NFC, and Prepend/Replace of \"▁\", are implemented)")
            }
        }
        if pre?["type"] as? String == "Metaspace" {
            guard (pre?["replacement"] as? String ?? "\u{2581}") == "\u{2581}" else {
                throw TokenizerError.unsupported(source: source, reason: "Metaspace with a replacement other than \"▁\"")
            }
            let scheme = pre?["prepend_scheme"] as? String ?? (((pre?["add_prefix_space"] as? Bool) ?? true) ? "always" : "never")
            return (prepend, scheme == "always" || scheme == "first", (pre?["split"] as? Bool) ?? true)
        }
        if replacesSpaces && (pre == nil || pre?.isEmpty == true) { return (prepend, false, false) }
        if !steps.isEmpty {
            throw TokenizerError.unsupported(source: source, reason: "a normalizer without a matching Metaspace or Replace(\" \", \"▁\")")
        }
        return nil
    }

    /// `.nfc` when the `normalizer` is `NFC` or a Sequence holding an `NFC` step (the other steps are
    /// checked by `metaspaceStyle`).
    static func unicodeNormalization(_ root: [String: Any], source: String) throws -> UnicodeNormalization {
        guard let normalizer = root["normalizer"] as? [String: Any] else { return .none }
        let steps = normalizer["type"] as? String == "Sequence"
            ? (normalizer["normalizers"] as? [Any] ?? []).compactMap { $0 as? [String: Any] } : [normalizer]
        return steps.contains { $0["type"] as? String == "NFC" } ? .nfc : .none
    }

    /// The normalization transformers imposes for a `config.json` `model_type` whatever `tokenizer.json`
    /// says: for `qwen2`, transformers 5 ignores `tokenizer_class` and rebuilds the tokenizer as
    /// `Qwen2Tokenizer`, whose normalizer is always NFC (Qwen2's published tokenizer.json has it too). Not
    /// `qwen3` and the others, which keep their tokenizer.json. The GGUF `general.architecture` of a
    /// converted Qwen2 is `qwen2` too, so its vocabulary gets the same NFC.
    public static func forcedNormalization(modelType: String) -> UnicodeNormalization {
        modelType == "qwen2" ? .nfc : .none
    }

    /// `model_type` of the `config.json` in `folder`, or nil when there is no config.json or no such key.
    static func modelType(in folder: URL) throws -> String? {
        let url = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let config = try HuggingFaceSideFiles.jsonObject(url) as? [String: Any] else {
            throw TokenizerError.malformed(source: url.path, reason: "not a JSON object")
        }
        return config["model_type"] as? String
    }

    /// The pre-tokenizer and `add_prefix_space` of a ByteLevel `pre_tokenizer` entry (or a Sequence
    /// containing one); anything else is refused with the reason.
    static func byteLevelPreTokenizer(_ value: Any?, source: String) throws -> (PreTokenizer, Bool) {
        guard let pre = value as? [String: Any], let type = pre["type"] as? String else {
            throw TokenizerError.unsupported(source: source, reason: "no ByteLevel pre_tokenizer (only byte-level BPE tokenizer.json is implemented)")
        }
        if type == "ByteLevel" {
            guard (pre["use_regex"] as? Bool) ?? true else {
                throw TokenizerError.unsupported(source: source, reason: "ByteLevel pre_tokenizer without a regex")
            }
            return (.gpt2, (pre["add_prefix_space"] as? Bool) ?? false)
        }
        guard type == "Sequence", let steps = (pre["pretokenizers"] as? [Any])?.compactMap({ $0 as? [String: Any] }),
              let byteLevel = steps.last, byteLevel["type"] as? String == "ByteLevel" else {
            throw TokenizerError.unsupported(source: source, reason: "pre_tokenizer '\(type)' (ByteLevel, or a Sequence ending in ByteLevel, is implemented)")
        }
        let prefix = (byteLevel["add_prefix_space"] as? Bool) ?? false
        let useRegex = (byteLevel["use_regex"] as? Bool) ?? true
        let before = steps.dropLast()
        if before.count == 1, let step = before.first {
            if step["type"] as? String == "Digits", (step["individual_digits"] as? Bool) ?? false, useRegex {
                return (.digitsThenGPT2, prefix)
            }
            if step["type"] as? String == "Split", !useRegex,
               let pattern = (step["pattern"] as? [String: Any])?["Regex"] as? String,
               let split = splitPatterns[pattern] {
                let behavior = step["behavior"] as? String ?? "?"
                guard behavior == "Isolated", !((step["invert"] as? Bool) ?? false) else {
                    throw TokenizerError.unsupported(source: source, reason:
                        "Split with behavior '\(behavior)'\((step["invert"] as? Bool) == true ? " inverted" : "") (Isolated is implemented)")
                }
                return (split, prefix)
            }
        }
        throw TokenizerError.unsupported(source: source, reason: "this pre_tokenizer Sequence (implemented: ByteLevel; Digits + ByteLevel; a Split on the LLaMA 3, Qwen2 or BLOOM pattern + ByteLevel)")
    }

    /// The Split patterns implemented, as tokenizer.json spells them.
    static let splitPatterns: [String: PreTokenizer] = [llama3Pattern: .llama3, qwen2Pattern: .qwen2, bloomPattern: .bloom]
    static let bloomPattern = #" ?[^(\s|[.,!?…。，、।۔،])]+"#

    static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
}
