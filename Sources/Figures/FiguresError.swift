// Every way `plot` and `report` can fail on their input, each naming the path and the problem.
import Foundation

/// Errors of the Figures module.
public enum FiguresError: Error, LocalizedError, Equatable {
    /// Nothing at `path`.
    case missing(path: String)
    /// The input is of a kind `plot`/`report` recognise but cannot draw, with what to do instead.
    case notDrawable(path: String, what: String, hint: String)
    /// No input kind recognises the content at `path`.
    case unrecognised(path: String, found: String, expected: [String])
    /// A recognised input whose content is unusable.
    case unreadable(path: String, reason: String)
    /// This input kind has no report page.
    case noReport(path: String, kind: String)
    /// An output could not be written.
    case writeFailed(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .missing(path): return "\(path): no such file or folder"
        case let .notDrawable(path, what, hint): return "\(path): this is \(what); \(hint)"
        case let .unrecognised(path, found, expected):
            return "\(path): \(found), not an input this command draws (expected \(expected.joined(separator: "; or ")))"
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .noReport(path, kind): return "\(path): \(kind) has figures but no report page (use 'interlingua plot')"
        case let .writeFailed(path, reason): return "\(path): cannot write: \(reason)"
        }
    }
}
