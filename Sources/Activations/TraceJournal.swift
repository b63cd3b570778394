// The sidecar progress journal of an activation file being written (`FILE.h5.progress`).
import Foundation

/// Progress of a trace, kept next to its output as `<output>.progress` and replaced atomically
/// (write to a temporary file, then rename) after each batch's data has been flushed to the HDF5 file.
/// A `kill -9` at any moment therefore leaves either the previous journal or the new one, and the
/// journal never claims data that is not in the file.
///
/// JSON: `{"fingerprint": "…", "state": "creating|tracing|finalizing", "batches_done": k, "batches_total": n}`.
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

    public init(fingerprint: String, state: State, batchesDone: Int, batchesTotal: Int) {
        self.fingerprint = fingerprint
        self.state = state
        self.batchesDone = batchesDone
        self.batchesTotal = batchesTotal
    }

    enum CodingKeys: String, CodingKey {
        case fingerprint, state, batchesDone = "batches_done", batchesTotal = "batches_total"
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
            return try JSONDecoder().decode(TraceJournal.self, from: data)
        } catch let error as ActivationsError {
            throw error
        } catch {
            throw ActivationsError.badJournal(file: url.path, reason: error.localizedDescription)
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
                throw ActivationsError.badJournal(file: url.path, reason: "rename failed (errno \(errno))")
            }
        } catch let error as ActivationsError {
            throw error
        } catch {
            throw ActivationsError.badJournal(file: url.path, reason: error.localizedDescription)
        }
    }

    /// Deletes the journal of `output` (after the file is complete).
    public static func remove(for output: URL) throws {
        let url = Self.url(for: output)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
    }
}
