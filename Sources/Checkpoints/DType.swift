// Element types of stored tensors, across PyTorch, safetensors and GGUF.

/// How a tensor's elements are stored. Plain types carry safetensors' names (`F32`, `BF16`, …);
/// block-quantized types carry ggml's names (`Q4_K`, `IQ4_XS`, …).
public enum DType: String, Sendable, CaseIterable, Codable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i8 = "I8", u8 = "U8", i16 = "I16", i32 = "I32", i64 = "I64", bool = "BOOL"
    case q4_0 = "Q4_0", q4_1 = "Q4_1", q5_0 = "Q5_0", q5_1 = "Q5_1", q8_0 = "Q8_0"
    case q2_K = "Q2_K", q3_K = "Q3_K", q4_K = "Q4_K", q5_K = "Q5_K", q6_K = "Q6_K"
    case iq4_nl = "IQ4_NL", iq4_xs = "IQ4_XS"

    /// Elements per block and bytes per block (1 element per "block" for plain types).
    /// Block sizes follow ggml-common.h: QK4_0 = QK8_0 = 32, QK_K = 256.
    public var blockLayout: (elements: Int, bytes: Int) {
        switch self {
        case .f64, .i64: return (1, 8)
        case .f32, .i32: return (1, 4)
        case .f16, .bf16, .i16: return (1, 2)
        case .i8, .u8, .bool: return (1, 1)
        case .q4_0: return (32, 18)
        case .q4_1: return (32, 20)
        case .q5_0: return (32, 22)
        case .q5_1: return (32, 24)
        case .q8_0: return (32, 34)
        case .q2_K: return (256, 84)
        case .q3_K: return (256, 110)
        case .q4_K: return (256, 144)
        case .q5_K: return (256, 176)
        case .q6_K: return (256, 210)
        case .iq4_nl: return (32, 18)
        case .iq4_xs: return (256, 136)
        }
    }

    /// True for ggml block-quantized types.
    public var isQuantized: Bool { blockLayout.elements > 1 }

    /// Bytes needed for `count` elements, or nil when `count` is not a whole number of blocks
    /// or the product overflows (callers turn nil into a typed error).
    public func byteCount(elements count: Int) -> Int? {
        let (per, bytes) = blockLayout
        guard count >= 0, count % per == 0 else { return nil }
        let (r, overflow) = (count / per).multipliedReportingOverflow(by: bytes)
        return overflow ? nil : r
    }
}

/// A tensor as a container describes it: its name there, element type, logical shape (outermost
/// dimension first, as PyTorch and safetensors report it; GGUF's `ne` reversed) and byte size.
public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var byteCount: Int

    public init(name: String, dtype: DType, shape: [Int], byteCount: Int) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteCount = byteCount
    }

    /// Number of elements (product of the shape; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Rows = the outermost dimension (1 for a scalar); a row is `elementCount / rows` elements.
    public var rows: Int { shape.first ?? 1 }
    public var rowLength: Int { shape.count <= 1 ? 1 : shape.dropFirst().reduce(1, *) }
}
