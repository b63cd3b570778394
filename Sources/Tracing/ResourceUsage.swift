// Process resource figures for the closing summary, `--stats` and the benchmarks.
#if canImport(Glibc)
import Glibc
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#elseif canImport(Darwin)
import Darwin
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// Resource usage of the running process.
public enum ResourceUsage {
    /// Peak resident set size in bytes (`getrusage(RUSAGE_SELF).ru_maxrss`, kibibytes on Linux, bytes on macOS).
    public static var peakResidentBytes: Int {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF_WHO, &usage) == 0 else { return 0 }
        #if canImport(Darwin)
        return Int(usage.ru_maxrss)
        #else
        return Int(usage.ru_maxrss) * 1024
        #endif
    }

    /// Anonymous resident memory now (`RssAnon` of `/proc/self/status`, Linux; nil elsewhere): the process's
    /// own allocations, without the memory-mapped checkpoint pages that `ru_maxrss` also counts.
    public static var residentAnonymousBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            let kib = line.dropFirst("RssAnon:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return kib.map { $0 * 1024 }
        }
        return nil
    }
}
