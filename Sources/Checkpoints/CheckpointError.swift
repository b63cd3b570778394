// Every way a checkpoint can be wrong, each naming the file and the problem.
import Foundation

/// Errors of the Checkpoints module. Messages name the file and say what is wrong with it.
public enum CheckpointError: Error, LocalizedError, Equatable {
    case unreadable(file: String, reason: String)
    case truncated(file: String, needed: Int, size: Int)
    case badMagic(file: String, expected: String)
    case unsupportedVersion(file: String, version: Int)
    case malformed(file: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case tensorNotFound(file: String, tensor: String)
    case missingShard(index: String, shard: String)
    case badConfig(file: String, reason: String)
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    case unsupported(file: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .truncated(file, needed, size): return "\(file): truncated: needs \(needed) bytes, file has \(size)"
        case let .badMagic(file, expected): return "\(file): not a \(expected) file (wrong magic)"
        case let .unsupportedVersion(file, version): return "\(file): unsupported format version \(version)"
        case let .malformed(file, reason): return "\(file): malformed: \(reason)"
        case let .unknownDType(file, tensor, dtype): return "\(file): tensor \(tensor) has unknown dtype \(dtype)"
        case let .tensorNotFound(file, tensor): return "\(file): no tensor named \(tensor)"
        case let .missingShard(index, shard): return "\(index): shard \(shard) is missing"
        case let .badConfig(file, reason): return "\(file): bad configuration: \(reason)"
        case let .shapeMismatch(file, tensor, expected, found):
            return "\(file): tensor \(tensor) has shape \(found), configuration implies \(expected)"
        case let .unsupported(file, reason): return "\(file): unsupported: \(reason)"
        }
    }
}
