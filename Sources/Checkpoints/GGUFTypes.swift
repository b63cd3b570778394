// The numeric codes of the GGUF container: metadata value types and ggml tensor types.

/// Metadata value type codes (`gguf_type` in ggml's `gguf.h`; the GGUF spec, "Metadata value types").
enum GGUFValueType: UInt32 {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Size in bytes of a fixed-size value; nil for strings and arrays.
    var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// The fewest bytes a value of this type can occupy (a string is at least its u64 length, an array
    /// its u32 element type and u64 count). Used to bound element counts before reading them.
    var minimumSize: Int { fixedSize ?? (self == .string ? 8 : 12) }
}

/// ggml tensor type codes (`enum ggml_type` in `ggml.h`).
enum GGMLType {
    /// The `DType` of a ggml type code, or nil when Interlingua cannot decode it.
    static func dtype(_ code: UInt32) -> DType? {
        switch code {
        case 0: return .f32
        case 1: return .f16
        case 2: return .q4_0
        case 3: return .q4_1
        case 6: return .q5_0
        case 7: return .q5_1
        case 8: return .q8_0
        case 10: return .q2_K
        case 11: return .q3_K
        case 12: return .q4_K
        case 13: return .q5_K
        case 14: return .q6_K
        case 20: return .iq4_nl
        case 23: return .iq4_xs
        case 24: return .i8
        case 25: return .i16
        case 26: return .i32
        case 27: return .i64
        case 28: return .f64
        case 30: return .bf16
        default: return nil
        }
    }

    /// ggml's name for a type code (for error messages about types Interlingua does not decode).
    static func name(_ code: UInt32) -> String {
        let names: [UInt32: String] = [
            4: "Q4_2", 5: "Q4_3", 9: "Q8_1", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS",
            19: "IQ1_S", 21: "IQ3_S", 22: "IQ2_S", 29: "IQ1_M", 31: "Q4_0_4_4", 32: "Q4_0_4_8",
            33: "Q4_0_8_8", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
        ]
        if let d = dtype(code) { return d.rawValue }
        return "\(names[code] ?? "unknown") (ggml type \(code))"
    }
}
