// Errors of the Alignment module: each message names the file or the input and the problem.
import Foundation

public enum AlignmentError: Error, LocalizedError, Equatable {
    /// A measure needs more sentences than the input has.
    case tooFewSentences(metric: String, needed: Int, got: Int)
    /// Two matrices that must describe the same sentences (or space) differ in shape.
    case shapeMismatch(String)
    /// A language named on the command line is not in the file.
    case missingLanguage(String, available: [String])
    /// An option value is out of range.
    case invalidSetting(String)
    /// The input contains NaN or infinity.
    case nonFinite(String)
    /// A linear-algebra routine failed.
    case numerical(String)
    case unreadableReport(path: String, reason: String)
    case unencodableReport(reason: String)
    case writeFailed(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .tooFewSentences(metric, needed, got):
            return "\(metric) needs at least \(needed) sentences, got \(got)"
        case let .shapeMismatch(text): return "shape mismatch: \(text)"
        case let .missingLanguage(lang, available):
            return "language '\(lang)' is not in the activations (available: \(available.joined(separator: ", ")))"
        case let .invalidSetting(text): return "invalid setting: \(text)"
        case let .nonFinite(text): return "\(text) contains NaN or infinity"
        case let .numerical(text): return "numerical failure: \(text)"
        case let .unreadableReport(path, reason): return "\(path): cannot read alignment report: \(reason)"
        case let .unencodableReport(reason): return "cannot encode alignment report: \(reason)"
        case let .writeFailed(path, reason): return "\(path): cannot write: \(reason)"
        }
    }
}
