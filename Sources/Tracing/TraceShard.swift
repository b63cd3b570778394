// `trace --shard I/N`: which part of a plan one machine traces (README "Running on a cluster").
import Activations

/// Shard `index` (1-based) of `count`: a contiguous run of the plan's batches, in trace order, holding
/// about 1/count of the plan's tokens.
///
/// Why batches and not rows or languages: a sentence's values depend, in their last bits, on the batch it
/// was packed with (sgemm blocking differs with the number of packed rows), so a shard reproduces the
/// unsharded trace bit for bit only when it runs exactly the unsharded plan's batches. Cutting between
/// batches keeps that, and balances cost by tokens to within one batch (at most `--batch-tokens`, or one
/// longer sentence): compute is linear in tokens up to the attention term. The cut depends only on the
/// batches' token counts (the corpus, the tokenizer, the template and `--batch-tokens`), in integer
/// arithmetic, so every machine computes the same shards.
public struct TraceShard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw TracingError.badOption("--shard \(index)/\(count): the shard count must be at least 1") }
        guard (1...count).contains(index) else {
            throw TracingError.badOption("--shard \(index)/\(count): the shard index must be 1…\(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (e.g. `2/8`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw TracingError.badOption("--shard '\(text)': expected I/N, e.g. 2/8 (shard 2 of 8, counted from 1)")
        }
        try self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// The batches of this shard, given every batch's token count in trace order.
    ///
    /// Boundary k (0 < k < count) is the batch boundary whose cumulative token count is closest to
    /// k·T/count (ties: the earlier one), moved only as far as needed to give every shard at least one
    /// batch. Throws when there are fewer batches than shards.
    public func batches(tokenCounts: [Int]) throws -> Range<Int> {
        let boundaries = try Self.boundaries(tokenCounts: tokenCounts, count: count)
        return boundaries[index - 1]..<boundaries[index]
    }

    /// The `count + 1` boundaries (first batch of each shard, then the batch count).
    public static func boundaries(tokenCounts: [Int], count: Int) throws -> [Int] {
        let b = tokenCounts.count
        guard b >= count else {
            throw TracingError.badOption("--shard …/\(count): the plan has only \(b) batch\(b == 1 ? "" : "es"); use at most \(b) shards or a smaller --batch-tokens")
        }
        var prefix = [0]
        prefix.reserveCapacity(b + 1)
        for tokens in tokenCounts { prefix.append(prefix[prefix.count - 1] + tokens) }
        let total = prefix[b]
        var out = [0]
        for k in 1..<count {
            let target = k * total   // compared with prefix[j] · count
            var lo = 0, hi = b       // first j with prefix[j]·count >= target
            while lo < hi {
                let mid = (lo + hi) / 2
                if prefix[mid] * count >= target { hi = mid } else { lo = mid + 1 }
            }
            var j = lo
            if j > 0 && target - prefix[j - 1] * count <= prefix[j] * count - target { j -= 1 }
            out.append(min(max(j, out[k - 1] + 1), b - (count - k)))
        }
        out.append(b)
        return out
    }
}

extension TracePlan {
    /// What sharding needs of the batch plan, and its only dependency on the batches' layout: each batch's
    /// token count (the cost balanced) and the (language, rows) it writes.
    func shardFacts() -> (tokens: [Int], rows: [[(language: Int, rows: Range<Int>)]]) {
        (batches.map(\.tokenCount), batches.map { $0.segments.map { ($0.language, $0.sentences) } })
    }
}
