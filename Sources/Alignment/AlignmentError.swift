// Errors of the Alignment module: each message names the file or the input and the problem.
import Foundation

public enum AlignmentError: Error, LocalizedError, Equatable {
    /// A measure needs more sentences than the input has.
    case tooFewSentences(metric: String, needed: Int, got: Int)
    /// The analysis settings need more sentences than the input has: every unmet minimum at once.
    case tooFewSentencesForSettings(got: Int, unmet: [SentenceMinimum])
    /// Two matrices that must describe the same sentences (or space) differ in shape.
    case shapeMismatch(String)
    /// A language named on the command line is not in the file.
    case missingLanguage(String, available: [String])
    /// An option value is out of range.
    case invalidSetting(String)
    /// The input contains NaN or infinity.
    case nonFinite(String)
    /// A sentence vector holds NaN or ±∞: where (file when read from one, language, layer, row and its
    /// sentence id) and the first offending value.
    case nonFiniteVector(file: String?, language: String, layer: Int, row: Int, id: String?, dimension: Int, value: Float)
    /// A linear-algebra routine failed.
    case numerical(String)
    case unreadableReport(path: String, reason: String)
    case unencodableReport(reason: String)
    case writeFailed(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .tooFewSentences(metric, needed, got):
            return "\(metric) needs at least \(needed) sentences, got \(got)"
        case let .tooFewSentencesForSettings(got, unmet):
            let needs = unmet.map { "\($0.metric) needs at least \($0.needed)" }.joined(separator: ", ")
            return "\(got) sentence\(got == 1 ? " is" : "s are") too few: \(needs)"
        case let .shapeMismatch(text): return "shape mismatch: \(text)"
        case let .missingLanguage(lang, available):
            return "language '\(lang)' is not in the activations (available: \(available.joined(separator: ", ")))"
        case let .invalidSetting(text): return "invalid setting: \(text)"
        case let .nonFinite(text): return "\(text) contains NaN or infinity"
        case let .nonFiniteVector(file, language, layer, row, id, dimension, value):
            let place = "language '\(language)', layer \(layer), row \(row)" + (id.map { " (sentence id '\($0)')" } ?? "")
            return "\(file.map { "\($0): " } ?? "")\(place): the sentence vector holds \(value.isNaN ? "NaN" : "\(value)") "
                + "at dimension \(dimension); non-finite states cannot be aligned (re-trace, or leave the language out)"
        case let .numerical(text): return "numerical failure: \(text)"
        case let .unreadableReport(path, reason): return "\(path): cannot read alignment report: \(reason)"
        case let .unencodableReport(reason): return "cannot encode alignment report: \(reason)"
        case let .writeFailed(path, reason): return "\(path): cannot write: \(reason)"
        }
    }
}

/// The fewest sentences one part of an analysis needs.
public struct SentenceMinimum: Equatable, Sendable {
    public var metric: String
    public var needed: Int

    public init(metric: String, needed: Int) {
        self.metric = metric
        self.needed = needed
    }
}
