// ggml's K-quants: 256-weight super-blocks split into sub-blocks with their own quantized scales
// (ggml-common.h `block_q2_K` … `block_q6_K`, QK_K = 256).
//
// Where 2-bit fields are packed (Q2_K, Q3_K low bits, Q6_K high bits), 32 consecutive bytes hold four
// 32-weight groups: weight 128·c + 32·s + l is bits 2s…2s+1 of byte 32·c + l. Where nibbles are packed
// (Q4_K, Q5_K, Q6_K low bits), weight 64·c + 32·h + l (Q6_K: 128·c + 64·h + l) is nibble h of byte
// 32·c + l (Q6_K: 64·c + l). Single high bits (Q3_K `hmask`, Q5_K `qh`): weight 32·j + l is bit j of byte l.

/// Q2_K — 256 weights, 84 bytes: `scales` 16 B @0 · `qs` 64 B @16 · `d` f16 @80 · `dmin` f16 @82.
/// Sub-block j (16 weights): scale byte low nibble sc, high nibble m; y = (d·sc)·q − (dmin·m), q ∈ 0…3.
enum BlockQ2_K: QuantizedBlock {
    static let dtype = DType.q2_K
    static let (scales, qs, d, dmin) = (0, 16, 80, 82)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d), dmin = halfScale(block, Self.dmin)
        for j in 0..<16 {
            let sc = byte(block, scales, j)
            let dl = d * Float(sc & 0x0F), ml = dmin * Float(sc >> 4)
            // Weights 16j…16j+15 lie in group (c, s) = (j / 8, (j % 8) / 2), lanes l = 16·(j % 2) + i.
            let c = j / 8, s = (j % 8) / 2, l0 = 16 * (j % 2)
            let q = (bytes16(block, qs + 32 * c + l0) &>> UInt8(2 * s)) & 3
            store16(dl * floats16(q) - ml, y, 16 * j)
        }
    }
}

/// Q3_K — 256 weights, 110 bytes: `hmask` 32 B @0 · `qs` 64 B @32 · `scales` 12 B @96 · `d` f16 @108.
/// 16 six-bit signed scales: low nibbles in bytes 0…7 (scale i < 8: low nibble of byte i; i ≥ 8: high
/// nibble of byte i − 8), top two bits of scale i are bits 2·(i/4)… of byte 8 + i % 4; value − 32.
/// q = low 2 bits − 4 when the `hmask` bit is clear; y = (d·scale)·q.
enum BlockQ3_K: QuantizedBlock {
    static let dtype = DType.q3_K
    static let (hmask, qs, scales, d) = (0, 32, 96, 108)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d)
        for j in 0..<16 {
            let low = j < 8 ? byte(block, scales, j) & 0x0F : byte(block, scales, j - 8) >> 4
            let high = (byte(block, scales, 8 + j % 4) >> UInt8(2 * (j / 4))) & 3
            let dl = d * Float(Int8(low | high << 4) - 32)
            let c = j / 8, s = (j % 8) / 2, l0 = 16 * (j % 2)
            let hbit = UInt8(j / 2)   // weights 16j… lie in hmask bit plane (16j) / 32
            let ql = (bytes16(block, qs + 32 * c + l0) &>> UInt8(2 * s)) & 3
            let h = (bytes16(block, hmask + l0) &>> hbit) & 1
            // ql − 4·(1 − h) is a small integer, so subtracting in float is exact.
            store16(dl * (floats16(ql) - floats16((h ^ 1) &<< 2)), y, 16 * j)
        }
    }
}

/// The 6-bit scales and mins of Q4_K and Q5_K packed in 12 bytes (ggml `get_scale_min_k4`):
/// sub-block j < 4: scale = byte j & 63, min = byte j+4 & 63; j ≥ 4: scale = (byte j+4 & 15) | (byte j−4 >> 6) << 4,
/// min = (byte j+4 >> 4) | (byte j >> 6) << 4.
@inline(__always)
func kQuantScaleMin(_ block: UnsafeRawPointer, _ offset: Int, _ j: Int) -> (scale: UInt8, min: UInt8) {
    if j < 4 {
        return (byte(block, offset, j) & 63, byte(block, offset, j + 4) & 63)
    }
    let packed = byte(block, offset, j + 4)
    return ((packed & 0x0F) | ((byte(block, offset, j - 4) >> 2) & 0x30),
            (packed >> 4) | ((byte(block, offset, j) >> 2) & 0x30))
}

/// Q4_K — 256 weights, 144 bytes: `d` f16 @0 · `dmin` f16 @2 · `scales` 12 B @4 · `qs` 128 B @16.
/// Sub-block j (32 weights): y = (d·scale)·q − (dmin·min), q ∈ 0…15.
enum BlockQ4_K: QuantizedBlock {
    static let dtype = DType.q4_K
    static let (d, dmin, scales, qs) = (0, 2, 4, 16)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d), dmin = halfScale(block, Self.dmin)
        for j in 0..<8 {
            let (sc, mn) = kQuantScaleMin(block, scales, j)
            let dl = d * Float(sc), ml = dmin * Float(mn)
            let c = j / 2, shift = UInt8(4 * (j % 2))
            for half in 0..<2 {
                let q = (bytes16(block, qs + 32 * c + 16 * half) &>> shift) & 0x0F
                store16(dl * floats16(q) - ml, y, 32 * j + 16 * half)
            }
        }
    }
}

/// Q5_K — 256 weights, 176 bytes: `d` f16 @0 · `dmin` f16 @2 · `scales` 12 B @4 · `qh` 32 B @16 ·
/// `qs` 128 B @48. As Q4_K with a fifth bit per weight from `qh`; q ∈ 0…31.
enum BlockQ5_K: QuantizedBlock {
    static let dtype = DType.q5_K
    static let (d, dmin, scales, qh, qs) = (0, 2, 4, 16, 48)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d), dmin = halfScale(block, Self.dmin)
        for j in 0..<8 {
            let (sc, mn) = kQuantScaleMin(block, scales, j)
            let dl = d * Float(sc), ml = dmin * Float(mn)
            let c = j / 2, shift = UInt8(4 * (j % 2))
            for half in 0..<2 {
                let low = (bytes16(block, qs + 32 * c + 16 * half) &>> shift) & 0x0F
                let high = (bytes16(block, qh + 16 * half) &>> UInt8(j)) & 1
                store16(dl * floats16(low | high &<< 4) - ml, y, 32 * j + 16 * half)
            }
        }
    }
}

/// Q6_K — 256 weights, 210 bytes: `ql` 128 B @0 · `qh` 64 B @128 · `scales` 16 × i8 @192 · `d` f16 @208.
/// Sub-block j (16 weights): y = (d·scale_j)·(q − 32), q = low nibble | 2 high bits << 4.
enum BlockQ6_K: QuantizedBlock {
    static let dtype = DType.q6_K
    static let (ql, qh, scales, d) = (0, 128, 192, 208)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d)
        for j in 0..<16 {
            // Weight e = 16j + i: c = e / 128, nibble h = (e % 128) / 64 of ql byte 64c + e % 64,
            // 2-bit group s = (e % 128) / 32 of qh byte 32c + e % 32.
            let dl = d * Float(Int8(bitPattern: byte(block, scales, j)))
            let e = 16 * j, c = e / 128, h = (e % 128) / 64, s = (e % 128) / 32
            let low = (bytes16(block, ql + 64 * c + e % 64) &>> UInt8(4 * h)) & 0x0F
            let high = (bytes16(block, qh + 32 * c + e % 32) &>> UInt8(2 * s)) & 3
            // q − 32 is a small integer, so subtracting in float is exact.
            store16(dl * (floats16(low | high &<< 4) - 32), y, e)
        }
    }
}
