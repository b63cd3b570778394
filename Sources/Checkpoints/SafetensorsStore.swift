// safetensors files: an 8-byte header length, a JSON header, then the tensors' bytes.
//
// Format (huggingface/safetensors, "Format" in its README): u64 little-endian N; N bytes of UTF-8 JSON
// `{name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {str: str}}`;
// offsets are relative to the byte after the header, row-major (C order), little-endian.
import Foundation

enum SafetensorsStore {
    /// Headers beyond this are refused before anything is allocated (the reference implementation's
    /// own limit is 100 MB).
    static let maxHeaderBytes = 100_000_000

    /// safetensors dtype names → element type. Unsigned 16/32/64-bit and 8-bit floats have no `DType`.
    static let dtypes: [String: DType] = [
        "F64": .f64, "F32": .f32, "F16": .f16, "BF16": .bf16,
        "I64": .i64, "I32": .i32, "I16": .i16, "I8": .i8, "U8": .u8, "BOOL": .bool,
    ]

    /// Opens one safetensors file, validating every tensor's dtype, shape and byte range.
    static func open(_ url: URL) throws -> MappedTensorStore {
        let file = try MappedFile(url)
        let path = url.path
        let headerStart = 8
        let lengthBytes = try file.bytes(at: 0, count: 8)
        let declared = UInt64(littleEndian: lengthBytes.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(maxHeaderBytes) else {
            throw CheckpointError.malformed(file: path, reason: "header length \(declared) exceeds the \(maxHeaderBytes)-byte limit")
        }
        let headerLength = Int(declared)
        let header = try file.bytes(at: headerStart, count: headerLength)
        let dataStart = headerStart + headerLength
        let dataLength = file.count - dataStart
        guard let first = header.first, first == UInt8(ascii: "{") else {
            throw CheckpointError.badMagic(file: path, expected: "safetensors")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(header))
        } catch {
            throw CheckpointError.malformed(file: path, reason: "header is not valid JSON")
        }
        guard let entries = object as? [String: Any] else {
            throw CheckpointError.malformed(file: path, reason: "header is not a JSON object")
        }
        var tensors: [String: TensorInfo] = [:]
        var offsets: [String: Int] = [:]
        for (name, value) in entries where name != "__metadata__" {
            guard let fields = value as? [String: Any] else {
                throw CheckpointError.malformed(file: path, reason: "header entry \(name) is not an object")
            }
            guard let dtypeName = fields["dtype"] as? String else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name) has no dtype")
            }
            guard let dtype = dtypes[dtypeName] else {
                throw CheckpointError.unknownDType(file: path, tensor: name, dtype: dtypeName)
            }
            guard let shape = HuggingFaceJSON.ints(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name) has no valid shape")
            }
            guard let range = HuggingFaceJSON.ints(fields["data_offsets"]), range.count == 2,
                  range[0] >= 0, range[0] <= range[1] else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name) has no valid data_offsets")
            }
            guard let elements = elementCount(shape), let bytes = dtype.byteCount(elements: elements) else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name) has an absurd shape \(shape)")
            }
            guard range[1] - range[0] == bytes else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name): data_offsets \(range) span \(range[1] - range[0]) bytes, shape \(shape) of \(dtypeName) needs \(bytes)")
            }
            guard range[1] <= dataLength else {
                throw CheckpointError.truncated(file: path, needed: dataStart + range[1], size: file.count)
            }
            tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape, byteCount: bytes)
            offsets[name] = dataStart + range[0]
        }
        return MappedTensorStore(file: file, tensors: tensors, offsets: offsets)
    }

    /// Product of `shape`, or nil on overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            let (r, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = r
        }
        return n
    }
}
