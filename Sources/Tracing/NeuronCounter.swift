// Language-specific neurons, step 1 (Tang et al. 2024, "Language-Specific Neurons: The Key to Multilingual
// Capabilities in Large Language Models", §2.2): how often each FFN neuron fires on a language's tokens.
import Models

/// What `trace --neurons` counts.
public struct NeuronCountSettings: Sendable, Equatable, Codable {
    /// Count the BOS position too (off by default, as in the reference counts: BOS is the same token in
    /// every language and would only dilute the per-language probabilities).
    public var countBOS: Bool

    public init(countBOS: Bool = false) { self.countBOS = countBOS }
}

/// An MLP hook counting, per layer and neuron, the tokens at which a = act(gate·x) > 0 (the input of the
/// gated product: SiLU for LLaMA-likes, GELU-tanh for Gemma; the activation of a non-gated MLP).
///
/// Per batch: `begin(groups:)` names the packed rows to count, in groups (one per language segment of a
/// batch; every token of every sentence, minus BOS unless counted); the hook adds 1 to
/// `counts[(group · layers + layer) · width + j]` for each row of a group with a_j > 0. Counts are Int32
/// within a batch (a batch has far fewer than 2³¹ tokens) and Int64 once accumulated.
public final class NeuronActivationCounter: MLPActivationHook {
    public let layers: Int
    public let width: Int
    /// Rows of the current packed batch that are counted, per group.
    public private(set) var groups: [[Range<Int>]] = [[]]
    /// Rows counted in the current batch per group (the same for every layer).
    public var countedTokens: [Int] { groups.map { $0.reduce(0) { $0 + $1.count } } }
    /// Per worker slot, [groups · layers · width] partial counts of the current batch: the whole-batch
    /// call writes slot 0 (columns split over the threads), the row-chunk call slot `worker`. Integer
    /// sums in any order agree, so the totals are the same either way and for any thread count.
    private var partial: UnsafeMutablePointer<Int32>
    private var slotSize: Int
    private var slots: Int
    /// Per packed row of the current batch, its group (−1: not counted).
    private var rowGroup: [Int32] = []

    public init(layers: Int, width: Int) {
        self.layers = layers
        self.width = width
        slotSize = layers * width
        slots = 1
        partial = .allocate(capacity: slotSize)
        partial.initialize(repeating: 0, count: slotSize)
    }

    deinit { partial.deallocate() }

    /// [groups · layers · width] for the current batch.
    public var counts: [Int32] {
        var total = [Int32](repeating: 0, count: slotSize)
        for w in 0..<slots {
            let p = partial + w * slotSize
            for i in 0..<slotSize { total[i] &+= p[i] }
        }
        return total
    }

    /// Starts a batch: zeroes the counts and sets the rows to count, per group.
    public func begin(groups: [[Range<Int>]]) {
        self.groups = groups
        partial.deallocate()
        slotSize = groups.count * layers * width
        slots = max(1, RowParallel.threads)
        partial = .allocate(capacity: max(1, slots * slotSize))
        partial.initialize(repeating: 0, count: max(1, slots * slotSize))
        let rows = groups.flatMap { $0 }.map(\.upperBound).max() ?? 0
        rowGroup = [Int32](repeating: -1, count: max(rows, 0))
        for (g, ranges) in groups.enumerated() {
            for range in ranges {
                for r in range where r >= 0 { rowGroup[r] = Int32(g) }
            }
        }
    }

    /// Starts a batch of one group.
    public func begin(rows: [Range<Int>]) { begin(groups: [rows]) }

    /// Group `g`'s [layers · width] counts of the current batch.
    public func counts(group g: Int) -> [Int32] {
        var total = [Int32](repeating: 0, count: layers * width)
        for w in 0..<slots {
            let p = partial + w * slotSize + g * layers * width
            for i in 0..<(layers * width) { total[i] &+= p[i] }
        }
        return total
    }

    public func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, tokens: Int,
                              width: Int, batch: PackedBatch) {
        // A model of another shape than announced is a bug upstream; counting it would be silently wrong.
        guard layer >= 0, layer < layers, width == self.width else { return }
        let layers = self.layers, groups = self.groups, base = partial
        // Columns split over the threads: each count has one writer.
        RowParallel.forEach(rows: width, work: tokens) { columns in
            for (g, rows) in groups.enumerated() {
                let c = base + (g * layers + layer) * width
                for range in rows {
                    for r in range where r >= 0 && r < tokens {
                        let v = UnsafePointer(values + r * rowStride)
                        for j in columns { c[j] &+= v[j] > 0 ? 1 : 0 }
                    }
                }
            }
        }
    }

    /// Counting a row depends on that row only.
    public var handlesRowChunks: Bool { true }

    public func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, rows: Range<Int>,
                              width: Int, batch: PackedBatch, worker: Int) {
        guard layer >= 0, layer < layers, width == self.width else { return }
        // More workers than `begin` made slots for (the thread count changed within a batch) would drop counts.
        precondition(worker >= 0 && worker < slots, "neuron counter: worker \(worker) of \(slots) slots")
        let slot = partial + worker * slotSize
        rowGroup.withUnsafeBufferPointer { groupOf in
            for r in rows where r >= 0 && r < groupOf.count {
                let g = Int(groupOf[r])
                guard g >= 0 else { continue }
                let c = slot + (g * layers + layer) * width
                let v = UnsafePointer(values + r * rowStride)
                for j in 0..<width { c[j] &+= v[j] > 0 ? 1 : 0 }
            }
        }
    }

    /// The rows a trace counts in a packed batch: each sentence's rows, without its first row when that is a
    /// BOS the tokenizer added and BOS is not counted.
    public static func countedRows(sequences: [Range<Int>], startsWithBOS: [Bool], countBOS: Bool) -> [Range<Int>] {
        sequences.enumerated().map { k, s in
            let skip = !countBOS && k < startsWithBOS.count && startsWithBOS[k] && !s.isEmpty
            return skip ? (s.lowerBound + 1)..<s.upperBound : s
        }
    }
}

/// Several MLP hooks run in order on the same activations (e.g. deactivation, then counting: counts then
/// describe the intervened model).
public final class MLPHookChain: MLPActivationHook {
    public let hooks: [any MLPActivationHook]

    public init(_ hooks: [any MLPActivationHook]) { self.hooks = hooks }

    /// nil for no hook, the hook itself for one, a chain for several.
    public static func combine(_ hooks: [any MLPActivationHook]) -> (any MLPActivationHook)? {
        switch hooks.count {
        case 0: return nil
        case 1: return hooks[0]
        default: return MLPHookChain(hooks)
        }
    }

    public func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, tokens: Int,
                              width: Int, batch: PackedBatch) {
        for hook in hooks {
            hook.mlpActivation(layer: layer, values: values, rowStride: rowStride, tokens: tokens, width: width,
                               batch: batch)
        }
    }

    /// Chunks of rows when every hook takes them (each then sees the chunk after the previous hook).
    public var handlesRowChunks: Bool { hooks.allSatisfy(\.handlesRowChunks) }

    public func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, rows: Range<Int>,
                              width: Int, batch: PackedBatch, worker: Int) {
        for hook in hooks {
            hook.mlpActivation(layer: layer, values: values, rowStride: rowStride, rows: rows, width: width,
                               batch: batch, worker: worker)
        }
    }
}
