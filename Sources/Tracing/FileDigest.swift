// SHA-256 digests of input files, cached by path, size and modification time so a 27 GB checkpoint is read
// once, not on every trace.
import Foundation

/// A cache of file digests in one JSON file (`{"<absolute path>": {"size", "mtime", "sha256"}}`). An entry
/// counts only while the file keeps its size and modification time; a changed file is hashed again.
/// Concurrent traces may lose each other's updates (each rewrites the file atomically): that only costs a
/// recomputation.
public struct FileDigestCache: Sendable {
    /// The cache file (created on first use).
    public let url: URL?

    struct Entry: Codable {
        var size: Int
        var mtime: Double
        var sha256: String
    }

    /// `url` nil: no caching.
    public init(url: URL?) {
        self.url = url
    }

    /// The SHA-256 of `file` (hex), from the cache when its size and modification time match.
    /// `progress` is told before a file is read in full.
    public func sha256(of file: URL, progress: ((URL, Int) -> Void)? = nil) throws -> String {
        let path = file.standardizedFileURL.resolvingSymlinksInPath().path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        var entries = load()
        if let entry = entries[path], entry.size == size, entry.mtime == mtime { return entry.sha256 }
        progress?(file, size)
        let digest = try SHA256.of(file: URL(fileURLWithPath: path))
        entries[path] = Entry(size: size, mtime: mtime, sha256: digest)
        save(entries)
        return digest
    }

    /// The digest of several files as one: SHA-256 of the `sha256sum`-style lines `<sha256>  <name>\n`,
    /// in the order given (a model folder's files, a Flores split's files).
    public func sha256(ofFiles files: [(name: String, url: URL)], progress: ((URL, Int) -> Void)? = nil) throws -> String {
        var listing = ""
        for file in files { listing += "\(try sha256(of: file.url, progress: progress))  \(file.name)\n" }
        var hash = SHA256()
        hash.update(Data(listing.utf8))
        return hash.hexDigest()
    }

    private func load() -> [String: Entry] {
        guard let url, let data = try? Data(contentsOf: url),
              let entries = try? JSONDecoder().decode([String: Entry].self, from: data) else { return [:] }
        return entries
    }

    private func save(_ entries: [String: Entry]) {
        guard let url else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(entries) else { return }
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // A cache that cannot be written only means hashing again next time.
        try? data.write(to: url, options: .atomic)
    }
}
