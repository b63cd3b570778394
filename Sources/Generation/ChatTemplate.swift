// Built-in chat templates: the formats llama.cpp also ships (src/llama-chat.cpp), each written from its
// model's official Jinja template, and the detection of which one a model's Jinja string is.

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A named chat format. Rendering follows the official template of the models that use it, as
/// transformers' `apply_chat_template(messages, add_generation_prompt=True)` produces it:
///
/// - `chatml` (SmolLM2, Qwen 2/2.5/3, OpenHermes): `<|im_start|>{role}\n{content}<|im_end|>\n` per message,
///   then `<|im_start|>assistant\n`; a template that writes a system turn when the first message is not
///   a system message (SmolLM2, Qwen 2.5) gives that default system message (`defaultSystem`).
/// - `gemma` (Gemma 1/2/3): `<bos>`, then `<start_of_turn>{user|model}\n{content, trimmed}<end_of_turn>\n`,
///   the system message prepended to the first user turn with a blank line; then `<start_of_turn>model\n`.
/// - `llama2` (Llama 2 chat): `<s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {assistant} </s>`,
///   user and assistant contents stripped.
/// - `llama3` (Llama 3/3.1/3.2 Instruct): `<|begin_of_text|>` then
///   `<|start_header_id|>{role}<|end_header_id|>\n\n{content, trimmed}<|eot_id|>` per message, then the
///   assistant header; templates with "Cutting Knowledge Date" (3.1+) write their dated system turn.
/// - `mistral-v1` (Mistral 7B Instruct v0.1/v0.2): `<s>[INST] {user} [/INST]{assistant}</s>`, a system message
///   prepended to the first user turn with a blank line; `mistral-v7` (Mistral Small 3): `<s>[SYSTEM_PROMPT]…
///   [/SYSTEM_PROMPT][INST]{user}[/INST]{assistant}</s>`.
/// - `phi3` (Phi-3): `<|{role}|>\n{content}<|end|>\n` per message, then `<|assistant|>\n`.
/// - `command-r` (Cohere Command-R): `<BOS_TOKEN>` then `<|START_OF_TURN_TOKEN|><|{SYSTEM|USER|CHATBOT}_TOKEN|>
///   {content}<|END_OF_TURN_TOKEN|>` per message, then `<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>`.
/// - `alpaca` (Stanford Alpaca, m-LLaMA / x-LLaMA): the system message (default: Alpaca's preamble "Below is
///   an instruction that describes a task. Write a response that appropriately completes the request."),
///   then `\n\n### Instruction:\n{user}\n\n### Response:` per user turn, an assistant answer following as
///   ` {assistant}` (no BOS: the tokenizer's BOS rule applies).
public enum ChatTemplate: String, CaseIterable, Sendable, Codable {
    case chatml
    case gemma
    case llama2
    case llama3
    case mistralV1 = "mistral-v1"
    case mistralV7 = "mistral-v7"
    case phi3
    case commandR = "command-r"
    case alpaca

    public static var names: [String] { allCases.map(\.rawValue) }

    /// Which built-in template a model's Jinja template string is, from substrings only (as llama.cpp's
    /// `llm_chat_detect_template`): nil when none matches.
    public static func detect(jinja t: String) -> ChatTemplate? {
        func has(_ s: String) -> Bool { t.contains(s) }
        if has("<|im_start|>") { return .chatml }
        if has("[INST]") {
            if has("[SYSTEM_PROMPT]") { return .mistralV7 }
            // Llama 2's official template writes the <<SYS>> block; Mistral's folds the system into the turn.
            return has("<<SYS>>") ? .llama2 : .mistralV1
        }
        if has("<|assistant|>") && has("<|end|>") { return .phi3 }
        if has("<|start_header_id|>") && has("<|end_header_id|>") { return .llama3 }
        if has("<start_of_turn>") { return .gemma }
        if has("<|START_OF_TURN_TOKEN|>") && has("<|USER_TOKEN|>") { return .commandR }
        if has("### Instruction:") && has("### Response:") { return .alpaca }
        return nil
    }

    /// The official template of a model family that ships none in its checkpoint (the Gemma 3 GGUF): nil
    /// for families without one official chat format (LLaMA-architecture checkpoints may be Llama 2, 3,
    /// SmolLM2 or Alpaca tunes).
    public static func official(forArchitecture architecture: String) -> ChatTemplate? {
        let a = architecture.lowercased()
        if a.hasPrefix("gemma") { return .gemma }
        if a.hasPrefix("qwen") { return .chatml }
        if a.hasPrefix("phi3") || a == "phi-3" { return .phi3 }
        if a.hasPrefix("cohere") || a.hasPrefix("command") { return .commandR }
        if a.hasPrefix("mistral") { return .mistralV1 }
        return nil
    }
}

/// A chat template with what was read from the model's own template: ChatML's default system message
/// and LLaMA 3.1's dated system header.
public struct ChatFormat: Sendable, Equatable {
    public var template: ChatTemplate
    /// The system message written when the conversation has none (ChatML templates that embed one).
    public var defaultSystem: String?
    /// LLaMA 3.1+: "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" opens the system turn.
    public var datedSystemHeader: Bool
    /// Where the format came from, for provenance ("GGUF tokenizer.chat_template (chatml)").
    public var origin: String

    public init(template: ChatTemplate, defaultSystem: String? = nil, datedSystemHeader: Bool = false, origin: String) {
        self.template = template
        self.defaultSystem = defaultSystem
        self.datedSystemHeader = datedSystemHeader
        self.origin = origin
    }

    /// The format of a model's Jinja template string.
    public init?(jinja: String, origin: String) {
        guard let template = ChatTemplate.detect(jinja: jinja) else { return nil }
        self.init(template: template, origin: "\(origin) (\(template.rawValue))")
        if template == .chatml { defaultSystem = Self.embeddedSystemMessage(jinja) }
        if template == .llama3 { datedSystemHeader = jinja.contains("Cutting Knowledge Date") }
    }

    /// The literal system turn a ChatML template writes itself: the text between `<|im_start|>system\n`
    /// and `<|im_end|>` when it is a plain string (no Jinja expression inside).
    static func embeddedSystemMessage(_ jinja: String) -> String? {
        for opener in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
            var search = jinja[...]
            while let start = search.range(of: opener) {
                let rest = search[start.upperBound...]
                guard let end = rest.range(of: "<|im_end|>") else { break }
                let body = String(rest[..<end.lowerBound])
                if !body.isEmpty, !body.contains("{"), !body.contains("'"), !body.contains("\"") {
                    return body.replacingOccurrences(of: "\\n", with: "\n")
                }
                search = rest[end.upperBound...]
            }
        }
        return nil
    }

    /// Chooses the format: `override` (a template name) wins; else the model's own template string; else the
    /// family's official template with a note for stderr. Errors name the choices.
    public static func resolve(override: String?, modelTemplate: String?, templateOrigin: String,
                               architecture: String, source: String) throws -> (format: ChatFormat, note: String?) {
        if let override {
            guard let template = ChatTemplate(rawValue: override) else {
                throw GenerationError.unknownChatTemplate(name: override, choices: ChatTemplate.names)
            }
            var format = ChatFormat(template: template, origin: "--chat-template \(override)")
            // Keep what the model's own template adds when it is the same format.
            if let modelTemplate, let own = ChatFormat(jinja: modelTemplate, origin: templateOrigin), own.template == template {
                format.defaultSystem = own.defaultSystem
                format.datedSystemHeader = own.datedSystemHeader
            }
            return (format, nil)
        }
        if let modelTemplate, !modelTemplate.isEmpty {
            guard let format = ChatFormat(jinja: modelTemplate, origin: templateOrigin) else {
                throw GenerationError.unrecognizedChatTemplate(source: source, choices: ChatTemplate.names)
            }
            return (format, nil)
        }
        guard let template = ChatTemplate.official(forArchitecture: architecture) else {
            throw GenerationError.noChatTemplate(source: source, architecture: architecture, choices: ChatTemplate.names)
        }
        let note = "\(source) ships no chat template; using the \(architecture) family's official one (\(template.rawValue))"
        return (ChatFormat(template: template, origin: "official \(architecture) template (\(template.rawValue)); the model has none"), note)
    }

    // MARK: - Rendering

    /// The prompt text of `messages` followed by the assistant's opening (the generation prompt).
    public func render(_ messages: [ChatMessage]) throws -> String {
        guard !messages.isEmpty else {
            throw GenerationError.unsupportedMessages(template: template.rawValue, reason: "no messages")
        }
        for m in messages where !["system", "user", "assistant"].contains(m.role) {
            throw GenerationError.unsupportedMessages(template: template.rawValue, reason: "role '\(m.role)' (use system, user, assistant)")
        }
        var system: String?
        var turns = messages[...]
        if let first = turns.first, first.role == "system" {
            system = first.content
            turns = turns.dropFirst()
        }
        for m in turns where m.role == "system" {
            throw GenerationError.unsupportedMessages(template: template.rawValue, reason: "a system message after the first")
        }
        var out = ""
        switch template {
        case .chatml:
            if let s = system ?? defaultSystem { out += "<|im_start|>system\n\(s)<|im_end|>\n" }
            for m in turns { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            out += "<|im_start|>assistant\n"
        case .gemma:
            out += "<bos>"
            for (i, m) in turns.enumerated() {
                let prefix = (i == 0 && system != nil) ? system! + "\n\n" : ""
                let role = m.role == "assistant" ? "model" : m.role
                out += "<start_of_turn>\(role)\n\(prefix)\(m.content.trimmingWhitespace())<end_of_turn>\n"
            }
            if turns.isEmpty, let system { out += "<start_of_turn>user\n\(system)\n\n<end_of_turn>\n" }
            out += "<start_of_turn>model\n"
        case .llama2:
            var first = true
            for m in turns {
                if m.role == "user" {
                    var content = m.content.trimmingWhitespace()
                    if first, let system { content = "<<SYS>>\n\(system.trimmingWhitespace())\n<</SYS>>\n\n" + content }
                    out += "<s>[INST] \(content) [/INST]"
                    first = false
                } else {
                    out += " \(m.content.trimmingWhitespace()) </s>"
                }
            }
        case .llama3:
            out += "<|begin_of_text|>"
            if datedSystemHeader || system != nil {
                let header = datedSystemHeader ? "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" : ""
                out += "<|start_header_id|>system<|end_header_id|>\n\n\(header)\((system ?? "").trimmingWhitespace())<|eot_id|>"
            }
            for m in turns {
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(m.content.trimmingWhitespace())<|eot_id|>"
            }
            out += "<|start_header_id|>assistant<|end_header_id|>\n\n"
        case .mistralV1:
            out += "<s>"
            var first = true
            for m in turns {
                if m.role == "user" {
                    let content = (first && system != nil) ? system! + "\n\n" + m.content : m.content
                    out += "[INST] \(content) [/INST]"
                    first = false
                } else {
                    out += "\(m.content)</s>"
                }
            }
        case .mistralV7:
            out += "<s>"
            if let system { out += "[SYSTEM_PROMPT]\(system)[/SYSTEM_PROMPT]" }
            for m in turns {
                out += m.role == "user" ? "[INST]\(m.content)[/INST]" : "\(m.content)</s>"
            }
        case .phi3:
            if let system { out += "<|system|>\n\(system)<|end|>\n" }
            for m in turns { out += "<|\(m.role)|>\n\(m.content)<|end|>\n" }
            out += "<|assistant|>\n"
        case .commandR:
            out += "<BOS_TOKEN>"
            if let system { out += "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>\(system)<|END_OF_TURN_TOKEN|>" }
            for m in turns {
                let token = m.role == "user" ? "<|USER_TOKEN|>" : "<|CHATBOT_TOKEN|>"
                out += "<|START_OF_TURN_TOKEN|>\(token)\(m.content)<|END_OF_TURN_TOKEN|>"
            }
            out += "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"
        case .alpaca:
            out += system ?? "Below is an instruction that describes a task. Write a response that appropriately completes the request."
            for m in turns {
                out += m.role == "user" ? "\n\n### Instruction:\n\(m.content)\n\n### Response:" : " \(m.content)"
            }
        }
        return out
    }
}

extension String {
    /// Python's `str.strip()` / Jinja's `trim` for the whitespace these templates meet.
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
