// Errors of the Compare module: each names the run or folder and the problem.
import Foundation

public enum CompareError: Error, LocalizedError, Equatable {
    case notAnAlignFolder(path: String)
    case inconsistentRun(path: String, reason: String)
    /// The runs share no metric (or pair) to compare.
    case nothingInCommon(String)
    case invalidSetting(String)
    case writeFailed(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .notAnAlignFolder(path):
            return "\(path): not an align or responses output folder (no alignment.json or responses.json); run `interlingua align` or `interlingua responses` first"
        case let .inconsistentRun(path, reason): return "\(path): \(reason)"
        case let .nothingInCommon(text): return "nothing to compare: \(text)"
        case let .invalidSetting(text): return "invalid setting: \(text)"
        case let .writeFailed(path, reason): return "\(path): cannot write: \(reason)"
        }
    }
}
