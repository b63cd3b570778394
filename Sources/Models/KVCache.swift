// The key/value cache of incremental decoding: every layer's keys (after RoPE) and values of the positions
// a sequence has already run, so a decoding step runs only its new tokens.
import Checkpoints
import Foundation

/// Keys and values per layer and slot, [layers][slots][capacity][kvDim] in Float32, allocated once.
/// A slot holds one sequence; `lengths[slot]` positions of it are cached. A forward pass over a batch
/// with a `KVCacheContext` appends its tokens' keys and values at every layer (at `lengths[slot]…`) and
/// attends over everything cached; the caller then `advance`s the slots, once per forward pass.
public final class KVCache: @unchecked Sendable {
    public let layers: Int
    public let slots: Int
    public let capacity: Int
    public let kvDim: Int
    public private(set) var lengths: [Int]
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>

    /// A cache for `slots` sequences of up to `capacity` positions each.
    public init(config: ModelConfig, slots: Int, capacity: Int) throws {
        let kvDim = config.nKVHeads * config.headDim
        let (count, overflow) = config.nLayers.multipliedReportingOverflow(by: slots * capacity * kvDim)
        guard slots > 0, capacity > 0, !overflow, count < 1 << 33 else {
            throw ModelError.invalidBatch(reason: "a KV cache of \(slots) slots × \(capacity) positions is out of range")
        }
        layers = config.nLayers
        self.slots = slots
        self.capacity = capacity
        self.kvDim = kvDim
        lengths = [Int](repeating: 0, count: slots)
        keys = .allocate(capacity: count)
        values = .allocate(capacity: count)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Bytes held (keys and values).
    public var bytes: Int { 2 * layers * slots * capacity * kvDim * MemoryLayout<Float>.size }

    /// Marks `count` more positions of `slot` as cached (after a forward pass appended them at every layer).
    public func advance(slot: Int, by count: Int) {
        guard slot >= 0, slot < slots else { return }
        lengths[slot] = min(capacity, lengths[slot] + count)
    }

    /// Empties `slot` for a new sequence.
    public func reset(slot: Int) {
        guard slot >= 0, slot < slots else { return }
        lengths[slot] = 0
    }

    func keyRow(layer: Int, slot: Int, position: Int) -> UnsafeMutablePointer<Float> {
        keys + ((layer * slots + slot) * capacity + position) * kvDim
    }

    func valueRow(layer: Int, slot: Int, position: Int) -> UnsafeMutablePointer<Float> {
        values + ((layer * slots + slot) * capacity + position) * kvDim
    }
}

/// The optional per-call context of a forward pass that decodes incrementally: packed sentence s of the
/// batch continues the sequence cached in `slots[s]`, so its positions start at that slot's length.
/// Without a context (the tracer), every sentence starts at position 0 and nothing is stored.
public struct KVCacheContext: Sendable {
    public let cache: KVCache
    public let slots: [Int]

    public init(cache: KVCache, slots: [Int]) {
        self.cache = cache
        self.slots = slots
    }

    /// The position of the first new token of packed sentence `s`.
    public func offset(_ s: Int) -> Int { cache.lengths[slots[s]] }

    /// Advances every slot by its sentence's token count once the forward pass has run all layers.
    public func commit(_ batch: PackedBatch) {
        for (s, range) in batch.sequences.enumerated() { cache.advance(slot: slots[s], by: range.count) }
    }
}
