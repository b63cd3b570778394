// Read-only memory maps: tensors are read in place, so decoding one layer touches only its pages.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped read-only (`mmap(PROT_READ, MAP_PRIVATE)`), unmapped in `deinit`.
/// Every slice is bounds-checked and reports a typed error naming the file.
public final class MappedFile: @unchecked Sendable {
    public let url: URL
    public let count: Int
    private let base: UnsafeRawPointer?

    public init(_ url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw CheckpointError.unreadable(file: url.path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw CheckpointError.unreadable(file: url.path, reason: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError.unreadable(file: url.path, reason: "not a regular file")
        }
        count = Int(st.st_size)
        if count == 0 {
            base = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw CheckpointError.unreadable(file: url.path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The bytes `offset ..< offset + length`, or `CheckpointError.truncated` if they run past the end.
    public func bytes(at offset: Int, count length: Int) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw CheckpointError.truncated(file: url.path, needed: offset &+ length, size: count)
        }
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }

    /// Tensors at least this large give their pages back after decoding (see `release`).
    public static let releaseThreshold = 4 << 20

    /// Drops the pages wholly inside `bytes` from this process's resident set (`madvise(MADV_DONTNEED)`):
    /// the data stays in the kernel's page cache and is read back on the next access. A forward pass decodes
    /// each layer once per batch, so without this a 27 GB checkpoint's pages would accumulate in the process's
    /// RSS as the layers are visited, although only one layer is needed at a time.
    public static func release(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress, bytes.count > 0 else { return }
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let first = (UInt(bitPattern: start) + page - 1) / page * page
        let end = (UInt(bitPattern: start) + UInt(bytes.count)) / page * page
        guard end > first, let p = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(p, Int(end - first), MADV_DONTNEED)
    }

    /// All bytes of the file.
    public var all: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
