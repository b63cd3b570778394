// A reader of the protobuf wire format, just enough for SentencePiece's `ModelProto`.

/// Protobuf wire format (https://protobuf.dev/programming-guides/encoding/): a message is a sequence of
/// fields, each a varint key `(field_number << 3) | wire_type` followed by a varint (type 0), 8 bytes
/// (type 1), a varint length and that many bytes (type 2) or 4 bytes (type 5). Every read is bounds-checked;
/// a truncated or inconsistent message throws `TokenizerError.malformed`.
struct ProtobufReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    private let data: ArraySlice<UInt8>
    private var position: Int
    private let source: String

    init(_ data: ArraySlice<UInt8>, source: String) {
        self.data = data
        self.position = data.startIndex
        self.source = source
    }

    var isAtEnd: Bool { position >= data.endIndex }

    private func fail(_ reason: String) -> TokenizerError {
        .malformed(source: source, reason: "protobuf: \(reason) at byte \(position)")
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < data.endIndex else { throw fail("truncated varint") }
            let byte = data[position]
            position += 1
            guard shift < 64 else { throw fail("varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// The next field: its number and value; nil at the end of the message.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard !isAtEnd else { return nil }
        let key = try readVarint()
        let field = Int(truncatingIfNeeded: key >> 3)
        guard field > 0 else { throw fail("field number 0") }
        switch key & 7 {
        case 0:
            return (field, .varint(try readVarint()))
        case 1:
            guard data.endIndex - position >= 8 else { throw fail("truncated 64-bit field \(field)") }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(data[position + i]) << (8 * UInt64(i)) }
            position += 8
            return (field, .fixed64(v))
        case 2:
            let length = try readVarint()
            guard length <= UInt64(data.endIndex - position) else {
                throw fail("field \(field) claims \(length) bytes, \(data.endIndex - position) remain")
            }
            let start = position
            position += Int(length)
            return (field, .bytes(data[start..<position]))
        case 5:
            guard data.endIndex - position >= 4 else { throw fail("truncated 32-bit field \(field)") }
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(data[position + i]) << (8 * UInt32(i)) }
            position += 4
            return (field, .fixed32(v))
        default:
            throw fail("unsupported wire type \(key & 7) for field \(field)")
        }
    }
}

extension ProtobufReader.Value {
    func int(_ source: String, _ field: String) throws -> Int64 {
        guard case let .varint(v) = self else {
            throw TokenizerError.wrongType(source: source, field: field, expected: "varint")
        }
        return Int64(bitPattern: v)
    }

    func bool(_ source: String, _ field: String) throws -> Bool { try int(source, field) != 0 }

    func float(_ source: String, _ field: String) throws -> Float {
        guard case let .fixed32(v) = self else {
            throw TokenizerError.wrongType(source: source, field: field, expected: "float (32-bit)")
        }
        return Float(bitPattern: v)
    }

    func bytes(_ source: String, _ field: String) throws -> ArraySlice<UInt8> {
        guard case let .bytes(b) = self else {
            throw TokenizerError.wrongType(source: source, field: field, expected: "length-delimited")
        }
        return b
    }

    func string(_ source: String, _ field: String) throws -> String {
        let b = try bytes(source, field)
        guard let s = String(validating: b, as: UTF8.self) else {
            throw TokenizerError.malformed(source: source, reason: "field '\(field)' is not valid UTF-8")
        }
        return s
    }
}
