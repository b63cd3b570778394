// The sidecar progress journal of an activation file being written (`FILE.h5.progress`).
import Foundation

/// Progress of a trace, kept next to its output as `<output>.progress` and replaced atomically
/// (write to a temporary file, then rename) after each batch's data has been flushed to the HDF5 file.
/// A `kill -9` at any moment therefore leaves either the previous journal or the new one, and the
/// journal never claims data that is not in the file.
///
/// JSON: `{"fingerprint": "…", "state": "creating|tracing|finalizing", "batches_done": k, "batches_total": n,
/// "checksum": "…"}`. `checksum` chains the written values of batches `0..<k` (`BatchChecksum`), so a resume
/// can check that the file really holds what the journal claims before it continues or marks it complete.
///
/// The journal is input like any other file: `read` refuses negative counts, `batches_done >
/// batches_total`, `creating` with batches done, and `finalizing` before every batch is done.
public struct TraceJournal: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// The file is being created; its contents are not trusted (a resume recreates it).
        case creating
        /// Datasets are preallocated; the first `batchesDone` batches are written and flushed.
        case tracing
        /// Every batch is written; only the `complete` flag remains to be set.
        case finalizing
    }

    public var fingerprint: String
    public var state: State
    public var batchesDone: Int
    public var batchesTotal: Int
    /// `BatchChecksum` over the values of batches `0..<batchesDone`, as 16 hex digits.
    public var checksum: String

    public init(fingerprint: String, state: State, batchesDone: Int, batchesTotal: Int,
                checksum: String = BatchChecksum().hex) {
        self.fingerprint = fingerprint
        self.state = state
        self.batchesDone = batchesDone
        self.batchesTotal = batchesTotal
        self.checksum = checksum
    }

    enum CodingKeys: String, CodingKey {
        case fingerprint, state, batchesDone = "batches_done", batchesTotal = "batches_total", checksum
    }

    /// Why this journal cannot describe a trace, or nil when its fields are consistent.
    public var inconsistency: String? {
        if batchesTotal < 0 { return "batches_total is negative (\(batchesTotal))" }
        if batchesDone < 0 { return "batches_done is negative (\(batchesDone))" }
        if batchesDone > batchesTotal { return "batches_done \(batchesDone) exceeds batches_total \(batchesTotal)" }
        if state == .creating && batchesDone != 0 { return "state 'creating' with \(batchesDone) batches done" }
        if state == .finalizing && batchesDone != batchesTotal {
            return "state 'finalizing' with only \(batchesDone) of \(batchesTotal) batches done"
        }
        if checksum.count != 16 || UInt64(checksum, radix: 16) == nil { return "checksum '\(checksum)' is not 16 hex digits" }
        return nil
    }

    /// The journal's path for an output file.
    public static func url(for output: URL) -> URL {
        output.deletingLastPathComponent().appendingPathComponent(output.lastPathComponent + ".progress")
    }

    /// Reads the journal of `output`; nil when there is none.
    public static func read(for output: URL) throws -> TraceJournal? {
        let url = Self.url(for: output)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let data = try Data(contentsOf: url)
            guard data.count < 1 << 20 else {
                throw ActivationsError.badJournal(file: url.path, reason: "larger than 1 MiB")
            }
            let journal = try JSONDecoder().decode(TraceJournal.self, from: data)
            if let problem = journal.inconsistency { throw ActivationsError.badJournal(file: url.path, reason: problem) }
            return journal
        } catch let error as ActivationsError {
            throw error
        } catch {
            throw ActivationsError.badJournal(file: url.path, reason: Self.describe(error))
        }
    }

    /// A decoding or file error in a few words (Foundation's descriptions of both run long).
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return "not JSON (\(context.debugDescription))"
        case DecodingError.keyNotFound(let key, _): return "field '\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case let cocoa as CocoaError where cocoa.code == .fileWriteOutOfSpace: return "no space left on device"
        case let cocoa as CocoaError where cocoa.code == .fileWriteVolumeReadOnly: return "read-only file system"
        case let cocoa as CocoaError where cocoa.code == .fileWriteNoPermission: return "permission denied"
        default:
            let ns = error as NSError
            if let posix = (ns.userInfo[NSUnderlyingErrorKey] as? NSError), posix.domain == NSPOSIXErrorDomain {
                return String(cString: strerror(Int32(posix.code)))
            }
            return error.localizedDescription
        }
    }

    /// Replaces the journal of `output` atomically (temporary file, fsync, rename).
    public func write(for output: URL) throws {
        let url = Self.url(for: output)
        let temp = url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent + ".tmp")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(self)
            try data.write(to: temp)
            let handle = try FileHandle(forWritingTo: temp)
            try handle.synchronize()
            try handle.close()
            guard rename(temp.path, url.path) == 0 else {
                throw ActivationsError.journalNotWritten(file: url.path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
        } catch let error as ActivationsError {
            try? FileManager.default.removeItem(at: temp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw ActivationsError.journalNotWritten(file: url.path, reason: Self.describe(error))
        }
    }

    /// Deletes the journal of `output` (after the file is complete).
    public static func remove(for output: URL) throws {
        let url = Self.url(for: output)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
    }
}

/// A running 64-bit checksum of the float values a trace writes, batch after batch (FNV-1a over 32-bit
/// words: cheap next to the compute, and any lost or zeroed write changes it). Not cryptographic: it
/// proves that the file holds what the journal says was written, against crashes and edits by mistake.
public struct BatchChecksum: Sendable, Equatable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public init?(hex: String) {
        guard let v = UInt64(hex, radix: 16) else { return nil }
        value = v
    }

    public mutating func add(_ values: UnsafeBufferPointer<Float>) {
        var h = value
        for v in values {
            h ^= UInt64(v.bitPattern)
            h = h &* 0x0000_0100_0000_01b3
        }
        value = h
    }

    public mutating func add(_ values: [Float]) { values.withUnsafeBufferPointer { add($0) } }

    public var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }
}
