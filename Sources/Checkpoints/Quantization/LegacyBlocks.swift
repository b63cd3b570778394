// ggml's original 32-weight blocks: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (ggml-common.h `block_q4_0` …).
//
// In the 4- and 5-bit formats byte j of `qs` holds weight j in its low nibble and weight j + 16 in its
// high nibble; in the 5-bit formats bit j of the little-endian u32 `qh` is weight j's fifth bit.

/// Q4_0 — 32 weights, 18 bytes: `d` f16 @0 · `qs` 16 B @2. y = d·(q − 8), q ∈ 0…15.
enum BlockQ4_0: QuantizedBlock {
    static let dtype = DType.q4_0
    static let (d, qs) = (0, 2)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d)
        let q = bytes16(block, qs)
        // q − 8 is a small integer, so subtracting in float is exact.
        store16(d * (floats16(q & 0x0F) - 8), y, 0)
        store16(d * (floats16(q &>> 4) - 8), y, 16)
    }
}

/// Q4_1 — 32 weights, 20 bytes: `d` f16 @0 · `m` f16 @2 · `qs` 16 B @4. y = d·q + m, q ∈ 0…15.
enum BlockQ4_1: QuantizedBlock {
    static let dtype = DType.q4_1
    static let (d, m, qs) = (0, 2, 4)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d), m = halfScale(block, Self.m)
        let q = bytes16(block, qs)
        store16(d * floats16(q & 0x0F) + m, y, 0)
        store16(d * floats16(q &>> 4) + m, y, 16)
    }
}

/// Q5_0 — 32 weights, 22 bytes: `d` f16 @0 · `qh` u32 @2 · `qs` 16 B @6. y = d·(q − 16), q ∈ 0…31.
enum BlockQ5_0: QuantizedBlock {
    static let dtype = DType.q5_0
    static let (d, qh, qs) = (0, 2, 6)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d)
        let h = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: qh, as: UInt32.self))
        let q = bytes16(block, qs)
        store16(d * (floats16(q & 0x0F | bits16(h, from: 0) &<< 4) - 16), y, 0)
        store16(d * (floats16(q &>> 4 | bits16(h, from: 16) &<< 4) - 16), y, 16)
    }
}

/// Q5_1 — 32 weights, 24 bytes: `d` f16 @0 · `m` f16 @2 · `qh` u32 @4 · `qs` 16 B @8. y = d·q + m.
enum BlockQ5_1: QuantizedBlock {
    static let dtype = DType.q5_1
    static let (d, m, qh, qs) = (0, 2, 4, 8)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d), m = halfScale(block, Self.m)
        let h = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: qh, as: UInt32.self))
        let q = bytes16(block, qs)
        store16(d * floats16(q & 0x0F | bits16(h, from: 0) &<< 4) + m, y, 0)
        store16(d * floats16(q &>> 4 | bits16(h, from: 16) &<< 4) + m, y, 16)
    }
}

/// Q8_0 — 32 weights, 34 bytes: `d` f16 @0 · `qs` 32 × i8 @2. y = q·d.
enum BlockQ8_0: QuantizedBlock {
    static let dtype = DType.q8_0
    static let (d, qs) = (0, 2)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d)
        for half in 0..<2 {
            let q = SIMD16<Int8>(truncatingIfNeeded: bytes16(block, qs + 16 * half))
            store16(SIMD16<Float>(q) * d, y, 16 * half)
        }
    }
}
