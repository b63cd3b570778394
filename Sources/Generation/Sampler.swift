// Choosing the next token from a row of logits: greedy, or temperature / top-k / top-p sampling.
import Foundation

/// How the next token is chosen.
///
/// Greedy (temperature 0, the default): the argmax, the lowest id on an exact tie (as torch.argmax).
/// Sampling, in transformers' order of logits processors: z/T (temperature), then keep the k largest
/// (top-k; ties at the k-th value kept), then the smallest set of most probable tokens whose probability
/// sums to ≥ p (top-p, nucleus sampling, Holtzman et al. 2020; at least one token); then one draw from the
/// renormalized softmax. Probabilities in Double.
public struct SamplingSettings: Sendable, Equatable {
    public var temperature: Double
    public var topK: Int?
    public var topP: Double?
    public var seed: UInt64

    public init(temperature: Double = 0, topK: Int? = nil, topP: Double? = nil, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }

    public var isGreedy: Bool { temperature <= 0 }
}

/// xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64: one stream per sequence, so a sampled
/// answer depends on the seed and the prompt's id only, never on which prompts share its batch.
public struct SequenceRandom: RandomNumberGenerator, Sendable {
    var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64, stream: String) {
        // FNV-1a of the stream name mixed into the seed.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in stream.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        var x = seed ^ h
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1) from the top 53 bits.
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// The chosen token of one step and the top-1 − top-2 logit margin (how near the greedy choice was a tie).
public struct TokenChoice: Sendable, Equatable {
    public var id: Int32
    public var margin: Float
}

public enum Sampler {
    /// The argmax of `logits` and its margin over the runner-up.
    public static func greedy(_ logits: UnsafeBufferPointer<Float>) -> TokenChoice {
        var best = 0, bestValue = -Float.infinity, second = -Float.infinity
        for (i, z) in logits.enumerated() {
            if z > bestValue { second = bestValue; bestValue = z; best = i } else if z > second { second = z }
        }
        return TokenChoice(id: Int32(best), margin: bestValue - second)
    }

    /// The next token under `settings` (greedy when the temperature is 0).
    public static func choose(_ logits: UnsafeBufferPointer<Float>, settings: SamplingSettings,
                              random: inout SequenceRandom) -> TokenChoice {
        let top = greedy(logits)
        guard !settings.isGreedy, logits.count > 1 else { return top }
        let t = settings.temperature
        var candidates = (0..<logits.count).filter { logits[$0].isFinite }
        guard !candidates.isEmpty else { return top }
        candidates.sort { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        if let k = settings.topK, k > 0, k < candidates.count {
            let kth = logits[candidates[k - 1]]
            var end = k
            while end < candidates.count, logits[candidates[end]] == kth { end += 1 }
            candidates.removeSubrange(end...)
        }
        let maxScaled = Double(logits[candidates[0]]) / t
        var weights = candidates.map { exp(Double(logits[$0]) / t - maxScaled) }
        var total = weights.reduce(0, +)
        if let p = settings.topP, p < 1 {
            var cumulative = 0.0, keep = 0
            for w in weights {
                cumulative += w / total
                keep += 1
                if cumulative >= p { break }
            }
            candidates.removeSubrange(max(1, keep)...)
            weights.removeSubrange(max(1, keep)...)
            total = weights.reduce(0, +)
        }
        let u = random.unit() * total
        var acc = 0.0
        for (i, w) in weights.enumerated() {
            acc += w
            if u < acc { return TokenChoice(id: Int32(candidates[i]), margin: top.margin) }
        }
        return TokenChoice(id: Int32(candidates[candidates.count - 1]), margin: top.margin)
    }
}
