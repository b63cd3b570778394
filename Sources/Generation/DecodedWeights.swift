// Weights decoded to Float once and kept, for decoding loops that run every layer once per new token.
import Checkpoints
import Foundation
import Models

/// A `WeightSource` that decodes each tensor of `base` to Float the first time it is asked for and serves
/// later requests from memory, up to `budgetBytes` (tensors beyond it are decoded from `base` each time).
///
/// The tracer decodes a layer once per packed batch of thousands of tokens; generation runs every layer
/// once per step for a handful of tokens, so re-decoding quantized blocks would dominate a step (SmolLM2
/// Q4_1: 134 M weights per step). Kept in Float, a step copies them instead (a memory-bandwidth cost).
public final class DecodedWeights: WeightSource {
    let base: any WeightSource
    let budgetBytes: Int
    private var tensors: [String: [Float]] = [:]
    private var heldBytes = 0
    private let lock = NSLock()

    public init(_ base: any WeightSource, budgetBytes: Int) {
        self.base = base
        self.budgetBytes = budgetBytes
    }

    public var sourcePath: String { base.sourcePath }

    public func info(_ name: String) throws -> TensorInfo { try base.info(name) }

    /// Bytes of Float weights held.
    public var bytes: Int { lock.withLock { heldBytes } }

    public func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws {
        if let stored = try stored(name) {
            let info = try base.info(name)
            let rowLength = info.shape.count > 1 ? info.shape.dropFirst().reduce(1, *) : stored.count
            let range = rows.map { ($0.lowerBound * rowLength)..<($0.upperBound * rowLength) } ?? 0..<stored.count
            guard range.lowerBound >= 0, range.upperBound <= stored.count, range.count == output.count,
                  let destination = output.baseAddress else {
                try base.decode(name, rows: rows, into: output)
                return
            }
            stored.withUnsafeBufferPointer { src in
                if let s = src.baseAddress { destination.update(from: s + range.lowerBound, count: range.count) }
            }
            return
        }
        try base.decode(name, rows: rows, into: output)
    }

    private func stored(_ name: String) throws -> [Float]? {
        if let t = lock.withLock({ tensors[name] }) { return t }
        let info = try base.info(name)
        let count = info.shape.reduce(1, *)
        guard count > 0, lock.withLock({ heldBytes + count * 4 <= budgetBytes }) else { return nil }
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBufferPointer { try base.decode(name, rows: nil, into: $0) }
        lock.withLock {
            tensors[name] = values
            heldBytes += count * 4
        }
        return values
    }
}
