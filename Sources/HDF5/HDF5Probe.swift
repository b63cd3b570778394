// The last line of defence against corrupt HDF5 metadata: before this process lets libhdf5 read a file, a
// child process reads all of the file's metadata, so a libhdf5 crash or endless loop on it ends the child,
// not this process, and becomes one line `FILE: corrupt HDF5 metadata: …`.
import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Probes files in a separate process before `H5File.open` hands them to libhdf5.
///
/// Why: libhdf5 1.10.8 trusts much of what it reads. Structures without a checksum — the global heap that
/// holds variable-length strings (HDF5 File Format Specification III.E "Global Heap"), version-1 object
/// headers (IV.A.1.a), symbol-table nodes, local heaps and version-1 B-trees (III.A.1, III.B, III.D) of
/// files in the earliest format — are decoded as found: a flipped size or index makes it copy out of bounds
/// (SIGSEGV) or walk a chain that never ends. Such a file must end in an error line naming it, never a crash
/// or a hang, and this process may hold other files open and threads running, so the reading is tried in a
/// fresh process of the same executable first.
///
/// What the child reads is a superset of what a reader here reads: every group and dataset reachable from
/// the root (each object once), every attribute of each, every string dataset's strings, the chunk index of
/// every chunked dataset — never numeric raw data (which libhdf5 copies without interpreting). libhdf5 and
/// the file's bytes are the same in both processes, so when the child survives, the reads this process then
/// makes of those structures behave as they did there: an error (thrown, one line) or a result. The child
/// runs with its address space limited, so a size that asks for gigabytes fails there instead of being
/// allocated here.
///
/// The verdict is inferred, and says so: "libhdf5 crashed (SIGSEGV) reading its metadata". A libhdf5 bug
/// on a valid file would be reported the same way — it would have crashed this process instead.
///
/// Cost: one process start (≈ 20–40 ms) and the metadata reads, once per file, size and modification time
/// per process. Only the command-line tool installs a `command` (`interlingua probe-hdf5`); a library
/// user without one reads files directly.
public enum HDF5Probe {
    /// The child's command line without its arguments (`["/proc/self/exe", "probe-hdf5"]`), which are
    /// `--seconds N -- FILE`; nil: no probing.
    nonisolated(unsafe) public static var command: [String]?
    /// How long the child may take before it counts as stuck in a loop. A valid file's metadata takes
    /// milliseconds (Flores-200 × 204 languages: all its strings in well under a second); the margin is
    /// for a machine busy with other work.
    nonisolated(unsafe) public static var timeout: Duration = .seconds(10)
    /// Bytes of address space the child may add to what it had at start: enough for any real file's
    /// strings, far less than an absurd size read from corrupt metadata would ask for.
    public static let childAddressSpace = 4 << 30

    /// Exit status of a child that finished the reads (whatever libhdf5 answered).
    public static let finished: Int32 = 0
    /// Exit status of a child in which libhdf5 could not allocate what the metadata asked for.
    public static let outOfMemory: Int32 = 3
    /// Exit status of a child that found a global heap collection libhdf5 would loop on or read past
    /// (`GlobalHeapCheck`); the child prints the problem on its standard output.
    public static let corruptGlobalHeap: Int32 = 4

    private static let lock = NSLock()
    nonisolated(unsafe) private static var probed: Set<FileIdentity> = []

    /// A file's identity for the cache: the same path, inode, size and modification time were probed.
    private struct FileIdentity: Hashable {
        let path: String
        let inode: UInt64
        let size: Int64
        let modified: Int
        let modifiedNanoseconds: Int
    }

    // MARK: - Parent side

    /// Probes `url` in a child process (when a `command` is installed and this file was not probed
    /// already); throws `HDF5Error.corruptMetadata` when libhdf5 crashed, looped or ran out of memory there.
    static func check(_ url: URL) throws {
        guard let command, !command.isEmpty else { return }
        var status = stat()
        guard stat(url.path, &status) == 0 else { return }
        let identity = FileIdentity(path: url.path, inode: UInt64(status.st_ino), size: Int64(status.st_size),
                                    modified: status.st_mtim.tv_sec, modifiedNanoseconds: status.st_mtim.tv_nsec)
        if lock.withLock({ probed.contains(identity) }) { return }
        let seconds = max(1, Int(timeout.components.seconds))
        let (outcome, output) = run(command + ["--seconds", "\(seconds)", "--", url.path])
        switch outcome {
        case .exited(corruptGlobalHeap):
            throw HDF5Error.corruptMetadata(file: url.path, reason: output.isEmpty ? "a global heap collection is damaged" : output)
        case .unavailable, .exited(finished):
            // A child that could not start, or exited in a way of its own (not a libhdf5 verdict), proves
            // nothing either way; the file is read as without a probe.
            lock.withLock { _ = probed.insert(identity) }
        case .exited(outOfMemory):
            throw HDF5Error.corruptMetadata(file: url.path, reason: "reading its metadata would need more than \(childAddressSpace >> 30) GiB of memory (libhdf5 ran out of memory in a probe process)")
        case .exited:
            lock.withLock { _ = probed.insert(identity) }
        case .signaled(let signal):
            throw HDF5Error.corruptMetadata(file: url.path, reason: "libhdf5 crashed (\(signalName(signal))) reading it in a probe process")
        case .timedOut:
            throw HDF5Error.corruptMetadata(file: url.path, reason: "libhdf5 did not finish reading it within \(Int(timeout.components.seconds)) s in a probe process (a loop in its metadata)")
        }
    }

    private enum Outcome: Equatable {
        case unavailable
        case exited(Int32)
        case signaled(Int32)
        case timedOut
    }

    /// Spawns `arguments` with stdin and stderr on /dev/null and stdout on a pipe (`posix_spawn`: safe with
    /// other threads running, unlike a bare `fork`) and waits at most `timeout`; a child still running then
    /// is killed. Returns the outcome and the child's first output line.
    private static func run(_ arguments: [String]) -> (Outcome, String) {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return (.unavailable, "") }
        defer { close(pipeEnds[0]) }
        var actions = posix_spawn_file_actions_t()
        guard posix_spawn_file_actions_init(&actions) == 0 else { close(pipeEnds[1]); return (.unavailable, "") }
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        close(pipeEnds[1])
        guard spawned == 0 else { return (.unavailable, "") }

        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pause: UInt32 = 500
        var status: Int32 = 0
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { return (.unavailable, "") }
            if clock.now >= deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return (.timedOut, "")
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        // The child has exited: its output (one short line) is in the pipe, which is at EOF after it.
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while output.count < 4096 {
            let count = read(pipeEnds[0], &chunk, chunk.count)
            if count <= 0 { break }
            output += chunk[0..<count]
        }
        let line = String(decoding: output, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        // <sys/wait.h>: low 7 bits 0 = exited (status in bits 8…15); otherwise the terminating signal.
        let low = status & 0x7f
        if low == 0 { return (.exited((status >> 8) & 0xff), line) }
        if low != 0x7f { return (.signaled(low), line) }
        return (.unavailable, line)
    }

    private static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL",
                                      SIGFPE: "SIGFPE", SIGTRAP: "SIGTRAP", SIGKILL: "SIGKILL"]
        return names[signal] ?? "signal \(signal)"
    }

    // MARK: - Child side

    /// The child's work (`interlingua probe-hdf5 FILE`): limits the address space and the core size, reads
    /// every metadata structure of `url`, and returns the exit status for the parent (`finished` or
    /// `outOfMemory`). libhdf5 errors are expected on a damaged file and do not change the status; the
    /// parent meets them again as thrown errors.
    /// `seconds` is the parent's timeout: the child ends itself (SIGALRM) a second after it, so a child
    /// whose parent died (killed by a test's own timeout) does not loop on.
    public static func childMain(_ url: URL, seconds: Int) -> Int32 {
        alarm(UInt32(clamping: seconds + 1))
        // First the global heap, which libhdf5 would walk unchecked when it reads a variable-length string.
        if let problem = globalHeapProblem(url) {
            print(problem)
            return corruptGlobalHeap
        }
        limitResources()
        var sawAllocationFailure = false
        let note: (Error) -> Void = { error in
            if case .library(_, _, _, let stack) = error as? HDF5Error,
               stack.contains("allocation failed") || stack.contains("Resource unavailable") {
                sawAllocationFailure = true
            }
        }
        do {
            let file = try H5File.open(url, fileLocking: false)
            var visited: Set<UInt64> = []
            readEverything(in: file.root, depth: 0, visited: &visited, note: note)
        } catch {
            note(error)
        }
        return sawAllocationFailure ? outOfMemory : finished
    }

    /// Opens the file, lists the contiguous raw data and the object header address of every object
    /// (object headers only: no attribute or string is read yet) and checks the global heap collections in
    /// the bytes outside the raw data, and the variable-length attribute values that refer to them.
    private static func globalHeapProblem(_ url: URL) -> String? {
        guard let file = try? H5File.open(url, fileLocking: false) else { return nil }
        var ranges: [Range<Int>] = []
        var visited: Set<UInt64> = []
        var headers: [UInt64] = []
        if let (_, root) = objectKind(".", in: file.root, note: { _ in }) { headers.append(root) }
        func walk(_ group: H5Group, depth: Int) {
            guard depth < 64, let names = try? group.memberNames() else { return }
            for name in names {
                guard let (kind, address) = objectKind(name, in: group, note: { _ in }),
                      visited.insert(address).inserted else { continue }
                headers.append(address)
                if kind == H5O_TYPE_GROUP, let child = try? group.group(name) {
                    walk(child, depth: depth + 1)
                } else if kind == H5O_TYPE_DATASET, let dataset = try? group.dataset(name),
                          let storage = dataset.contiguousStorage {
                    ranges.append(storage)
                }
            }
        }
        walk(file.root, depth: 0)
        return GlobalHeapCheck.firstProblem(in: url, rawData: ranges, objectHeaders: headers)
    }

    private static func limitResources() {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        // /proc/self/statm: the first field is the address space size in pages.
        if let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
           let pages = text.split(separator: " ").first.flatMap({ Int($0) }) {
            let limit = rlim_t(pages * Int(sysconf(Int32(_SC_PAGESIZE))) + childAddressSpace)
            var space = rlimit(rlim_cur: limit, rlim_max: limit)
            _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &space)
        }
    }

    /// Depth-first over the group's members, each object once (by address: hard links may form a cycle).
    private static func readEverything(in group: H5Group, depth: Int, visited: inout Set<UInt64>,
                                       note: (Error) -> Void) {
        readAttributes(of: group, note: note)
        guard depth < 64 else { return }
        let names: [String]
        do { names = try group.memberNames() } catch { note(error); return }
        for name in names {
            guard let (kind, address) = objectKind(name, in: group, note: note),
                  visited.insert(address).inserted else { continue }
            do {
                switch kind {
                case H5O_TYPE_GROUP:
                    readEverything(in: try group.group(name), depth: depth + 1, visited: &visited, note: note)
                case H5O_TYPE_DATASET:
                    try readDatasetMetadata(try group.dataset(name), note: note)
                default:
                    break
                }
            } catch {
                note(error)
            }
        }
    }

    /// The member's object type and address (`H5Oget_info_by_name2`, basic fields), nil when unreadable.
    private static func objectKind(_ name: String, in group: H5Group, note: (Error) -> Void) -> (H5O_type_t, UInt64)? {
        let site = group.site(for: name)
        return HDF5Library.locked {
            var info = H5O_info_t()
            do {
                try site.check(H5Oget_info_by_name2(group.id, name, &info, UInt32(H5O_INFO_BASIC), ih5_p_default()),
                               "H5Oget_info_by_name2")
            } catch {
                note(error)
                return nil
            }
            return (info.type, UInt64(info.addr))
        }
    }

    private static func readAttributes(of owner: some H5AttributeOwner, note: (Error) -> Void) {
        do {
            for name in try owner.attributeNames() {
                do { _ = try owner.attribute(name) } catch { note(error) }
            }
        } catch {
            note(error)
        }
    }

    /// A dataset's attributes, shape, type and creation properties; its strings; its chunk index.
    private static func readDatasetMetadata(_ dataset: H5Dataset, note: (Error) -> Void) throws {
        readAttributes(of: dataset, note: note)
        _ = try HDF5Library.locked { try dataset.extent() }
        let typeClass = try HDF5Library.locked { try dataset.storedTypeClass() }
        if typeClass == H5T_STRING {
            do { _ = try dataset.readStrings() } catch { note(error) }
        }
        if dataset.chunkShape != nil {
            let site = dataset.site
            try HDF5Library.locked {
                var chunks: hsize_t = 0
                // Counting the chunks walks the whole chunk index (B-tree, fixed or extensible array).
                try site.check(H5Dget_num_chunks(dataset.id, ih5_s_all(), &chunks), "H5Dget_num_chunks")
            }
        }
    }
}
