// Row-parallel elementwise work (norms, RoPE, activations, residual adds, attention, pooling) on the same
// thread count as BLAS.
import Dispatch
import LinearAlgebra

/// Splits `rows` independent rows into contiguous chunks and runs them on up to `BLASThreads.count`
/// threads (GCD `concurrentPerform`; `--threads` sets both). Every row is computed by the same serial code
/// whichever chunk it falls in, so the results are bit-identical to a serial loop for any thread count.
public enum RowParallel {
    /// Below this many elements of work in all a step runs on the calling thread: waking a worker costs
    /// a few microseconds, more than a small loop takes. (Tests lower it to split tiny models too.)
    public nonisolated(unsafe) static var minimumWork = 1 << 14

    /// Overrides the thread count of the row-parallel steps only (tests: 1 vs 2 threads with BLAS unchanged,
    /// since OpenBLAS's own sgemm need not give the same bits on 1 and 2 threads).
    public nonisolated(unsafe) static var threadOverride: Int? = nil

    /// The threads a parallel step uses: OpenBLAS's count (a cheap read of its global).
    public static var threads: Int { max(1, threadOverride ?? BLASThreads.count) }

    /// `body(range)` over chunks covering `0..<rows`, `work` elements per row (what decides whether the
    /// step is worth splitting). `body` must only write what its rows own.
    public static func forEach(rows: Int, work: Int, _ body: (Range<Int>) -> Void) {
        guard rows > 0 else { return }
        let threads = Self.threads
        guard threads > 1, rows > 1, rows.multipliedReportingOverflow(by: max(work, 1)).partialValue >= minimumWork else {
            body(0..<rows)
            return
        }
        let chunks = min(threads, rows)
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lower = rows * c / chunks, upper = rows * (c + 1) / chunks
                if lower < upper { task.value(lower..<upper) }
            }
        }
    }

    /// `forEach` whose body also gets its chunk's index (< `threads`): the worker slot of per-thread state.
    public static func forEachChunk(rows: Int, work: Int, _ body: (Range<Int>, Int) -> Void) {
        guard rows > 0 else { return }
        let threads = Self.threads
        guard threads > 1, rows > 1, rows.multipliedReportingOverflow(by: max(work, 1)).partialValue >= minimumWork else {
            body(0..<rows, 0)
            return
        }
        let chunks = min(threads, rows)
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lower = rows * c / chunks, upper = rows * (c + 1) / chunks
                if lower < upper { task.value(lower..<upper, c) }
            }
        }
    }

    /// `body(item, worker)` for every item in `0..<count`, worker w (0 ..< `workers`) taking items w,
    /// w + workers, … (uneven items such as sentences of different lengths balance better interleaved);
    /// `worker` indexes per-thread scratch. Serial (worker 0) when `parallel` is false or one thread.
    /// `workers` overrides the thread count (a caller that changes OpenBLAS's count, which `threads` reads).
    public static func forEachItem(_ count: Int, parallel: Bool = true, workers requested: Int? = nil,
                                   _ body: (Int, Int) -> Void) {
        guard count > 0 else { return }
        let workers = parallel ? min(requested ?? threads, count) : 1
        guard workers > 1 else {
            for i in 0..<count { body(i, 0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in stride(from: w, to: count, by: workers) { task.value(i, w) }
            }
        }
    }
}
