// Checks the global heap collections of a file before libhdf5 parses them: they have no checksum, and
// libhdf5 1.10.8 follows their sizes unchecked.
import Foundation

/// The structure of every global heap collection in a file's metadata, checked the way libhdf5 will walk
/// it (HDF5 File Format Specification III.E "Global Heap"):
///
/// ```
/// collection: "GCOL" | version 1 | 3 reserved | collection size (length: 8 bytes) | objects …
/// object:     heap object index (2) | reference count (2) | reserved (4) | object size (8) | data, padded to 8
/// ```
/// Object index 0 is the free space; its size counts its own 16-byte header. libhdf5's decoder
/// (`H5HG__cache_heap_deserialize`) steps from object to object by those sizes: a free-space object of size
/// 0 makes it loop forever, and an object whose size runs past the collection's end makes `H5HG_read` copy
/// that many bytes (SIGSEGV). Both are refused here, before libhdf5 sees them.
///
/// A variable-length value in an attribute of a version-1 object header (IV.A.1.a, no checksum: the
/// earliest format) refers to its object by a global heap ID after its element count:
///
/// ```
/// variable-length element: sequence length (4) | collection address (offset: 8) | object index (4)
/// ```
/// libhdf5 1.10.8 allocates and fills `sequence length × element size` bytes for it (`H5T__conv_vlen`) and
/// then copies the object in: a flipped high byte of the length makes one string attribute a gigabyte —
/// seconds of memset and copying, or an out-of-memory; an index past the collection's objects is not
/// checked in a release build (`H5HG_read`). So every variable-length attribute value of the object
/// headers listed is checked against the collection it names: the object must exist and hold at least
/// `length` bytes (a string's object holds exactly its bytes; a sequence of wider elements holds
/// `length × size` ≥ `length`). IDs naming no collection found here are left to libhdf5, which checks a
/// collection's signature before it reads one.
///
/// Collections are found by their signature in the bytes outside the datasets' contiguous raw data (a
/// collection's own objects are skipped, so string values reading "GCOL" are not mistaken for one). Only
/// files whose superblock (at byte 0) gives 8-byte offsets and lengths are checked — every file this tool
/// and h5py write; others are left to the probe process alone.
enum GlobalHeapCheck {
    /// Bytes outside raw data beyond which the scan is skipped (a file of many chunks, whose raw data is not
    /// excluded): the probe's timeout still bounds libhdf5 there.
    static let scanLimit = 256 << 20

    /// The first problem found, as a sentence, or nil.
    /// `objectHeaders`: addresses of the file's object headers, whose attribute messages are checked where
    /// the header is version 1 (version-2 headers carry a checksum).
    static func firstProblem(in url: URL, rawData: [Range<Int>], objectHeaders: [UInt64] = []) -> String? {
        guard let bytes = try? Data(contentsOf: url, options: .alwaysMapped) else { return nil }
        return bytes.withUnsafeBytes { (file: UnsafeRawBufferPointer) -> String? in
            guard hasEightByteSizes(file) else { return nil }
            let gaps = metadataRanges(size: file.count, rawData: rawData)
            var collections: [UInt64: Collection] = [:]
            for gap in gaps.reduce(0, { $0 + $1.count }) <= scanLimit ? gaps : [] {
                var position = gap.lowerBound
                while position + 4 <= gap.upperBound {
                    guard file[position] == 0x47, file[position + 1] == 0x43, file[position + 2] == 0x4f,
                          file[position + 3] == 0x4c, position + 16 <= file.count, file[position + 4] == 1 else {
                        position += 1
                        continue
                    }
                    switch check(collectionAt: position, in: file) {
                    case .success(let collection):
                        collections[UInt64(position)] = collection
                        position = collection.end
                    case .failure(let problem): return problem.text
                    }
                }
            }
            for header in objectHeaders {
                if let problem = firstBadReference(inHeaderAt: header, of: file, collections: collections) { return problem }
            }
            return nil
        }
    }

    /// A collection's end offset and its objects' sizes by index (the free space, index 0, left out).
    struct Collection {
        let end: Int
        let objectSizes: [Int: UInt64]
    }

    /// The first variable-length attribute value of the version-1 object header at `address` (IV.A.1.a:
    /// version 1, reserved, message count (2), reference count (4), header size (4), 4 bytes of padding;
    /// messages of type (2), size (2), flags (1), 3 reserved, data, each 8-aligned; continuation messages,
    /// type 0x10, give further chunks as address (8) and length (8)) that runs past its own size or whose
    /// heap ID names a missing or too short object (`checkAttribute`). Anything else that does not parse is
    /// left to libhdf5, which reports it.
    private static func firstBadReference(inHeaderAt address: UInt64, of file: UnsafeRawBufferPointer,
                                          collections: [UInt64: Collection]) -> String? {
        guard address < UInt64(file.count), Int(address) + 16 <= file.count, file[Int(address)] == 1 else { return nil }
        let start = Int(address)
        var remaining = Int(littleEndian16(file, start + 2))
        var chunks = [(start + 16, Int(littleEndian32(file, start + 8)))]
        while let (chunk, length) = chunks.first, remaining > 0 {
            chunks.removeFirst()
            guard length >= 0, chunk + length <= file.count else { return nil }
            var message = chunk
            while message + 8 <= chunk + length, remaining > 0 {
                remaining -= 1
                let type = littleEndian16(file, message), size = Int(littleEndian16(file, message + 2))
                let body = message + 8
                guard body + size <= chunk + length else { return nil }
                if type == 0x10, size >= 16 {
                    let next = littleEndian(file, body), nextLength = littleEndian(file, body + 8)
                    guard next < UInt64(file.count), nextLength <= UInt64(file.count) else { return nil }
                    chunks.append((Int(next), Int(nextLength)))
                } else if type == 0x0c, let problem = checkAttribute(body ..< body + size, of: file, collections: collections) {
                    return problem
                }
                message = body + size
            }
        }
        return nil
    }

    /// An attribute message (IV.A.2.m: version, flags or reserved, name size (2), datatype size (2),
    /// dataspace size (2), [version 3: name encoding (1)], then name, datatype, dataspace — each padded to
    /// 8 bytes in version 1 — and the data) whose parts run past its end, or whose data (elements of the
    /// dataspace × the datatype's size, IV.A.2.b and IV.A.2.d) does not fit in it: libhdf5 1.10.8 decodes the
    /// parts at the offsets the sizes give and copies the data without comparing either with the message's
    /// size, reading past the object header's buffer (the scans' SIGSEGVs). A variable-length datatype's
    /// elements (class 9: 16 bytes each) are then checked against the heap.
    private static func checkAttribute(_ body: Range<Int>, of file: UnsafeRawBufferPointer,
                                       collections: [UInt64: Collection]) -> String? {
        guard body.count >= 8 else { return nil }
        let version = file[body.lowerBound]
        // Other versions, and a shared datatype or dataspace (flags of versions 2 and 3), libhdf5 refuses or
        // reads from elsewhere.
        guard version >= 1, version <= 3, version == 1 || file[body.lowerBound + 1] == 0 else { return nil }
        let pad = { (size: Int) in version == 1 ? (size + 7) & ~7 : size }
        let nameSize = Int(littleEndian16(file, body.lowerBound + 2))
        let datatypeSize = Int(littleEndian16(file, body.lowerBound + 4))
        let dataspaceSize = Int(littleEndian16(file, body.lowerBound + 6))
        let datatype = body.lowerBound + (version == 3 ? 9 : 8) + pad(nameSize)
        let dataspace = datatype + pad(datatypeSize)
        let data = dataspace + pad(dataspaceSize)
        let message = "the attribute message at byte \(body.lowerBound - 8)"
        guard data <= body.upperBound else {
            return "\(message) claims a name, datatype and dataspace of \(nameSize), \(datatypeSize) and \(dataspaceSize) bytes, past its end (\(body.count) bytes)"
        }
        guard datatypeSize >= 8, dataspaceSize >= 4 else { return nil }
        // Dataspace (IV.A.2.b): version 1 — version, rank, flags, 5 reserved, sizes; version 2 — version,
        // rank, flags, type (0 scalar, 1 simple, 2 null), sizes; 8 bytes each. Other forms: libhdf5 refuses.
        let spaceVersion = file[dataspace], rank = Int(file[dataspace + 1])
        let sizes = dataspace + (spaceVersion == 1 ? 8 : 4)
        guard spaceVersion == 1 || spaceVersion == 2, rank <= 32, sizes + 8 * rank <= dataspace + dataspaceSize else { return nil }
        if spaceVersion == 2 && file[dataspace + 3] == 2 { return nil }
        let isVariableLength = file[datatype] & 0x0f == 9
        let elementSize = isVariableLength ? 16 : Int(littleEndian32(file, datatype + 4))
        let room = body.upperBound - data
        var count = 1, bytes = elementSize
        for d in 0..<rank {
            let extent = littleEndian(file, sizes + 8 * d)
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(clamping: extent))
            let (total, totalOverflow) = product.multipliedReportingOverflow(by: elementSize)
            guard !overflow, !totalOverflow, total <= room else {
                return "\(message) claims \(extent) elements in dimension \(d) of its value (\(elementSize) bytes each), past its end (\(room) bytes remain)"
            }
            count = product
            bytes = total
        }
        guard bytes <= room else {
            return "\(message) claims a value of \(bytes) bytes, past its end (\(room) bytes remain)"
        }
        guard isVariableLength else { return nil }
        for element in 0..<count {
            let id = data + 16 * element
            let length = littleEndian32(file, id), address = littleEndian(file, id + 4)
            let index = Int(littleEndian32(file, id + 12))
            guard let collection = collections[address] else { continue }
            guard let size = collection.objectSizes[index] else {
                return "the variable-length attribute value at byte \(id) names object \(index) of the global heap collection at byte \(address), which has no such object"
            }
            if UInt64(length) > size {
                return "the variable-length attribute value at byte \(id) claims \(length) elements, but its object (\(index) of the global heap collection at byte \(address)) holds \(size) bytes"
            }
        }
        return nil
    }

    struct Problem: Error { let text: String }

    /// Walks the collection at `start` as libhdf5 would; its end and objects, or what is wrong.
    static func check(collectionAt start: Int, in file: UnsafeRawBufferPointer) -> Result<Collection, Problem> {
        let size = littleEndian(file, start + 8)
        guard size >= 16, size <= UInt64(file.count - start) else {
            return .failure(Problem(text: "the global heap collection at byte \(start) claims \(size) bytes, past the end of the file (\(file.count) bytes)"))
        }
        let end = start + Int(size)
        var objectSizes: [Int: UInt64] = [:]
        var object = start + 16
        while object < end {
            // Fewer bytes than an object header: libhdf5 takes them as free space.
            if end - object < 16 { break }
            let index = Int(file[object]) | Int(file[object + 1]) << 8
            let objectSize = littleEndian(file, object + 8)
            let room = UInt64(end - object)
            if index == 0 {
                guard objectSize >= 16, objectSize <= room else {
                    return .failure(Problem(text: "the free space of the global heap collection at byte \(start) has size \(objectSize) (at byte \(object); \(room) bytes remain)"))
                }
                object += Int(objectSize)
            } else {
                guard objectSize <= room - 16 else {
                    return .failure(Problem(text: "object \(index) of the global heap collection at byte \(start) has size \(objectSize), past the collection's end (\(room - 16) bytes remain)"))
                }
                objectSizes[index] = objectSize
                let padded = (Int(objectSize) + 7) & ~7
                object += 16 + padded
            }
        }
        return .success(Collection(end: end, objectSizes: objectSizes))
    }

    /// The superblock at byte 0 (II.A) says offsets and lengths take 8 bytes: version 0/1 at bytes 13–14,
    /// version 2/3 at bytes 9–10.
    private static func hasEightByteSizes(_ file: UnsafeRawBufferPointer) -> Bool {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        guard file.count >= 16, (0..<8).allSatisfy({ file[$0] == signature[$0] }) else { return false }
        switch file[8] {
        case 0, 1: return file[13] == 8 && file[14] == 8
        case 2, 3: return file[9] == 8 && file[10] == 8
        default: return false
        }
    }

    /// `0..<size` without the raw-data ranges.
    private static func metadataRanges(size: Int, rawData: [Range<Int>]) -> [Range<Int>] {
        var gaps: [Range<Int>] = []
        var position = 0
        for range in rawData.map({ $0.clamped(to: 0..<size) }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if range.lowerBound > position { gaps.append(position..<range.lowerBound) }
            position = max(position, range.upperBound)
        }
        if position < size { gaps.append(position..<size) }
        return gaps
    }

    private static func littleEndian(_ file: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(file[offset + $1]) << (8 * UInt64($1)) }
    }

    private static func littleEndian16(_ file: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(file[offset]) | UInt16(file[offset + 1]) << 8
    }

    private static func littleEndian32(_ file: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(file[offset + $1]) << (8 * UInt32($1)) }
    }
}
