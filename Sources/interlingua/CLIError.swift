// Errors the CLI itself detects (arguments that name the wrong kind of file, outputs in the way), each naming
// the file and what to do.
import Foundation

enum CLIError: Error, LocalizedError, Equatable {
    /// An output that exists and would be replaced.
    case outputExists(path: String, hint: String)
    /// A tensor name the checkpoint does not have, with the closest names it does have.
    case tensorNotFound(file: String, tensor: String, suggestions: [String])
    /// An argument that holds the other kind of input (a model given as the corpus, or the reverse).
    case wrongKind(path: String, expected: String, found: String, hint: String)

    var errorDescription: String? {
        switch self {
        case let .outputExists(path, hint): return "\(path): already exists (\(hint))"
        case let .tensorNotFound(file, tensor, suggestions):
            return "\(file): no tensor '\(tensor)'"
                + (suggestions.isEmpty ? " (--list shows them all)" : "; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?")
        case let .wrongKind(path, expected, found, hint): return "\(path): expected \(expected), found \(found); \(hint)"
        }
    }
}
