// Every way the neuron analysis can be refused, each naming the input and the problem.
import Foundation

/// Errors of the Neurons module.
public enum NeuronsError: Error, LocalizedError, Equatable {
    /// The counts handed to LAPE are inconsistent (shapes, token counts).
    case badCounts(source: String, reason: String)
    /// A setting is out of range.
    case badSetting(String)
    /// An output could not be written.
    case writeFailed(path: String, reason: String)
    /// A neurons.json or perplexity summary could not be read.
    case unreadable(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .badCounts(source, reason): return "\(source): \(reason)"
        case let .badSetting(message): return message
        case let .writeFailed(path, reason): return "\(path): cannot write: \(reason)"
        case let .unreadable(path, reason): return "\(path): \(reason)"
        }
    }
}
