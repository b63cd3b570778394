// The thin layer over libhdf5: one lock for every call, and failure codes turned into thrown errors that
// carry the library's error stack.
import CHDF5
import Foundation

/// Serializes every libhdf5 call. A libhdf5 built without `--enable-threadsafe` keeps global state (the
/// identifier tables, the error stack, the metadata caches) with no locking of its own, so two threads
/// inside it at once corrupt it; "serial" in Debian's package name only means "not MPI", and whether it
/// is thread-safe differs between releases. One lock makes this module correct either way, and keeps
/// multi-call sequences (select a hyperslab, then read) atomic. The lock is recursive so that an operation
/// may be built from other locked operations (`append` = `resize` + `write`).
enum HDF5Library {
    private static let lock = NSRecursiveLock()
    /// How deeply the current lock holder has nested `locked`; only touched with the lock held.
    nonisolated(unsafe) private static var depth = 0

    /// Asks libhdf5 not to close what is still open at process exit (`H5dont_atexit`, before any other
    /// call). When a write fails with ENOSPC, closing the file fails too and leaves it half-closed in the
    /// library's tables; its own exit handler (`H5_term_library` → `H5F__close_cb`) then dereferences it and
    /// the process dies of SIGSEGV after printing its one-line error. Every file this module opens is
    /// closed by its owner's `deinit` (flushes included), so nothing is left for that handler to do.
    private static let noCleanupAtExit: Void = { _ = H5dont_atexit() }()

    /// Runs `body` holding the library lock.
    static func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        _ = noCleanupAtExit
        defer {
            depth -= 1
            lock.unlock()
        }
        if depth == 0 {
            // The library prints its error stack to stderr on every failure unless told not to; failures
            // are thrown as errors instead (see `takeErrorStack`). A thread-safe build keeps this setting
            // per thread, so it is made on whichever thread enters.
            _ = H5Eset_auto2(ih5_e_default(), nil, nil)
        }
        depth += 1
        return try body()
    }

    /// The current thread's error stack as one line, outermost call first, and clears it. Each entry reads
    /// `function(): description (minor message)`, e.g. `H5Fopen(): unable to open file (file signature not
    /// found)`. Call with the lock held, right after the failing call.
    static func takeErrorStack() -> String {
        final class Entries { var lines: [String] = [] }
        let entries = Entries()
        withExtendedLifetime(entries) {
            _ = H5Ewalk2(ih5_e_default(), H5E_WALK_DOWNWARD, { _, entry, clientData in
                guard let entry, let clientData else { return 0 }
                let entries = Unmanaged<Entries>.fromOpaque(clientData).takeUnretainedValue()
                let function = entry.pointee.func_name.map { String(cString: $0) } ?? "?"
                let description = entry.pointee.desc.map { String(cString: $0) } ?? ""
                var minor = [CChar](repeating: 0, count: 256)
                var line = "\(function)(): \(description)"
                if H5Eget_msg(entry.pointee.min_num, nil, &minor, minor.count) > 0 {
                    line += " (\(_string(nulTerminated: minor)))"
                }
                entries.lines.append(line)
                return 0
            }, Unmanaged.passUnretained(entries).toOpaque())
        }
        _ = H5Eclear2(ih5_e_default())
        return entries.lines.joined(separator: "; ")
    }
}

/// Where an operation happens, for error messages: the file and the object path inside it.
struct H5Site: Sendable {
    let file: String
    let path: String

    /// Returns `result` when it is non-negative (a valid identifier, a success code, a true/false answer);
    /// otherwise throws `HDF5Error.library` with the error stack. libhdf5 signals every failure with a
    /// negative `hid_t`, `herr_t`, `htri_t` or `ssize_t`. Call with the lock held.
    @discardableResult
    func check<R: BinaryInteger>(_ result: R, _ operation: String) throws -> R {
        if result < 0 { throw failure(operation) }
        return result
    }

    /// The error for a failed `operation`, with the error stack. Take it before any other libhdf5 call:
    /// every API function clears the stack when it starts.
    func failure(_ operation: String) -> HDF5Error {
        .library(file: file, path: path, operation: operation, stack: HDF5Library.takeErrorStack())
    }

    func shapeMismatch(_ detail: String) -> HDF5Error { .shapeMismatch(file: file, path: path, detail: detail) }
    func invalid(_ detail: String) -> HDF5Error { .invalidArgument(file: file, path: path, detail: detail) }
}

// MARK: - Paths and sizes

/// The text of a NUL-terminated C string held in an array, decoded as UTF-8.
func _string(nulTerminated characters: [CChar]) -> String {
    String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Joins an HDF5 path to the absolute path of the group it is relative to: `"/a" + "b/c"` is `"/a/b/c"`,
/// and a path starting with `/` is already absolute.
func _absolutePath(_ path: String, in base: String) -> String {
    if path.hasPrefix("/") { return path }
    return base == "/" ? "/" + path : base + "/" + path
}

/// The product of `extents`, or nil when it overflows `Int`.
func _elementCount(_ extents: [Int]) -> Int? {
    var product = 1
    for extent in extents {
        let (next, overflow) = product.multipliedReportingOverflow(by: extent)
        if overflow { return nil }
        product = next
    }
    return product
}

/// Refuses a read of `count` elements of `size` bytes that could not fit in memory: extents come from the
/// file and a damaged or hostile file can claim any size.
func _checkReadable(count: Int, elementSize: Int, site: H5Site) throws {
    let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
    if overflow || UInt64(bytes) > ProcessInfo.processInfo.physicalMemory {
        throw HDF5Error.tooLarge(file: site.file, path: site.path,
                                 bytes: overflow ? "\(count) × \(elementSize)" : "\(bytes)")
    }
}
