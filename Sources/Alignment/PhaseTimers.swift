// Where an analysis spends its time: wall and CPU seconds per named phase (the benchmark's table).
import Foundation

/// CPU seconds of the calling thread attributed to named phases (for work done inside `parallelMap`).
struct ThreadTimer {
    private var last = ThreadTimer.now()
    private(set) var totals: [String: Double] = [:]

    mutating func lap(_ name: String) {
        let t = ThreadTimer.now()
        totals[name, default: 0] += t - last
        last = t
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

/// Wall-clock and process CPU seconds attributed to named phases.
struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds
    private var lastCPU = Stopwatch.processCPU()
    private(set) var totals: [String: Double] = [:]
    private(set) var cpuTotals: [String: Double] = [:]

    mutating func lap(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds, cpu = Stopwatch.processCPU()
        totals[name, default: 0] += Double(now - last) / 1e9
        cpuTotals[name, default: 0] += cpu - lastCPU
        last = now
        lastCPU = cpu
    }

    /// Splits the wall and process CPU time since the last lap over phases in proportion to the
    /// thread CPU seconds the parallel workers reported for them.
    mutating func distribute(_ workers: [[String: Double]]) {
        var shares: [String: Double] = [:]
        for worker in workers { for (name, seconds) in worker { shares[name, default: 0] += seconds } }
        let total = shares.values.reduce(0, +)
        let now = DispatchTime.now().uptimeNanoseconds, cpu = Stopwatch.processCPU()
        let wall = Double(now - last) / 1e9, spent = cpu - lastCPU
        if total > 0 {
            for (name, seconds) in shares {
                totals[name, default: 0] += wall * seconds / total
                cpuTotals[name, default: 0] += spent * seconds / total
            }
        }
        last = now
        lastCPU = cpu
    }

    static func processCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
