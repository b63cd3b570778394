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
/// Collections are found by their signature in the bytes outside the datasets' contiguous raw data (a
/// collection's own objects are skipped, so string values reading "GCOL" are not mistaken for one). Only
/// files whose superblock (at byte 0) gives 8-byte offsets and lengths are checked — every file this tool
/// and h5py write; others are left to the probe process alone.
enum GlobalHeapCheck {
    /// Bytes outside raw data beyond which the scan is skipped (a file of many chunks, whose raw data is not
    /// excluded): the probe's timeout still bounds libhdf5 there.
    static let scanLimit = 256 << 20

    /// The first problem found, as a sentence, or nil.
    static func firstProblem(in url: URL, rawData: [Range<Int>]) -> String? {
        guard let bytes = try? Data(contentsOf: url, options: .alwaysMapped) else { return nil }
        return bytes.withUnsafeBytes { (file: UnsafeRawBufferPointer) -> String? in
            guard hasEightByteSizes(file) else { return nil }
            let gaps = metadataRanges(size: file.count, rawData: rawData)
            guard gaps.reduce(0, { $0 + $1.count }) <= scanLimit else { return nil }
            for gap in gaps {
                var position = gap.lowerBound
                while position + 4 <= gap.upperBound {
                    guard file[position] == 0x47, file[position + 1] == 0x43, file[position + 2] == 0x4f,
                          file[position + 3] == 0x4c, position + 16 <= file.count, file[position + 4] == 1 else {
                        position += 1
                        continue
                    }
                    switch check(collectionAt: position, in: file) {
                    case .success(let end): position = end
                    case .failure(let problem): return problem.text
                    }
                }
            }
            return nil
        }
    }

    struct Problem: Error { let text: String }

    /// Walks the collection at `start` as libhdf5 would; its end offset, or what is wrong.
    static func check(collectionAt start: Int, in file: UnsafeRawBufferPointer) -> Result<Int, Problem> {
        let size = littleEndian(file, start + 8)
        guard size >= 16, size <= UInt64(file.count - start) else {
            return .failure(Problem(text: "the global heap collection at byte \(start) claims \(size) bytes, past the end of the file (\(file.count) bytes)"))
        }
        let end = start + Int(size)
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
                let padded = (Int(objectSize) + 7) & ~7
                object += 16 + padded
            }
        }
        return .success(end)
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
}
