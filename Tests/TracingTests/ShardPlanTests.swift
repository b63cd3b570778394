// Which batches `trace --shard I/N` traces: contiguous, covering the plan once, balanced by tokens.
import Activations
import Testing
import Tracing

@Suite("a shard is a contiguous run of the plan's batches, balanced by tokens")
struct ShardPlanTests {
    @Test("boundaries sit where the cumulative token count is closest to k·T/N")
    func balancedBoundaries() throws {
        // Prefix sums 0 10 20 30 40 50 60: thirds of 60 fall exactly on 20 and 40.
        #expect(try TraceShard.boundaries(tokenCounts: [10, 10, 10, 10, 10, 10], count: 3) == [0, 2, 4, 6])
        // Prefix sums 0 5 30 35 40 (T = 40): halves at 20 → 30 (|30−20| = 10 < |5−20| = 15).
        #expect(try TraceShard.boundaries(tokenCounts: [5, 25, 5, 5], count: 2) == [0, 2, 4])
        // A tie (T = 20, prefix 0 5 15 20; half at 10: |5−10| = |15−10|) takes the earlier boundary.
        #expect(try TraceShard.boundaries(tokenCounts: [5, 10, 5], count: 2) == [0, 1, 3])
        #expect(try TraceShard.boundaries(tokenCounts: [7, 3], count: 1) == [0, 2])
    }

    @Test("one huge batch still leaves every shard at least one batch")
    func everyShardGetsABatch() throws {
        // Prefix 0 100 101 102: thirds at 34 and 68 both fall in the first batch.
        #expect(try TraceShard.boundaries(tokenCounts: [100, 1, 1], count: 3) == [0, 1, 2, 3])
        #expect(try TraceShard.boundaries(tokenCounts: [1, 1, 100], count: 3) == [0, 1, 2, 3])
    }

    @Test("the shards tile the batches, and no shard is heavier than T/N plus its largest batch")
    func tilingAndBalance() throws {
        var generator = SplitMix(seed: 7)
        for count in [1, 2, 3, 5, 8] {
            let tokens = (0..<97).map { _ in Int(generator.next() % 60) + 1 }
            let total = tokens.reduce(0, +)
            var next = 0
            for index in 1...count {
                let range = try TraceShard(index: index, count: count).batches(tokenCounts: tokens)
                #expect(range.lowerBound == next && !range.isEmpty)
                next = range.upperBound
                let load = tokens[range].reduce(0, +)
                #expect(Double(load) <= Double(total) / Double(count) + Double(tokens.max()!))
            }
            #expect(next == tokens.count)
        }
    }

    @Test("more shards than batches, and malformed I/N, are refused")
    func refusals() throws {
        #expect(throws: TracingError.self) { try TraceShard.boundaries(tokenCounts: [3, 4], count: 3) }
        for text in ["0/3", "4/3", "1/0", "2", "a/b", "1/2/3", "-1/2"] {
            #expect(throws: TracingError.self, "\(text)") { try TraceShard(parsing: text) }
        }
        #expect(try TraceShard(parsing: "2/8") == (try TraceShard(index: 2, count: 8)))
    }
}

/// A tiny deterministic generator (SplitMix64) for shapes of test inputs.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
