// Every way a trace can be refused before or during compute, each naming the input and the problem.
import Foundation

/// Errors of the Tracing module.
public enum TracingError: Error, LocalizedError, Equatable {
    /// The corpus handed to the tracer is unusable (named by `source`).
    case badCorpus(source: String, reason: String)
    /// A sentence tokenized to nothing that could be pooled.
    case emptySentence(language: String, id: String)
    /// A sentence's prompt is longer than the model's context.
    case sentenceTooLong(source: String, language: String, id: String, tokens: Int, limit: Int)
    /// The prompt template's sentence span could not be located in the tokenized prompt.
    case templateSpanNotFound(language: String, id: String)
    /// An option value is out of range.
    case badOption(String)
    /// The model returned a matrix of an unexpected shape.
    case modelShape(stage: String, expected: [Int], found: [Int])
    /// `--resume` found an output whose run settings differ from this run's.
    case resumeMismatch(file: String, reason: String)
    /// The output exists and `--resume` was not given.
    case outputExists(file: String)
    /// Another process holds the output's lock (a trace onto the same file is running).
    case outputBusy(file: String)
    /// A `--deactivate` neurons file is unusable.
    case badDeactivation(file: String, reason: String)
    /// A batch lane ended without a result (an internal fault: every lane records its batches' results).
    case laneDidNotRun

    public var errorDescription: String? {
        switch self {
        case let .badCorpus(source, reason): return "\(source): \(reason)"
        case let .emptySentence(language, id):
            return "sentence \(id) (\(language)) has no tokens to pool after tokenization"
        case let .sentenceTooLong(source, language, id, tokens, limit):
            return "\(source): sentence \(id) (\(language)) is \(tokens) tokens with its template, longer than the model's \(limit)-token context; shorten or drop it"
        case let .templateSpanNotFound(language, id):
            return "sentence \(id) (\(language)): the template's sentence span is not a prefix-stable part of the tokenized prompt"
        case let .badOption(message): return message
        case let .modelShape(stage, expected, found):
            return "model \(stage) returned shape \(found), expected \(expected)"
        case let .resumeMismatch(file, reason): return "\(file): cannot resume: \(reason)"
        case let .outputExists(file):
            return "\(file) already exists; pass --resume to continue it or choose another --output"
        case let .outputBusy(file):
            return "\(file) is being written by another running trace (its lock \((file as NSString).lastPathComponent).lock is held); wait for it to finish or choose another --output"
        case let .badDeactivation(file, reason): return "\(file): cannot deactivate neurons: \(reason)"
        case .laneDidNotRun: return "internal error: a batch lane ended without computing its batches"
        }
    }
}
