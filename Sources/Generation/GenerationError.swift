// Errors of the generation module.
import Foundation

public enum GenerationError: Error, LocalizedError, Equatable {
    case unknownChatTemplate(name: String, choices: [String])
    case unrecognizedChatTemplate(source: String, choices: [String])
    case noChatTemplate(source: String, architecture: String, choices: [String])
    case unsupportedMessages(template: String, reason: String)
    case badPromptFile(file: String, line: Int, reason: String)
    case unreadable(file: String, reason: String)
    case badOption(reason: String)
    case emptyPrompt(id: String)
    case promptTooLong(id: String, tokens: Int, limit: Int)
    case modelOutput(reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unknownChatTemplate(name, choices):
            return "unknown chat template '\(name)' (choices: \(choices.joined(separator: ", ")))"
        case let .unrecognizedChatTemplate(source, choices):
            return "\(source): the model's chat template is none of the built-in ones; pass --chat-template with one of \(choices.joined(separator: ", "))"
        case let .noChatTemplate(source, architecture, choices):
            return "\(source): the model ships no chat template and the \(architecture) family has no official one; pass --chat-template with one of \(choices.joined(separator: ", "))"
        case let .unsupportedMessages(template, reason):
            return "chat template \(template): \(reason)"
        case let .badPromptFile(file, line, reason):
            return "\(file):\(line): \(reason)"
        case let .unreadable(file, reason):
            return "\(file): \(reason)"
        case let .badOption(reason):
            return reason
        case let .emptyPrompt(id):
            return "prompt '\(id)' has no tokens"
        case let .promptTooLong(id, tokens, limit):
            return "prompt '\(id)' with its new tokens needs \(tokens) positions, more than the model's \(limit)"
        case let .modelOutput(reason):
            return "model output: \(reason)"
        }
    }
}
