// Stored elements → Float: the one dispatch every reader calls.

/// Decoding of stored tensor elements to Float.
public enum ElementDecoder {
    /// Decodes `count` elements of type `dtype` stored little-endian at `src` into `dst`.
    /// `src` must hold exactly `dtype.byteCount(elements: count)` bytes.
    public static func decode(_ dtype: DType, _ src: UnsafeRawBufferPointer, count: Int,
                              into dst: UnsafeMutablePointer<Float>) throws {
        guard let need = dtype.byteCount(elements: count), src.count >= need else {
            throw CheckpointError.malformed(file: "<memory>", reason: "\(count) \(dtype.rawValue) elements need more than \(src.count) bytes")
        }
        guard count > 0, let base = src.baseAddress else { return }
        switch dtype {
        case .f32:
            for i in 0..<count { dst[i] = Float(bitPattern: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        case .f16:
            for i in 0..<count { dst[i] = widenHalf(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            // bfloat16 is the top half of an IEEE float32.
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case .f64:
            for i in 0..<count { dst[i] = Float(Double(bitPattern: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
        case .i8:
            for i in 0..<count { dst[i] = Float(base.loadUnaligned(fromByteOffset: i, as: Int8.self)) }
        case .u8, .bool:
            for i in 0..<count { dst[i] = Float(base.loadUnaligned(fromByteOffset: i, as: UInt8.self)) }
        case .i16:
            for i in 0..<count { dst[i] = Float(base.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
        case .i32:
            for i in 0..<count { dst[i] = Float(base.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
        case .i64:
            for i in 0..<count { dst[i] = Float(base.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl, .iq4_xs:
            try decodeQuantized(dtype, base, count: count, into: dst)
        }
    }

    /// Block-quantized types; each block family lives in `Quantization/` beside its byte layout.
    static func decodeQuantized(_ dtype: DType, _ src: UnsafeRawPointer, count: Int,
                                into dst: UnsafeMutablePointer<Float>) throws {
        try decodeBlockQuantized(dtype, src, count: count, into: dst)
    }
}
