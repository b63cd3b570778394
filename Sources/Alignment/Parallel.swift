// Fan-out over GCD for the O(N²) measures that run outside BLAS.
import Foundation

/// `body(i)` for i in 0..<count on up to `workers` threads (GCD `concurrentPerform`, worker w takes
/// i = w, w + workers, …); results in index order; the first error (by index) is rethrown after all
/// iterations finish.
func parallelMap<T: Sendable>(_ count: Int, workers: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let slots = ParallelSlots<T>(count)
    let width = max(1, min(workers, count))
    DispatchQueue.concurrentPerform(iterations: width) { worker in
        for index in stride(from: worker, to: count, by: width) {
            let result = Result { try body(index) }
            slots.lock.lock()
            slots.values[index] = result
            slots.lock.unlock()
        }
    }
    return try slots.values.map { slot in
        guard let slot else { throw AlignmentError.numerical("a parallel task did not run") }
        return try slot.get()
    }
}

/// Result slots written by `parallelMap`'s workers under a lock.
private final class ParallelSlots<T: Sendable>: @unchecked Sendable {
    let lock = NSLock()
    var values: [Result<T, Error>?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
}
