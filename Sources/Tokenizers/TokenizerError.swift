// Every way tokenizer data can be wrong, each naming the source and the problem.
import Foundation

/// Errors of the Tokenizers module: malformed `tokenizer.model` (protobuf), `tokenizer.json`, GGUF
/// vocabularies and HF side files. Messages name the source (a file path, or "GGUF metadata") and the problem.
public enum TokenizerError: Error, LocalizedError, Equatable {
    case unreadable(source: String, reason: String)
    /// The protobuf / JSON structure is broken (truncated message, wrong wire type, bad length…).
    case malformed(source: String, reason: String)
    /// A required field or key is absent.
    case missingField(source: String, field: String)
    /// A field has a value of the wrong type.
    case wrongType(source: String, field: String, expected: String)
    /// The data is well formed but describes something this module does not implement.
    case unsupported(source: String, reason: String)
    /// The checkpoint carries no tokenizer.
    case noTokenizer(source: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(source, reason): return "\(source): cannot read tokenizer: \(reason)"
        case let .malformed(source, reason): return "\(source): malformed tokenizer data: \(reason)"
        case let .missingField(source, field): return "\(source): tokenizer field '\(field)' is missing"
        case let .wrongType(source, field, expected):
            return "\(source): tokenizer field '\(field)' has the wrong type (expected \(expected))"
        case let .unsupported(source, reason): return "\(source): unsupported tokenizer: \(reason)"
        case let .noTokenizer(source): return "\(source): the checkpoint carries no tokenizer"
        }
    }
}
