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

    /// Restarts this executable with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to generic kernels on a
    /// CPU that supports better ones. Does nothing when `OPENBLAS_CORETYPE` is already set (to any value:
    /// `OPENBLAS_CORETYPE=Prescott` keeps the fallback) or when the restart fails.
    public static func relaunchIfMisdetected() {
        guard getenv("OPENBLAS_CORETYPE") == nil,
              let better = betterCoreType(current: name, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returned: the restart failed; carry on with the kernels we have.
    }
}
