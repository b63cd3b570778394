// One fixed-seed random generator for every test target, so fuzz and synthetic-weight tests reproduce.

/// SplitMix64 (Steele, Lea & Flood 2014): state advances by the golden-ratio increment, output is the
/// finalizer of MurmurHash3-style mixing. Small, fast and fully determined by `seed`.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A Float in [0, 1) from the top 24 bits.
    public mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
