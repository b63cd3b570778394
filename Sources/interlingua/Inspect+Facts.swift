// What `inspect` adds to the checkpoint summary: the model's name, its BOS policy and its chat template.
import Checkpoints
import Foundation
import Tokenizers

/// Facts about a model that decide how its prompts look.
struct ModelFacts {
    /// GGUF `general.name`, a config's `_name_or_path`, else the file or folder name.
    var name: String
    /// Whether the tokenizer prepends BOS by the model's own metadata (nil: no usable tokenizer).
    var addsBOS: Bool?
    var bosID: Int32?
    var bosPiece: String?
    /// Why the tokenizer could not be loaded.
    var tokenizerProblem: String?
    /// Characters of the chat template (GGUF `tokenizer.chat_template`, `tokenizer_config.json`
    /// `chat_template`, or `chat_template.jinja` / `.json` in a folder); nil when there is none.
    var chatTemplateLength: Int?

    init(_ checkpoint: Checkpoint) {
        name = TraceInputs.modelName(checkpoint)
        do {
            let tokenizer = try Tokenizers.load(for: checkpoint)
            addsBOS = tokenizer.addsBOSByDefault
            bosID = tokenizer.bosID
            bosPiece = tokenizer.bosID.map { tokenizer.piece($0) }
        } catch {
            tokenizerProblem = (error as? LocalizedError)?.errorDescription ?? "\(error)"
        }
        chatTemplateLength = Self.chatTemplate(checkpoint)?.count
    }

    static func chatTemplate(_ checkpoint: Checkpoint) -> String? {
        if let template = checkpoint.metadata["tokenizer.chat_template"]?.string { return template }
        let folder = checkpoint.url
        if let data = try? Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json")),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            if let template = object["chat_template"] as? String { return template }
            if let templates = object["chat_template"] as? [[String: Any]] {
                return templates.compactMap { $0["template"] as? String }.joined(separator: "\n")
            }
        }
        if let text = try? String(contentsOf: folder.appendingPathComponent("chat_template.jinja"), encoding: .utf8) { return text }
        if let data = try? Data(contentsOf: folder.appendingPathComponent("chat_template.json")),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let template = object["chat_template"] as? String { return template }
        return nil
    }

    var bosText: String {
        if let tokenizerProblem { return "unknown (\(tokenizerProblem))" }
        guard let addsBOS else { return "unknown" }
        let token = bosID.map { id in "\(bosPiece.map { "'\($0)' " } ?? "")id \(id)" } ?? "no BOS token"
        return addsBOS ? "prepended (\(token)), by the model's metadata" : "not prepended by the model's metadata (\(token))"
    }

    var lines: [String] {
        ["name            \(name)",
         "BOS             \(bosText)",
         "chat template   \(chatTemplateLength.map { "present (\($0) characters)" } ?? "none")"]
    }

    /// Keys added to `inspect --json`.
    var json: [String: Any] {
        var object: [String: Any] = ["name": name, "chat_template": chatTemplateLength != nil]
        if let addsBOS { object["adds_bos"] = addsBOS }
        if let bosID { object["bos_id"] = Int(bosID) }
        return object
    }
}

extension Inspect {
    /// Names of `names` close to `wanted`: with `.weight` appended, containing it, or sharing its last part.
    static func suggestions(for wanted: String, among names: [String]) -> [String] {
        let lower = wanted.lowercased()
        let last = lower.split(separator: ".").last.map(String.init) ?? lower
        let scored = names.compactMap { name -> (Int, String)? in
            let candidate = name.lowercased()
            if candidate == lower + ".weight" || candidate == lower + ".bias" { return (0, name) }
            if candidate.contains(lower) { return (1, name) }
            if !last.isEmpty, candidate.contains(last) { return (2, name) }
            return nil
        }
        return scored.sorted { $0 < $1 }.prefix(5).map(\.1)
    }
}
