// ggml's non-linear 4-bit formats IQ4_NL and IQ4_XS (ggml-common.h `block_iq4_nl`, `block_iq4_xs`):
// each 4-bit index selects a value of a fixed non-uniform codebook, scaled per (sub-)block.

/// `kvalues_iq4nl` of ggml-common.h: the 16 codebook values shared by IQ4_NL and IQ4_XS.
let iq4Codebook: [Float] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

/// IQ4_NL — 32 weights, 18 bytes: `d` f16 @0 · `qs` 16 B @2 (byte j: low nibble → weight j, high →
/// weight j + 16). y = d·codebook[q].
enum BlockIQ4_NL: QuantizedBlock {
    static let dtype = DType.iq4_nl
    static let (d, qs) = (0, 2)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d)
        iq4Codebook.withUnsafeBufferPointer { k in
            for j in 0..<16 {
                let b = byte(block, qs, j)
                y[j] = d * k[Int(b & 0x0F)]
                y[j + 16] = d * k[Int(b >> 4)]
            }
        }
    }
}

/// IQ4_XS — 256 weights, 136 bytes: `d` f16 @0 · `scales_h` u16 @2 · `scales_l` 4 B @4 · `qs` 128 B @8.
/// Sub-block j (32 weights) has the 6-bit scale (nibble j % 2 of scales_l[j / 2]) | (bits 2j…2j+1 of
/// scales_h) << 4, minus 32; its 16 bytes at qs + 16j give weights 32j + i (low nibbles) and 32j + 16 + i
/// (high nibbles). y = (d·scale)·codebook[q].
enum BlockIQ4_XS: QuantizedBlock {
    static let dtype = DType.iq4_xs
    static let (d, scalesHigh, scalesLow, qs) = (0, 2, 4, 8)

    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = halfScale(block, Self.d)
        let high = UInt16(littleEndian: block.loadUnaligned(fromByteOffset: scalesHigh, as: UInt16.self))
        iq4Codebook.withUnsafeBufferPointer { k in
            for j in 0..<8 {
                let low = (byte(block, scalesLow, j / 2) >> UInt8(4 * (j % 2))) & 0x0F
                let top = UInt8(truncatingIfNeeded: high >> UInt16(2 * j)) & 3
                let dl = d * Float(Int8(low | top << 4) - 32)
                for i in 0..<16 {
                    let b = byte(block, qs, 16 * j + i)
                    y[32 * j + i] = dl * k[Int(b & 0x0F)]
                    y[32 * j + 16 + i] = dl * k[Int(b >> 4)]
                }
            }
        }
    }
}
