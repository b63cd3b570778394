// The HDF5 module's one error type.
import Foundation

/// Everything that can go wrong reading or writing an HDF5 file. Each message names the file and, where
/// there is one, the object path inside it; failures reported by libhdf5 carry its error-stack text.
public enum HDF5Error: Error, LocalizedError, Equatable, Sendable {
    /// The file does not exist.
    case fileNotFound(file: String)
    /// `create` without `overwrite` found a file already there.
    case fileExists(file: String)
    /// The file exists but has no HDF5 superblock signature.
    case notHDF5(file: String)
    /// No link at `path`.
    case objectNotFound(file: String, path: String)
    /// A new object or link would replace one already at `path`.
    case objectExists(file: String, path: String)
    /// The object at `path` is not of the expected kind (a group where a dataset was asked for, a string
    /// dataset read as numbers, …).
    case wrongType(file: String, path: String, expected: String, found: String)
    /// Shapes, offsets, counts or value counts disagree; checked before any call into libhdf5.
    case shapeMismatch(file: String, path: String, detail: String)
    /// An argument that can never be valid (negative extent, deflate level outside 0…9, …).
    case invalidArgument(file: String, path: String, detail: String)
    /// A read would need more memory than the machine has (an extent read from the file is implausible).
    case tooLarge(file: String, path: String, bytes: String)
    /// libhdf5 crashed, looped or ran out of memory reading the file's metadata in a probe process
    /// (`HDF5Probe`), so this process does not read it.
    case corruptMetadata(file: String, reason: String)
    /// libhdf5 returned a failure code; `stack` is its error stack, innermost last.
    case library(file: String, path: String, operation: String, stack: String)

    public var errorDescription: String? {
        switch self {
        case .fileNotFound(let file):
            return "\(file): no such file"
        case .fileExists(let file):
            return "\(file): file already exists (pass overwrite to replace it)"
        case .notHDF5(let file):
            return "\(file): not an HDF5 file (no HDF5 signature)"
        case .objectNotFound(let file, let path):
            return "\(file): no object at \(path)"
        case .objectExists(let file, let path):
            return "\(file): an object already exists at \(path)"
        case .wrongType(let file, let path, let expected, let found):
            return "\(file): \(path) is \(found), expected \(expected)"
        case .shapeMismatch(let file, let path, let detail):
            return "\(file): \(path): \(detail)"
        case .invalidArgument(let file, let path, let detail):
            return "\(file): \(path): \(detail)"
        case .tooLarge(let file, let path, let bytes):
            return "\(file): \(path): reading it would need \(bytes) bytes, more than this machine's memory"
        case .corruptMetadata(let file, let reason):
            return "\(file): corrupt HDF5 metadata: \(reason)"
        case .library(let file, let path, let operation, let stack):
            let detail = stack.isEmpty ? "" : ": \(Self.summary(ofStack: stack))"
            return "\(file): \(path): \(operation) failed\(detail)"
        }
    }

    /// A library error stack in one short line: its outermost entry (what failed) and its innermost cause;
    /// a system error (`error message = 'No space left on device'`) stands for the whole inner chain. The
    /// full stack stays in the error's `stack` for whoever needs it.
    static func summary(ofStack stack: String) -> String {
        let entries = stack.components(separatedBy: "; ").map { $0.replacingOccurrences(of: "\n", with: " ") }
        guard let first = entries.first else { return "" }
        if let range = stack.range(of: "error message = '"),
           let end = stack[range.upperBound...].firstIndex(of: "'") {
            return "\(first): \(stack[range.upperBound..<end])"
        }
        guard let last = entries.last, entries.count > 1, last != first else { return first }
        return "\(first) … \(last)"
    }
}
