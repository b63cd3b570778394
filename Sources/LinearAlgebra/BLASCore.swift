// Which OpenBLAS kernels run, and a fix for CPUs that OpenBLAS does not recognize.
import CLinearAlgebra
import Foundation

/// OpenBLAS's kernel selection.
///
/// Debian's OpenBLAS (0.3.21, `DYNAMIC_ARCH`) picks kernels from the CPU's family/model id. On virtual CPUs
/// whose id it does not know (e.g. a QEMU "Intel Xeon Processor" with AVX-512) it falls back to the SSE3
/// `Prescott` kernels, which run sgemm 4–5× slower than the AVX-512 `SkylakeX` kernels the same CPU supports
/// (measured here: 68 vs 310 GFLOP/s on 2 cores). OpenBLAS reads `OPENBLAS_CORETYPE` once, when the library
/// loads, so the only remedy inside a process is to start it again with that variable set.
public enum BLASCore {
    /// The kernel family OpenBLAS chose (`openblas_get_corename`), e.g. "Haswell", "SkylakeX", "Prescott".
    public static var name: String { String(cString: openblas_get_corename()) }

    /// The core type to request instead of `current`, or nil when OpenBLAS's choice should stand: only the
    /// generic fallback `Prescott` is replaced, and only by a family whose instructions `cpuFlags`
    /// (the `flags` line of /proc/cpuinfo) all list.
    /// `cpuFlags` is evaluated only for `Prescott`, so callers may pass a file read.
    public static func betterCoreType(current: String, cpuFlags readFlags: @autoclosure () -> Set<Substring>) -> String? {
        guard current.lowercased() == "prescott" else { return nil }
        let cpuFlags = readFlags()
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx2", "fma"].allSatisfy(cpuFlags.contains) {
            return "SkylakeX"
        }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// The CPU flags of /proc/cpuinfo (empty where it cannot be read).
    public static func cpuFlags() -> Set<Substring> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " "))
    }

    /// `OPENBLAS_THREAD_TIMEOUT` as this process wants it: OpenBLAS's idle worker threads spin (calling
    /// `sched_yield`) for 2^timeout cycles after every product before they sleep, by default 2^28 ≈ 0.1 s.
    /// Between two products this process runs its own elementwise and O(N²) work on the same cores (GCD
    /// workers), and a spinning BLAS thread takes a core from them: measured on a 2-core AMD EPYC (VM),
    /// `interlingua-bench --only trace` ran at 69–74 % of the sgemm peak with the default and at 75–78 % with
    /// the minimum 4 (2^4 cycles: sleep at once; waking a sleeping worker costs microseconds, a product
    /// milliseconds), and `--only align` spent 10–40 % less time in the stages around BLAS.
    public static let threadTimeout = "4"

    /// The variables to set before OpenBLAS loads, given the current ones (`environment`), the kernels
    /// OpenBLAS chose and the CPU's flags: `OPENBLAS_CORETYPE` when `betterCoreType` has a better family and
    /// the variable is unset, `OPENBLAS_THREAD_TIMEOUT` (`threadTimeout`) when unset. A variable the user
    /// set, to any value, is never replaced. Empty: nothing to change.
    public static func environmentChanges(_ environment: [String: String], current: String,
                                          cpuFlags readFlags: @autoclosure () -> Set<Substring>) -> [String: String] {
        var changes: [String: String] = [:]
        if environment["OPENBLAS_CORETYPE"] == nil, let better = betterCoreType(current: current, cpuFlags: readFlags()) {
            changes["OPENBLAS_CORETYPE"] = better
        }
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil { changes["OPENBLAS_THREAD_TIMEOUT"] = threadTimeout }
        return changes
    }

    /// Restarts this executable once with the variables of `environmentChanges` set (OpenBLAS reads them
    /// once, when the library loads, so the only remedy inside a process is to start it again): better
    /// kernels when OpenBLAS fell back to generic ones on a CPU that supports better, and short-spinning
    /// worker threads. The restarted process finds both set and carries on; so does this one if the
    /// restart fails.
    public static func relaunchIfNeeded() {
        let changes = environmentChanges(ProcessInfo.processInfo.environment, current: name, cpuFlags: cpuFlags())
        guard !changes.isEmpty else { return }
        for (key, value) in changes { setenv(key, value, 1) }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returned: the restart failed; carry on with the kernels and threads we have.
    }
}
