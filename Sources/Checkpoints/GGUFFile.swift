// GGUF (ggml's model container), read in place from a memory map.
//
// Format (ggml `docs/gguf.md`, versions 2 and 3; all integers little-endian):
//   header    magic "GGUF" (u32 0x46554747) · version u32 · n_tensors u64 · n_kv u64
//   metadata  n_kv × { key: string · value_type u32 · value }
//   tensors   n_tensors × { name: string · n_dims u32 · ne[n_dims] u64 · ggml_type u32 · offset u64 }
//   padding   to a multiple of `general.alignment` (u32, default 32)
//   data      each tensor at data_start + offset (offset a multiple of the alignment)
//   string = u64 byte length · UTF-8 bytes (no terminator)
//   array  = element value_type u32 · count u64 · elements (arrays may nest)
// `ne[0]` is the innermost (contiguous) dimension, so the logical shape is `ne` reversed.
// Version 1 used u32 counts and lengths; it is refused.
import Foundation

/// A GGUF file: its metadata and tensor infos parsed from the header, tensor data read in place from a
/// read-only memory map. Every count and length is checked against the bytes left in the file before
/// anything is allocated from it.
public final class GGUFFile: TensorStore {
    public let path: String
    /// Format version (2 or 3).
    public let version: Int
    /// All metadata key/value pairs.
    public let metadata: [String: MetadataValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos by GGUF name (shape outermost first, i.e. `ne` reversed).
    public let tensors: [String: TensorInfo]
    /// Tensor names in file order.
    public let tensorNames: [String]
    /// `general.alignment` (32 when absent).
    public let alignment: Int
    /// Byte offset in the file where tensor data begins.
    public let dataOffset: Int
    /// Absolute file offset of each tensor's first byte.
    private let tensorStart: [String: Int]
    private let file: MappedFile

    /// Largest nesting of arrays inside arrays that is accepted (real files use 1); bounds recursion.
    static let maximumArrayDepth = 8
    /// Longest metadata array accepted (vocabularies are below 2^20 entries).
    static let maximumArrayLength = 1 << 24
    /// ggml's GGML_MAX_DIMS.
    static let maximumDimensions = 4

    /// Opens and parses the GGUF file at `url`.
    public convenience init(url: URL) throws {
        try self.init(mapped: MappedFile(url))
    }

    init(mapped file: MappedFile) throws {
        self.file = file
        let path = file.url.path
        self.path = path
        var r = GGUFCursor(bytes: file.all, path: path)

        // MARK: Header
        let magic = try r.u32()
        guard magic == 0x4655_4747 else { throw CheckpointError.badMagic(file: path, expected: "GGUF") }
        let rawVersion = try r.u32()
        if rawVersion == 1 {
            throw CheckpointError.unsupportedVersion(file: path, version: 1)
        }
        if rawVersion.byteSwapped == 2 || rawVersion.byteSwapped == 3 {
            throw CheckpointError.unsupported(file: path, reason: "big-endian GGUF")
        }
        guard rawVersion == 2 || rawVersion == 3 else {
            throw CheckpointError.unsupportedVersion(file: path, version: Int(rawVersion))
        }
        version = Int(rawVersion)
        // Each tensor info takes at least 8 (name) + 4 + 8 (one dim) + 4 + 8 bytes; each pair at least
        // 8 (key) + 4 + 1 bytes. Counts beyond what the file can hold are refused before any loop runs.
        let tensorCount = try r.count(minimumElementSize: 32, what: "tensor count")
        let kvCount = try r.count(minimumElementSize: 13, what: "metadata count")

        // MARK: Metadata
        var metadata: [String: MetadataValue] = [:]
        var keys: [String] = []
        for _ in 0..<kvCount {
            let key = try r.string()
            let type = try r.valueType()
            let value = try r.value(type, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw CheckpointError.malformed(file: path, reason: "metadata key \(key) appears twice")
            }
            keys.append(key)
        }

        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard case let .uint32(v) = a, v > 0, v.nonzeroBitCount == 1 else {
                throw CheckpointError.malformed(file: path, reason: "general.alignment must be a power of two (u32)")
            }
            alignment = Int(v)
        }

        // MARK: Tensor infos
        var infos: [String: TensorInfo] = [:]
        var names: [String] = []
        var relativeOffsets: [String: Int] = [:]
        for _ in 0..<tensorCount {
            let name = try r.string()
            let nDims = Int(try r.u32())
            guard (1...Self.maximumDimensions).contains(nDims) else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name) has \(nDims) dimensions (1…4 allowed)")
            }
            var ne: [Int] = []
            for _ in 0..<nDims {
                let n = try r.u64()
                guard n <= UInt64(Int.max) else {
                    throw CheckpointError.malformed(file: path, reason: "tensor \(name) has dimension \(n)")
                }
                ne.append(Int(n))
            }
            let typeCode = try r.u32()
            let offset = try r.u64()
            guard let dtype = GGMLType.dtype(typeCode) else {
                throw CheckpointError.unknownDType(file: path, tensor: name, dtype: GGMLType.name(typeCode))
            }
            // The product of the non-zero dimensions bounds every partial product (in any order), so
            // neither the element count nor a row length computed from the shape can overflow.
            var elements = 1
            for n in ne where n != 0 {
                let (p, overflow) = elements.multipliedReportingOverflow(by: n)
                guard !overflow else {
                    throw CheckpointError.malformed(file: path, reason: "tensor \(name) has an absurd shape \(ne.reversed())")
                }
                elements = p
            }
            if ne.contains(0) { elements = 0 }
            // ggml quantizes along ne[0]: each row must be a whole number of blocks.
            guard ne[0] % dtype.blockLayout.elements == 0, let bytes = dtype.byteCount(elements: elements) else {
                throw CheckpointError.malformed(
                    file: path, reason: "tensor \(name): row of \(ne[0]) elements is not whole \(dtype.rawValue) blocks")
            }
            guard offset <= UInt64(Int.max), Int(offset) % alignment == 0 else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name) offset \(offset) is not aligned to \(alignment)")
            }
            guard infos.updateValue(TensorInfo(name: name, dtype: dtype, shape: ne.reversed(), byteCount: bytes),
                                    forKey: name) == nil else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name) appears twice")
            }
            names.append(name)
            relativeOffsets[name] = Int(offset)
        }

        // MARK: Data
        let (padded, overflow) = r.offset.addingReportingOverflow(alignment - 1)
        guard !overflow else { throw CheckpointError.malformed(file: path, reason: "header too large") }
        let dataOffset = padded / alignment * alignment
        var starts: [String: Int] = [:]
        for name in names {
            guard let info = infos[name], let rel = relativeOffsets[name] else { continue }
            let (start, o1) = dataOffset.addingReportingOverflow(rel)
            let (end, o2) = start.addingReportingOverflow(info.byteCount)
            guard !o1, !o2, end <= file.count else {
                throw CheckpointError.truncated(file: path, needed: o1 || o2 ? Int.max : end, size: file.count)
            }
            starts[name] = start
        }

        self.metadata = metadata
        self.metadataKeys = keys
        self.alignment = alignment
        self.tensors = infos
        self.tensorNames = names
        self.dataOffset = dataOffset
        self.tensorStart = starts
    }

    // MARK: - Tensor data

    /// The absolute byte range of a tensor's data in the file.
    public func fileRange(of name: String) throws -> Range<Int> {
        guard let info = tensors[name], let start = tensorStart[name] else {
            throw CheckpointError.tensorNotFound(file: path, tensor: name)
        }
        return start..<(start + info.byteCount)
    }

    /// The whole memory map (to relate pointers returned by `rawBytes` to file offsets).
    public var mappedBytes: UnsafeRawBufferPointer { file.all }

    public func rawBytes(_ name: String, rows: Range<Int>?) throws -> UnsafeRawBufferPointer {
        guard let info = tensors[name], let start = tensorStart[name] else {
            throw CheckpointError.tensorNotFound(file: path, tensor: name)
        }
        guard let rows, rows != 0..<info.rows else {
            return try file.bytes(at: start, count: info.byteCount)
        }
        guard rows.lowerBound >= 0, rows.upperBound <= info.rows else {
            throw CheckpointError.malformed(file: path, reason: "rows \(rows) out of range for \(name) with \(info.rows) rows")
        }
        guard let rowBytes = info.dtype.byteCount(elements: info.rowLength) else {
            throw CheckpointError.unsupported(
                file: path, reason: "row ranges of \(name): a row of \(info.rowLength) is not whole \(info.dtype.rawValue) blocks")
        }
        return try file.bytes(at: start + rows.lowerBound * rowBytes, count: rows.count * rowBytes)
    }

    public func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws {
        guard let info = tensors[name] else { throw CheckpointError.tensorNotFound(file: path, tensor: name) }
        let bytes = try rawBytes(name, rows: rows)
        let count = rows.map { $0.count * info.rowLength } ?? info.elementCount
        if count == 0 { return }
        guard output.count >= count, let out = output.baseAddress else {
            throw CheckpointError.malformed(
                file: path, reason: "output buffer of \(output.count) floats is too small for \(count) elements of \(name)")
        }
        do {
            try ElementDecoder.decode(info.dtype, bytes, count: count, into: out)
        } catch CheckpointError.malformed(_, let reason) {
            throw CheckpointError.malformed(file: path, reason: "tensor \(name): \(reason)")
        }
    }
}

// MARK: - Cursor

/// Sequential little-endian reads over the mapped header; every read is bounds-checked.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    private mutating func advance(_ n: Int) throws -> Int {
        guard n >= 0, n <= remaining else {
            throw CheckpointError.truncated(file: path, needed: offset &+ n, size: bytes.count)
        }
        defer { offset += n }
        return offset
    }

    private mutating func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let at = try advance(MemoryLayout<T>.size)
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    mutating func u8() throws -> UInt8 { try load(UInt8.self) }
    mutating func u16() throws -> UInt16 { try load(UInt16.self) }
    mutating func u32() throws -> UInt32 { try load(UInt32.self) }
    mutating func u64() throws -> UInt64 { try load(UInt64.self) }

    /// A u64 count of items each at least `minimumElementSize` bytes, refused when the rest of the file
    /// cannot hold that many.
    mutating func count(minimumElementSize: Int, what: String) throws -> Int {
        let n = try u64()
        guard n <= UInt64(remaining / max(minimumElementSize, 1)) else {
            throw CheckpointError.malformed(
                file: path, reason: "\(what) \(n) at byte \(offset - 8) cannot fit in the \(remaining) bytes left")
        }
        return Int(n)
    }

    mutating func string() throws -> String {
        let n = try u64()
        guard n <= UInt64(remaining) else {
            throw CheckpointError.malformed(
                file: path, reason: "string length \(n) at byte \(offset - 8) runs past the end of the file")
        }
        let at = try advance(Int(n))
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + Int(n))]), as: UTF8.self)
    }

    mutating func valueType() throws -> GGUFValueType {
        let code = try u32()
        guard let t = GGUFValueType(rawValue: code) else {
            throw CheckpointError.malformed(file: path, reason: "unknown metadata value type \(code) at byte \(offset - 4)")
        }
        return t
    }

    mutating func value(_ type: GGUFValueType, depth: Int) throws -> MetadataValue {
        switch type {
        case .uint8: return .uint8(try u8())
        case .int8: return .int8(Int8(bitPattern: try u8()))
        case .uint16: return .uint16(try u16())
        case .int16: return .int16(Int16(bitPattern: try u16()))
        case .uint32: return .uint32(try u32())
        case .int32: return .int32(Int32(bitPattern: try u32()))
        case .uint64: return .uint64(try u64())
        case .int64: return .int64(Int64(bitPattern: try u64()))
        case .float32: return .float32(Float(bitPattern: try u32()))
        case .float64: return .float64(Double(bitPattern: try u64()))
        case .bool:
            let b = try u8()
            guard b <= 1 else { throw CheckpointError.malformed(file: path, reason: "bool value \(b) at byte \(offset - 1)") }
            return .bool(b == 1)
        case .string: return .string(try string())
        case .array:
            guard depth < GGUFFile.maximumArrayDepth else {
                throw CheckpointError.malformed(file: path, reason: "arrays nested deeper than \(GGUFFile.maximumArrayDepth)")
            }
            let elementType = try valueType()
            let n = try count(minimumElementSize: elementType.minimumSize, what: "array length")
            // Elements are held as `MetadataValue`s, far larger than their stored bytes: cap the length.
            guard n <= GGUFFile.maximumArrayLength else {
                throw CheckpointError.malformed(
                    file: path, reason: "array length \(n) exceeds \(GGUFFile.maximumArrayLength)")
            }
            var elements: [MetadataValue] = []
            elements.reserveCapacity(n)
            for _ in 0..<n { elements.append(try value(elementType, depth: depth + 1)) }
            return .array(elements)
        }
    }
}
