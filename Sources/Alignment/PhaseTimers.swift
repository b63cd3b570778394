// Where an analysis spends its time: wall and CPU seconds per named phase (the benchmark's table), read
// with the project's one timing helper (`Duration.seconds`, `Duration.cpuTime`, LinearAlgebra).
import LinearAlgebra

/// CPU seconds of the calling thread attributed to named phases (for work done inside `parallelMap`).
struct ThreadTimer {
    private var last = Duration.cpuTime(.thread)
    private(set) var totals: [String: Double] = [:]

    mutating func lap(_ name: String) {
        let t = Duration.cpuTime(.thread)
        totals[name, default: 0] += (t - last).seconds
        last = t
    }
}

/// Wall-clock and process CPU seconds attributed to named phases.
struct Stopwatch {
    private let clock = ContinuousClock()
    private var last: ContinuousClock.Instant
    private var lastCPU = Duration.cpuTime(.process)
    private(set) var totals: [String: Double] = [:]
    private(set) var cpuTotals: [String: Double] = [:]

    init() { last = clock.now }

    mutating func lap(_ name: String) {
        let now = clock.now, cpu = Duration.cpuTime(.process)
        totals[name, default: 0] += (now - last).seconds
        cpuTotals[name, default: 0] += (cpu - lastCPU).seconds
        last = now
        lastCPU = cpu
    }

    /// Splits the wall and process CPU time since the last lap over phases in proportion to the
    /// thread CPU seconds the parallel workers reported for them.
    mutating func distribute(_ workers: [[String: Double]]) {
        var shares: [String: Double] = [:]
        for worker in workers { for (name, seconds) in worker { shares[name, default: 0] += seconds } }
        let total = shares.values.reduce(0, +)
        let now = clock.now, cpu = Duration.cpuTime(.process)
        let wall = (now - last).seconds, spent = (cpu - lastCPU).seconds
        if total > 0 {
            for (name, seconds) in shares {
                totals[name, default: 0] += wall * seconds / total
                cpuTotals[name, default: 0] += spent * seconds / total
            }
        }
        last = now
        lastCPU = cpu
    }
}
