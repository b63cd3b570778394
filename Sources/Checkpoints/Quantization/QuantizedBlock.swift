// The common shape of every ggml block format, and the loop that decodes a run of blocks.
import CKernels

/// A ggml block format: `DType.blockLayout` weights stored in a fixed number of bytes, decoded by one
/// pure function. Each conforming type documents its byte layout (ggml-common.h's `block_*` structs)
/// as offsets beside that function.
protocol QuantizedBlock {
    static var dtype: DType { get }
    /// Decodes the block at `block` into `dtype.blockLayout.elements` floats at `y`, bit-exact with
    /// gguf-py's `dequantize` (float32 arithmetic in the same order).
    static func decode(_ block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>)
}

extension QuantizedBlock {
    /// Decodes `count / elements` consecutive blocks.
    @inline(__always)
    static func decodeBlocks(_ src: UnsafeRawPointer, count: Int, into dst: UnsafeMutablePointer<Float>) {
        let (elements, bytes) = dtype.blockLayout
        for b in 0..<(count / elements) {
            decode(src + b * bytes, into: dst + b * elements)
        }
    }
}

/// An IEEE half-precision scale stored little-endian at `offset`, widened to Float (`widenHalf`).
@inline(__always)
func halfScale(_ block: UnsafeRawPointer, _ offset: Int) -> Float {
    widenHalf(UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

/// IEEE 754 binary16 → binary32, exactly `Float(Float16(bitPattern: h))` for every one of the 65,536 bit
/// patterns (NaN payloads included), without the software call (`__extendhfsf2`) Swift emits for that on
/// x86-64 below F16C. The magnitude's exponent and fraction shifted into binary32's fields is the value
/// × 2⁻¹¹², for normal and subnormal halves alike, so one exact multiply by 2¹¹² rescales it; ±∞ and NaN
/// (exponent 31) get binary32's all-ones exponent with the fraction kept, NaNs quieted (as the conversion
/// instruction and Swift's conversion do).
@inline(__always)
func widenHalf(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let magnitude = UInt32(h & 0x7FFF) << 13
    let infinity: UInt32 = 0x0F80_0000  // exponent 31, fraction 0, shifted
    let bits = magnitude < infinity ? (Float(bitPattern: magnitude) * 0x1p112).bitPattern
        : magnitude == infinity ? 0x7F80_0000 : magnitude | 0x7FC0_0000
    return Float(bitPattern: bits | sign)
}

/// Byte `i` of a block region starting at `offset`.
@inline(__always)
func byte(_ block: UnsafeRawPointer, _ offset: Int, _ i: Int) -> UInt8 {
    block.load(fromByteOffset: offset + i, as: UInt8.self)
}

extension ElementDecoder {
    /// Dispatches a block-quantized dtype to its block decoder. `count` is a whole number of blocks
    /// (checked by `decode`).
    static func decodeBlockQuantized(_ dtype: DType, _ src: UnsafeRawPointer, count: Int,
                                     into dst: UnsafeMutablePointer<Float>) throws {
        switch dtype {
        // The legacy 32-weight blocks in C, at the CPU's vector width (CKernels, `ck_decode_q4_0` …).
        case .q4_0: ck_decode_q4_0(src, count / dtype.blockLayout.elements, dst)
        case .q4_1: ck_decode_q4_1(src, count / dtype.blockLayout.elements, dst)
        case .q5_0: ck_decode_q5_0(src, count / dtype.blockLayout.elements, dst)
        case .q5_1: ck_decode_q5_1(src, count / dtype.blockLayout.elements, dst)
        case .q8_0: ck_decode_q8_0(src, count / dtype.blockLayout.elements, dst)
        case .q2_K: BlockQ2_K.decodeBlocks(src, count: count, into: dst)
        case .q3_K: BlockQ3_K.decodeBlocks(src, count: count, into: dst)
        case .q4_K: BlockQ4_K.decodeBlocks(src, count: count, into: dst)
        case .q5_K: BlockQ5_K.decodeBlocks(src, count: count, into: dst)
        case .q6_K: BlockQ6_K.decodeBlocks(src, count: count, into: dst)
        case .iq4_nl: BlockIQ4_NL.decodeBlocks(src, count: count, into: dst)
        case .iq4_xs: BlockIQ4_XS.decodeBlocks(src, count: count, into: dst)
        default:
            throw CheckpointError.unsupported(file: "<memory>", reason: "\(dtype.rawValue) is not block-quantized")
        }
    }
}

// MARK: - 16-lane helpers
// Whole 16-byte loads and 16-float stores keep the decoders' arithmetic in vector registers: loading
// the block before storing any output frees the compiler from assuming output and block may alias.
// Each lane computes exactly the scalar float32 expression (no fused multiply-add), so results stay
// bit-exact.

/// Bytes `offset ..< offset + 16` of a block.
@inline(__always)
func bytes16(_ block: UnsafeRawPointer, _ offset: Int) -> SIMD16<UInt8> {
    block.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
}

/// Stores 16 floats at `y + index`.
@inline(__always)
func store16(_ values: SIMD16<Float>, _ y: UnsafeMutablePointer<Float>, _ index: Int) {
    UnsafeMutableRawPointer(y + index).storeBytes(of: values, as: SIMD16<Float>.self)
}

/// Lane-wise conversion of small unsigned integers to Float (exact).
@inline(__always)
func floats16(_ q: SIMD16<UInt8>) -> SIMD16<Float> { SIMD16<Float>(q) }
