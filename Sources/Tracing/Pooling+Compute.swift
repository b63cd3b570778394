// Pooling a sentence's token states into one vector.
import Activations
import CKernels

extension Pooling {
    /// Pools rows `rows` of the row-major `states` ([*, d]) into `output` (d values).
    ///
    /// - mean: (1/T) Σₜ hₜ
    /// - last: h_T
    /// - weighted: Σₜ t·hₜ / Σₜ t with t = 1…T over the pooled rows (later tokens have seen more context)
    ///
    /// Sums accumulate in Double (`scratch`, d values) and round once to Float, so the pooled vector is the
    /// correctly rounded pooling of the Float states whatever T is (CKernels' `ck_pool_rows`, vectorized for
    /// the CPU's x86-64 level).
    public func pool(_ states: UnsafeBufferPointer<Float>, rows: Range<Int>, dimension d: Int,
                     into output: UnsafeMutableBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Double>) {
        guard let first = rows.first, let lastRow = rows.last else { return }
        switch self {
        case .last:
            for j in 0..<d { output[j] = states[lastRow * d + j] }
        case .mean, .weighted:
            guard let base = states.baseAddress, let acc = scratch.baseAddress, let out = output.baseAddress else { return }
            ck_pool_rows(base, first, rows.count, d, self == .weighted ? 1 : 0, acc, out)
        }
    }

    /// Pools rows `rows` of `states` ([T, d] row-major with `dimension` columns) into a new vector.
    public func pool(_ states: [Float], rows: Range<Int>, dimension d: Int) -> [Float] {
        var out = [Float](repeating: 0, count: d)
        var scratch = [Double](repeating: 0, count: d)
        states.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                scratch.withUnsafeMutableBufferPointer { pool(s, rows: rows, dimension: d, into: o, scratch: $0) }
            }
        }
        return out
    }
}
