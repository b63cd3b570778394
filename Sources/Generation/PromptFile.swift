// Reading prompts (JSONL of raw prompts or chat messages, or a corpus turned into instructions) and the
// model's own chat template; writing responses as JSON lines.
import Checkpoints
import Corpus
import Foundation
import Tokenizers
import Tracing

/// One prompt as the prompts file gives it.
public struct PromptRecord: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        case raw(String)
        case messages([ChatMessage])
        /// A corpus sentence, wrapped by the `--template` of the run.
        case sentence(String)
    }

    public var id: String
    public var language: String?
    public var body: Body
    /// The expected answer (for `responses`' correctness check), passed through to the output.
    public var reference: String?

    public init(id: String, language: String?, body: Body, reference: String? = nil) {
        self.id = id
        self.language = language
        self.body = body
        self.reference = reference
    }
}

/// How prompt records become token ids.
public enum InstructionTemplate: String, CaseIterable, Sendable {
    /// The text as is, with the model's BOS rule.
    case raw
    /// Stanford Alpaca's no-input prompt with the text as the instruction (m-LLaMA, x-LLaMA).
    case alpaca
    /// The model's own chat template, the text as the user turn.
    case chat
}

public enum PromptFile {
    /// Prompts from `url`: JSONL whose lines carry `prompt` or `messages` (`{"id", "lang", "prompt"}` /
    /// `{"id", "lang", "messages": [{"role", "content"}…]}`, optional `"reference"`), or else any corpus
    /// `ParallelCorpus.load` reads (TSV, JSONL `{"id","lang","text"}`, Flores folder): every sentence a
    /// prompt with id `{row id}-{lang}`.
    public static func load(_ url: URL, languages: [String]? = nil, split: String = "devtest",
                            limit: Int? = nil) throws -> [PromptRecord] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw GenerationError.unreadable(file: url.path, reason: "no such file or folder")
        }
        if !isDir.boolValue, let records = try promptLines(url) {
            var kept = records
            if let languages { kept = kept.filter { $0.language.map(languages.contains) ?? false } }
            if let limit { kept = Array(kept.prefix(limit)) }
            return kept
        }
        let corpus = try ParallelCorpus.load(url, languages: languages, split: split, limit: limit)
        return corpus.sentences.map {
            PromptRecord(id: "\($0.id)-\($0.language)", language: $0.language, body: .sentence($0.text))
        }
    }

    /// Prompt records when the file is JSONL of prompts (its first object has `prompt` or `messages`), else nil.
    static func promptLines(_ url: URL) throws -> [PromptRecord]? {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GenerationError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw GenerationError.unreadable(file: url.path, reason: "not UTF-8 text")
        }
        var records: [PromptRecord] = []
        var seen = Set<String>()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            guard trimmed.hasPrefix("{") else { return records.isEmpty ? nil : try fail(url, n, "not a JSON object") }
            let object: [String: Any]
            do {
                guard let o = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                    return try fail(url, n, "not a JSON object")
                }
                object = o
            } catch {
                return try fail(url, n, "invalid JSON")
            }
            if records.isEmpty, object["prompt"] == nil, object["messages"] == nil { return nil }
            guard let id = (object["id"] as? String) ?? (object["id"] as? NSNumber)?.stringValue else {
                return try fail(url, n, "no string \"id\"")
            }
            guard seen.insert(id).inserted else { return try fail(url, n, "duplicate id '\(id)'") }
            let language = object["lang"] as? String
            let reference = object["reference"] as? String
            if let prompt = object["prompt"] as? String {
                records.append(PromptRecord(id: id, language: language, body: .raw(prompt), reference: reference))
            } else if let list = object["messages"] as? [Any] {
                var messages: [ChatMessage] = []
                for item in list {
                    guard let m = item as? [String: Any], let role = m["role"] as? String,
                          let content = m["content"] as? String else {
                        return try fail(url, n, "every message needs string \"role\" and \"content\"")
                    }
                    messages.append(ChatMessage(role: role, content: content))
                }
                guard !messages.isEmpty else { return try fail(url, n, "\"messages\" is empty") }
                records.append(PromptRecord(id: id, language: language, body: .messages(messages), reference: reference))
            } else {
                return try fail(url, n, "needs a string \"prompt\" or a \"messages\" array")
            }
        }
        return records.isEmpty ? nil : records
    }

    private static func fail(_ url: URL, _ line: Int, _ reason: String) throws -> [PromptRecord]? {
        throw GenerationError.badPromptFile(file: url.path, line: line + 1, reason: reason)
    }

    /// The model's own Jinja chat template and where it was found: GGUF `tokenizer.chat_template`, or a
    /// Hugging Face folder's `tokenizer_config.json` `chat_template` (a string, or the entry named
    /// "default" of a list) or `chat_template.jinja`.
    public static func modelChatTemplate(_ checkpoint: Checkpoint) -> (template: String, origin: String)? {
        if let s = checkpoint.metadata["tokenizer.chat_template"]?.string { return (s, "GGUF tokenizer.chat_template") }
        var isDir: ObjCBool = false
        let url = checkpoint.url
        FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir)
        let folder = isDir.boolValue ? url : url.deletingLastPathComponent()
        let config = folder.appendingPathComponent("tokenizer_config.json")
        if let data = try? Data(contentsOf: config), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            if let s = object["chat_template"] as? String { return (s, "tokenizer_config.json chat_template") }
            if let list = object["chat_template"] as? [[String: Any]] {
                let entry = list.first { ($0["name"] as? String) == "default" } ?? list.first
                if let s = entry?["template"] as? String { return (s, "tokenizer_config.json chat_template") }
            }
        }
        let jinja = folder.appendingPathComponent("chat_template.jinja")
        if let s = try? String(contentsOf: jinja, encoding: .utf8) { return (s, "chat_template.jinja") }
        return nil
    }
}

/// Turns prompt records into token ids for one model.
public struct PromptEncoder {
    public let tokenizer: any Tokenizer
    public let template: InstructionTemplate?
    public let chat: ChatFormat?
    let specials: [(text: String, id: Int32)]

    /// - template: how `.raw` and `.sentence` bodies are wrapped (nil: raw for `prompt`, chat for corpus
    ///   sentences); `.messages` always go through `chat`.
    public init(tokenizer: any Tokenizer, template: InstructionTemplate?, chat: ChatFormat?) {
        self.tokenizer = tokenizer
        self.template = template
        self.chat = chat
        specials = tokenizer.specialTokens
    }

    /// The end-of-generation ids: the tokenizer's EOS and the end-of-turn token of every built-in chat
    /// format the vocabulary has as a special token (`<|im_end|>`, `<end_of_turn>`, `<|eot_id|>`, `<|end|>`,
    /// `<|END_OF_TURN_TOKEN|>`), as the models' generation configs list them.
    public var endOfGeneration: Set<Int32> {
        var ids = Set<Int32>()
        if let e = tokenizer.eosID { ids.insert(e) }
        let turnEnds: Set<String> = ["<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|end|>", "<|END_OF_TURN_TOKEN|>"]
        for s in specials where turnEnds.contains(s.text) { ids.insert(s.id) }
        return ids
    }

    /// The chat rendering of `messages` (nil without a chat format).
    public func render(_ messages: [ChatMessage]) throws -> String {
        guard let chat else { throw GenerationError.badOption(reason: "chat prompts need a chat template") }
        return try chat.render(messages)
    }

    /// Token ids of a rendered chat prompt: special tokens parsed, no BOS added (the template writes its
    /// own), except Alpaca's plain-text format, which takes the model's BOS rule.
    public func encodeChat(_ rendered: String) -> [Int32] {
        let bos = chat?.template == .alpaca && tokenizer.addsBOSByDefault
        return tokenizer.encode(rendered, addBOS: bos, parsingSpecialTokens: specials)
    }

    public func request(for record: PromptRecord) throws -> GenerationRequest {
        let ids: [Int32]
        switch record.body {
        case let .messages(messages):
            ids = encodeChat(try render(messages))
        case let .raw(text):
            ids = try wrap(text, template ?? .raw)
        case let .sentence(text):
            ids = try wrap(text, template ?? .chat)
        }
        return GenerationRequest(id: record.id, language: record.language, promptIDs: ids)
    }

    func wrap(_ text: String, _ template: InstructionTemplate) throws -> [Int32] {
        switch template {
        case .raw: return tokenizer.encode(text)
        case .alpaca: return tokenizer.encode(PromptTemplate.alpacaNoInput.prompt(text))
        case .chat: return encodeChat(try render([ChatMessage(role: "user", content: text)]))
        }
    }
}

/// Writes the `generate` output: one JSON object per prompt, `{"id", "lang", "prompt_ids", "output_ids",
/// "text", "finish"}` plus `"reference"` when the prompt had one; written to a temporary file and renamed
/// into place, so an interrupted run leaves no output that looks complete.
public enum ResponsesFile {
    public static func line(_ r: GenerationResult, reference: String?) -> String {
        var object: [String: Any] = [
            "id": r.id, "lang": r.language.map { $0 as Any } ?? NSNull(),
            "prompt_ids": r.promptIDs.map { Int($0) }, "output_ids": r.outputIDs.map { Int($0) },
            "text": r.text, "finish": r.finish.rawValue,
        ]
        if let reference { object["reference"] = reference }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    public static func write(_ results: [GenerationResult], references: [String: String], to url: URL) throws {
        let text = results.map { line($0, reference: references[$0.id]) + "\n" }.joined()
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        do {
            try Data(text.utf8).write(to: temporary)
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: temporary, to: url)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw GenerationError.unreadable(file: url.path, reason: "cannot write (\(error.localizedDescription))")
        }
    }
}
