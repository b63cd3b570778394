// Byte-level writers for the test inputs: pickles, ZIP archives (optionally ZIP64), torch.save-like .bin
// files and safetensors files, written by hand so each field can be set right or wrong on purpose.
import Foundation
import TestSupport

/// Emits pickle opcodes (CPython pickletools names).
struct PickleWriter {
    var bytes: [UInt8] = []

    mutating func op(_ code: UInt8) { bytes.append(code) }
    mutating func proto() { bytes += [0x80, 2] }
    mutating func emptyDict() { op(0x7D) }
    mutating func emptyTuple() { op(0x29) }
    mutating func mark() { op(0x28) }
    mutating func tuple() { op(0x74) }
    mutating func tuple2() { op(0x86) }
    mutating func reduce() { op(0x52) }
    mutating func setItems() { op(0x75) }
    mutating func binPersId() { op(0x51) }
    mutating func newFalse() { op(0x89) }
    mutating func stop() { op(0x2E) }
    mutating func binPut(_ i: UInt8) { bytes += [0x71, i] }
    mutating func binGet(_ i: UInt8) { bytes += [0x68, i] }
    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        bytes.append(0x58)
        bytes += le32(UInt32(u.count))
        bytes += u
    }
    mutating func global(_ module: String, _ name: String) {
        bytes.append(0x63)
        bytes += Array("\(module)\n\(name)\n".utf8)
    }
    mutating func int(_ v: Int) {
        if v >= 0, v < 256 { bytes += [0x4B, UInt8(v)] }
        else if v >= 0, v < 65536 { bytes += [0x4D, UInt8(v & 0xFF), UInt8(v >> 8)] }
        else { bytes.append(0x4A); bytes += le32(UInt32(truncatingIfNeeded: v)) }
    }
    mutating func intTuple(_ values: [Int]) {
        mark()
        for v in values { int(v) }
        tuple()
    }
}

/// A tensor of a synthetic state dict: a view of storage `key`.
struct SyntheticTensor {
    var name: String
    var storageKey: String
    var storageType = "FloatStorage"
    var storageElements: Int
    var offset = 0
    var shape: [Int]
    var stride: [Int]? = nil

    var contiguousStride: [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in shape.indices.reversed() { s[i] = acc; acc *= shape[i] }
        return s
    }
}

/// The pickle `torch.save(state_dict)` writes for `tensors` (protocol 2, as in the fixture shards).
/// With `longMemo`, the rebuild function is memoized at index 1000 (LONG_BINPUT / LONG_BINGET, as in large
/// state dicts) and storage sizes are LONG1 integers.
func stateDictPickle(_ tensors: [SyntheticTensor], longMemo: Bool = false) -> [UInt8] {
    var p = PickleWriter()
    p.proto()
    p.global("collections", "OrderedDict")
    p.emptyTuple()
    p.reduce()
    p.mark()
    for (i, t) in tensors.enumerated() {
        p.string(t.name)
        if longMemo, i > 0 {
            p.bytes += [0x6A] + le32(1000)  // LONG_BINGET
        } else {
            p.global("torch._utils", "_rebuild_tensor_v2")
            if longMemo { p.bytes += [0x72] + le32(1000) }  // LONG_BINPUT
        }
        p.mark()
        p.mark()
        p.string("storage")
        p.global("torch", t.storageType)
        p.string(t.storageKey)
        p.string("cpu")
        if longMemo {
            p.bytes += [0x8A, 3] + Array(le32(UInt32(t.storageElements)).prefix(3))  // LONG1, 3 bytes
        } else {
            p.int(t.storageElements)
        }
        p.tuple()
        p.binPersId()
        p.int(t.offset)
        p.intTuple(t.shape)
        p.intTuple(t.stride ?? t.contiguousStride)
        p.newFalse()
        p.global("collections", "OrderedDict")
        p.emptyTuple()
        p.reduce()
        p.tuple()
        p.reduce()
    }
    p.setItems()
    p.stop()
    return p.bytes
}

/// A ZIP writer: stored entries, or (for tests of refusal) a declared compression method.
/// With `zip64`, sizes and offsets go to ZIP64 extra fields and the ZIP64 EOCD record + locator.
func zipArchive(_ entries: [(name: String, data: [UInt8])], zip64: Bool = false, method: UInt16 = 0) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    for (name, data) in entries {
        let offset = out.count
        let n = Array(name.utf8)
        out += le32(0x0403_4b50) + le16(20) + le16(0) + le16(method) + le16(0) + le16(0) + le32(0)
        out += le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(n.count)) + le16(0)
        out += n + data
        central += le32(0x0201_4b50) + le16(45) + le16(45) + le16(0) + le16(method) + le16(0) + le16(0) + le32(0)
        if zip64 {
            let extra = le16(1) + le16(24) + le64(UInt64(data.count)) + le64(UInt64(data.count)) + le64(UInt64(offset))
            central += le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(UInt16(n.count)) + le16(UInt16(extra.count))
            central += le16(0) + le16(0) + le16(0) + le32(0) + le32(0xFFFF_FFFF) + n + extra
        } else {
            central += le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(n.count)) + le16(0)
            central += le16(0) + le16(0) + le16(0) + le32(0) + le32(UInt32(offset)) + n
        }
    }
    let directoryOffset = out.count
    out += central
    if zip64 {
        let record = out.count
        out += le32(0x0606_4b50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
        out += le64(UInt64(entries.count)) + le64(UInt64(entries.count))
        out += le64(UInt64(central.count)) + le64(UInt64(directoryOffset))
        out += le32(0x0706_4b50) + le32(0) + le64(UInt64(record)) + le32(1)
        out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF)
        out += le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(0)
    } else {
        out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
        out += le32(UInt32(central.count)) + le32(UInt32(directoryOffset)) + le16(0)
    }
    return out
}

/// A torch.save-like zip: `archive/data.pkl` plus one `archive/data/<key>` entry per storage.
func torchBin(pickle: [UInt8], storages: [(key: String, bytes: [UInt8])], zip64: Bool = false,
              method: UInt16 = 0) -> [UInt8] {
    var entries: [(name: String, data: [UInt8])] = [("archive/data.pkl", pickle), ("archive/byteorder", Array("little".utf8))]
    for s in storages { entries.append(("archive/data/\(s.key)", s.bytes)) }
    entries.append(("archive/version", Array("3\n".utf8)))
    return zipArchive(entries, zip64: zip64, method: method)
}

/// A safetensors file: u64 header length, the header text, the data.
func safetensors(header: String, data: [UInt8]) -> [UInt8] {
    let h = Array(header.utf8)
    return le64(UInt64(h.count)) + h + data
}

/// A safetensors file of float32 tensors (in the given order), header built from their shapes.
func safetensors(_ tensors: [(name: String, shape: [Int], values: [Float])]) -> [UInt8] {
    var data: [UInt8] = []
    var fields: [String] = []
    for t in tensors {
        let begin = data.count
        for v in t.values { data += le32(v.bitPattern) }
        fields.append("\"\(t.name)\":{\"dtype\":\"F32\",\"shape\":\(t.shape),\"data_offsets\":[\(begin),\(data.count)]}")
    }
    return safetensors(header: "{" + fields.joined(separator: ",") + "}", data: data)
}

func floatBytes(_ values: [Float]) -> [UInt8] { values.flatMap { le32($0.bitPattern) } }
func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) } }

/// One temporary folder for this test process's small synthetic files, removed at exit.
private let syntheticFolder: URL? = {
    let url = try? TestPaths.temporaryDirectory("checkpoints")
    if url != nil { atexit { if let url = syntheticFolder { try? FileManager.default.removeItem(at: url) } } }
    return url
}()

/// Writes `bytes` to a new uniquely named file ending in `name`.
func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> URL {
    let folder = try syntheticFolder ?? TestPaths.temporaryDirectory("checkpoints")
    let url = folder.appendingPathComponent("\(UUID().uuidString)-\(name)")
    try Data(bytes).write(to: url)
    return url
}
