// Every way writing or resuming an activation file can fail, each naming the file and the problem.
import Foundation

/// Errors of the Activations module.
public enum ActivationsError: Error, LocalizedError, Equatable {
    /// The file is not an activation file of this format, or its contents contradict the layout.
    case notActivations(file: String, reason: String)
    /// A write's shape does not match the dataset it targets.
    case badWrite(file: String, dataset: String, reason: String)
    /// The progress journal is unreadable.
    case badJournal(file: String, reason: String)
    /// The progress journal could not be written (disk full, read-only file system, …).
    case journalNotWritten(file: String, reason: String)
    /// `merge` refused its shards (not one plan, incomplete, missing, duplicated) or could not write.
    case mergeRefused(String)

    public var errorDescription: String? {
        switch self {
        case let .notActivations(file, reason): return "\(file): not a usable activation file: \(reason)"
        case let .badWrite(file, dataset, reason): return "\(file): \(dataset): \(reason)"
        case let .badJournal(file, reason): return "\(file): unreadable progress journal: \(reason)"
        case let .journalNotWritten(file, reason): return "\(file): cannot write the progress journal: \(reason)"
        case let .mergeRefused(reason): return reason
        }
    }
}
