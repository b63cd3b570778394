// Weights decoded to Float once and kept, for decoding loops that run every layer once per new token.
import Checkpoints
import Foundation
import Models

/// A `WeightSource` that decodes each tensor of `base` to Float the first time it is asked for and serves
/// later requests from memory, up to `budgetBytes` (tensors beyond it are decoded from `base` each time).
///
/// The tracer decodes a layer once per packed batch of thousands of tokens; generation runs every layer
/// once per step for a handful of tokens, so re-decoding quantized blocks would dominate a step (SmolLM2
/// Q4_1: 134 M weights per step). Copying kept Float weights every step would still double a step's memory
/// traffic, so `model(_:budgetBytes:)` lets the model keep its block projections itself (used in place,
/// `DecoderModel.keepsDecodedWeights`) and this source keeps the rest: the output head, read in place
/// through `decodedFloats`, the embedding rows and anything a model without its own cache asks for.
public final class DecodedWeights: WeightSource {
    let base: any WeightSource
    private var budgetBytes: Int
    /// Per-layer tensors (`model.layers.…`) go straight to `base`: the model keeps them itself.
    private var layersPassThrough = false
    private var tensors: [String: UnsafeMutableBufferPointer<Float>] = [:]
    private var heldBytes = 0
    private let lock = NSLock()

    public init(_ base: any WeightSource, budgetBytes: Int) {
        self.base = base
        self.budgetBytes = budgetBytes
    }

    deinit {
        for buffer in tensors.values { buffer.deallocate() }
    }

    /// The model of `resolved` for generation within `budgetBytes` of Float weights: when every layer's
    /// block projections fit (`DecoderModel.decodedWeightBytes`), the model keeps them decoded and reads
    /// them in place, and the returned source keeps what remains of the budget for the other tensors;
    /// otherwise the source keeps what fits, as before.
    public static func model(_ resolved: ModelCheckpoint, budgetBytes: Int) throws -> (model: any DecoderModel, weights: DecodedWeights) {
        let weights = DecodedWeights(resolved, budgetBytes: budgetBytes)
        let model = try ModelLoader.load(config: resolved.config, weights: weights)
        let blocks = model.decodedWeightBytes
        if blocks > 0, blocks <= budgetBytes {
            model.keepsDecodedWeights = true
            weights.lock.withLock {
                weights.budgetBytes = budgetBytes - blocks
                weights.layersPassThrough = true
            }
        }
        return (model, weights)
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
                  let destination = output.baseAddress, let source = stored.baseAddress else {
                try base.decode(name, rows: rows, into: output)
                return
            }
            destination.update(from: source + range.lowerBound, count: range.count)
            return
        }
        try base.decode(name, rows: rows, into: output)
    }

    /// The kept Float copy of `name`, decoded on first use; nil when it does not fit the budget (or is a
    /// per-layer tensor the model keeps itself). Valid as long as this source lives.
    public func decodedFloats(_ name: String) throws -> UnsafeBufferPointer<Float>? {
        try stored(name).map { UnsafeBufferPointer($0) }
    }

    private func stored(_ name: String) throws -> UnsafeMutableBufferPointer<Float>? {
        let (kept, passThrough) = lock.withLock { (tensors[name], layersPassThrough) }
        if let kept { return kept }
        if passThrough && name.hasPrefix("model.layers.") { return nil }
        let info = try base.info(name)
        let count = info.shape.reduce(1, *)
        guard count > 0, lock.withLock({ heldBytes + count * 4 <= budgetBytes }) else { return nil }
        let values = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        do {
            try base.decode(name, rows: nil, into: values)
        } catch {
            values.deallocate()
            throw error
        }
        return lock.withLock {
            // Another thread may have decoded the same tensor meanwhile: keep one copy.
            if let other = tensors[name] {
                values.deallocate()
                return other
            }
            tensors[name] = values
            heldBytes += count * 4
            return values
        }
    }
}
