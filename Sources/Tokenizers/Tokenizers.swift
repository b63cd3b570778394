// Entry points: the tokenizer of a checkpoint, or one built from its raw inputs.
import Checkpoints
import Foundation

/// Factory of tokenizers by source.
public enum Tokenizers {
    /// The checkpoint's own tokenizer, dispatching on `checkpoint.tokenizerSource`.
    public static func load(for checkpoint: Checkpoint) throws -> any Tokenizer {
        switch checkpoint.tokenizerSource {
        case let .sentencePiece(model, folder):
            return try sentencePiece(model: model, folder: folder)
        case let .huggingFaceJSON(url, folder):
            return try huggingFace(tokenizerJSON: url, folder: folder)
        case .gguf:
            return try gguf(metadata: checkpoint.metadata, source: checkpoint.url.path)
        case .none:
            throw TokenizerError.noTokenizer(source: checkpoint.url.path)
        }
    }

    /// The tokenizer of the model at `url`, read from its tokenizer files alone, so that a model whose
    /// architecture the forward pass refuses can still be tokenized: a `.gguf` file (its metadata), a
    /// Hugging Face folder (`tokenizer.model` before `tokenizer.json`, as `Checkpoint` picks them), or a bare
    /// `tokenizer.model` / `tokenizer.json` (with the side files of its folder).
    public static func load(modelAt url: URL) throws -> any Tokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TokenizerError.unreadable(source: url.path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            let model = url.appendingPathComponent("tokenizer.model")
            if FileManager.default.fileExists(atPath: model.path) { return try sentencePiece(model: model, folder: url) }
            let json = url.appendingPathComponent("tokenizer.json")
            if FileManager.default.fileExists(atPath: json.path) { return try huggingFace(tokenizerJSON: json, folder: url) }
            throw TokenizerError.noTokenizer(source: url.path)
        }
        switch url.pathExtension {
        case "gguf": return try gguf(metadata: try GGUFFile(url: url).metadata, source: url.path)
        case "model": return try sentencePiece(model: url)
        case "json": return try huggingFace(tokenizerJSON: url, folder: url.deletingLastPathComponent())
        default: return try load(for: try Checkpoint.open(url))
        }
    }

    /// The tokenizer described by GGUF metadata (`tokenizer.ggml.model` = `llama` or `gpt2`).
    public static func gguf(metadata: [String: MetadataValue], source: String = "GGUF metadata") throws -> any Tokenizer {
        guard let model = metadata["tokenizer.ggml.model"] else {
            throw TokenizerError.missingField(source: source, field: "tokenizer.ggml.model")
        }
        switch model.string {
        case "llama": return try SentencePieceBPETokenizer(ggufMetadata: metadata, source: source)
        case "gpt2": return try ByteLevelBPETokenizer(ggufMetadata: metadata, source: source)
        case let other?:
            throw TokenizerError.unsupported(source: source, reason: "tokenizer.ggml.model '\(other)' (llama and gpt2 are implemented)")
        case nil:
            throw TokenizerError.wrongType(source: source, field: "tokenizer.ggml.model", expected: "string")
        }
    }

    /// A SentencePiece `tokenizer.model` plus, when present in `folder`, HF's `added_tokens.json`,
    /// `tokenizer_config.json` (`add_bos_token`, `added_tokens_decoder`) and `special_tokens_map.json`.
    public static func sentencePiece(model url: URL, folder: URL? = nil) throws -> SentencePieceBPETokenizer {
        let model = try SentencePieceModel(contentsOf: url)
        let side = try HuggingFaceSideFiles(folder: folder ?? url.deletingLastPathComponent())
        return try SentencePieceBPETokenizer(model: model, addedTokens: side.addedTokens,
                                             addsBOS: side.addBOSToken ?? true, source: url.path)
    }
}

/// HF's files next to a tokenizer: `added_tokens.json` ({"text": id}), `tokenizer_config.json`
/// (`add_bos_token`, `added_tokens_decoder` {"id": {"content", "special"}}), `special_tokens_map.json`.
struct HuggingFaceSideFiles {
    var addedTokens: [Int32: (text: String, special: Bool)] = [:]
    var addBOSToken: Bool?
    var addEOSToken: Bool?
    var specialTexts: Set<String> = []

    init(folder: URL) throws {
        let fm = FileManager.default
        let mapURL = folder.appendingPathComponent("special_tokens_map.json")
        if fm.fileExists(atPath: mapURL.path), let object = try Self.jsonObject(mapURL) as? [String: Any] {
            for value in object.values {
                if let s = value as? String { specialTexts.insert(s) }
                if let d = value as? [String: Any], let s = d["content"] as? String { specialTexts.insert(s) }
                if let list = value as? [Any] {
                    for item in list {
                        if let s = item as? String { specialTexts.insert(s) }
                        if let d = item as? [String: Any], let s = d["content"] as? String { specialTexts.insert(s) }
                    }
                }
            }
        }
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        if fm.fileExists(atPath: configURL.path) {
            guard let config = try Self.jsonObject(configURL) as? [String: Any] else {
                throw TokenizerError.malformed(source: configURL.path, reason: "not a JSON object")
            }
            addBOSToken = config["add_bos_token"] as? Bool
            addEOSToken = config["add_eos_token"] as? Bool
            if let decoder = config["added_tokens_decoder"] as? [String: Any] {
                for (key, value) in decoder {
                    guard let id = Int32(key), id >= 0, let entry = value as? [String: Any],
                          let content = entry["content"] as? String else {
                        throw TokenizerError.malformed(source: configURL.path, reason: "added_tokens_decoder entry '\(key)'")
                    }
                    addedTokens[id] = (content, (entry["special"] as? Bool) ?? specialTexts.contains(content))
                }
            }
        }
        let addedURL = folder.appendingPathComponent("added_tokens.json")
        if fm.fileExists(atPath: addedURL.path) {
            guard let object = try Self.jsonObject(addedURL) as? [String: Any] else {
                throw TokenizerError.malformed(source: addedURL.path, reason: "not a JSON object of token → id")
            }
            for (text, value) in object {
                guard let number = value as? NSNumber, let id = Int32(exactly: number.doubleValue), id >= 0 else {
                    throw TokenizerError.wrongType(source: addedURL.path, field: text, expected: "non-negative integer id")
                }
                if addedTokens[id] == nil { addedTokens[id] = (text, specialTexts.contains(text)) }
            }
        }
    }

    static func jsonObject(_ url: URL) throws -> Any {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadable(source: url.path, reason: error.localizedDescription)
        }
        do { return try JSONSerialization.jsonObject(with: data) } catch {
            throw TokenizerError.malformed(source: url.path, reason: "invalid JSON (\(error.localizedDescription))")
        }
    }
}
