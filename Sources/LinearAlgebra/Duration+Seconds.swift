// The project's one timing helper: Duration → seconds for the tracer, the analyses, the CLI and the
// benchmarks (here, the lowest module every one of them imports), and the CPU clocks beside it.
import Foundation

extension Duration {
    /// The duration in seconds (`components` is seconds + attoseconds, 10⁻¹⁸ s).
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }

    /// CPU time consumed so far by the calling thread (`CLOCK_THREAD_CPUTIME_ID`) or the whole process
    /// (`CLOCK_PROCESS_CPUTIME_ID`, every thread, BLAS included).
    public static func cpuTime(_ scope: CPUTimeScope) -> Duration {
        var t = timespec()
        clock_gettime(scope == .thread ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID, &t)
        return .seconds(Int64(t.tv_sec)) + .nanoseconds(Int64(t.tv_nsec))
    }
}

/// Whose CPU time `Duration.cpuTime(_:)` reads.
public enum CPUTimeScope: Sendable {
    case thread, process
}
