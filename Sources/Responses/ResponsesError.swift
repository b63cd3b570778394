// Errors of the responses analysis.
import Foundation

public enum ResponsesError: Error, LocalizedError, Equatable {
    case unreadable(file: String, reason: String)
    case badLine(file: String, line: Int, reason: String)
    case empty(file: String)
    case writeFailed(path: String, reason: String)
    case badModel(file: String, reason: String)
    case candidatesNeedFastText

    public var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason): return "\(file): \(reason)"
        case let .badLine(file, line, reason): return "\(file):\(line): \(reason)"
        case let .empty(file): return "\(file): no texts"
        case let .writeFailed(path, reason): return "cannot write \(path) (\(reason))"
        case let .badModel(file, reason): return "\(file): not a fastText model (\(reason))"
        case .candidatesNeedFastText:
            return "--candidates restricts a fastText model's decision (--lid lid.176.ftz); CLD2 reports only its own top languages"
        }
    }
}
