// Value statistics of stored tensors (what `inspect --tensor` prints), accumulated in Double.
import Foundation

extension Checkpoint {
    /// Descriptions of the stored tensors, sorted by name.
    public var storedTensors: [TensorInfo] {
        entries.keys.sorted().compactMap { entries[$0]?.tensors[$0] }
    }
}

/// Summary statistics of decoded tensor values, accumulated in Double.
public struct TensorStatistics: Sendable, Equatable {
    public var count: Int
    public var min: Float
    public var max: Float
    public var mean: Double
    /// Population standard deviation √(Σ(x − mean)² / n).
    public var std: Double
    /// Σ(x − mean)², kept so chunks combine exactly (Chan, Golub & LeVeque 1979).
    private var squaredDeviations: Double

    public init(_ values: UnsafeBufferPointer<Float>) {
        count = values.count
        var lo = Float.infinity, hi = -Float.infinity, sum = 0.0
        for v in values {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += Double(v)
        }
        let mean = values.isEmpty ? 0 : sum / Double(values.count)
        var squares = 0.0
        for v in values { let d = Double(v) - mean; squares += d * d }
        self.min = lo
        self.max = hi
        self.mean = mean
        self.squaredDeviations = squares
        self.std = values.isEmpty ? 0 : (squares / Double(values.count)).squareRoot()
    }

    public init(_ values: [Float]) {
        self = values.withUnsafeBufferPointer { TensorStatistics($0) }
    }

    /// The statistics of both sets of values: n = n_a + n_b, δ = mean_b − mean_a,
    /// mean = mean_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n.
    public func combined(with other: TensorStatistics) -> TensorStatistics {
        if other.count == 0 { return self }
        if count == 0 { return other }
        let n = Double(count + other.count), delta = other.mean - mean
        var out = self
        out.count = count + other.count
        out.min = Swift.min(min, other.min)
        out.max = Swift.max(max, other.max)
        out.mean = mean + delta * Double(other.count) / n
        out.squaredDeviations = squaredDeviations + other.squaredDeviations + delta * delta * Double(count) * Double(other.count) / n
        out.std = (out.squaredDeviations / n).squareRoot()
        return out
    }
}

/// Named tensors that decode to Float (a `Checkpoint` by stored names; a model's weights by canonical names).
public protocol DecodableTensors: AnyObject {
    func info(_ name: String) throws -> TensorInfo
    func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws
}

extension Checkpoint: DecodableTensors {}

extension DecodableTensors {
    /// Statistics of the decoded tensor `name`, decoding about `chunkElements` elements (whole
    /// rows) at a time so a large embedding matrix is never held as Float whole.
    public func statistics(of name: String, chunkElements: Int = 1 << 20) throws -> TensorStatistics {
        let info = try self.info(name)
        let rowsPerChunk = Swift.max(1, chunkElements / Swift.max(1, info.rowLength))
        var buffer = [Float](repeating: 0, count: Swift.min(info.rows, rowsPerChunk) * info.rowLength)
        var total = TensorStatistics([])
        var row = 0
        repeat {
            let rows = row..<Swift.min(info.rows, row + rowsPerChunk)
            let count = rows.count * info.rowLength
            try buffer.withUnsafeMutableBufferPointer { buffer in
                // A scalar has no rows to select: decode it whole.
                try decode(name, rows: info.shape.isEmpty ? nil : rows, into: buffer)
                total = total.combined(with: TensorStatistics(UnsafeBufferPointer(rebasing: buffer[0..<count])))
            }
            row = rows.upperBound
        } while row < info.rows
        return total
    }
}
