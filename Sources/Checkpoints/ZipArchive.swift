// The ZIP container of `torch.save` files, read in place from a memory map.
//
// Format: PKWARE APPNOTE.TXT 6.3.x — §4.3.16 end of central directory record (EOCD), §4.3.14–15 ZIP64 EOCD
// record and locator, §4.3.12 central directory file header, §4.3.7 local file header, §4.5.3 ZIP64 extended
// information extra field (id 0x0001). `torch.save` writes every entry "stored" (method 0) and pads local
// headers so data is aligned; m-LLaMA's ~10 GB shards need ZIP64 sizes and offsets.
import Foundation

/// A ZIP archive whose entries are stored uncompressed, read in place.
public final class ZipArchive: @unchecked Sendable {
    /// One entry of the central directory.
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// 0 = stored; anything else is compressed and refused when read.
        public var method: UInt16
        public var flags: UInt16
        public var compressedSize: Int
        public var uncompressedSize: Int
        public var localHeaderOffset: Int
    }

    public let file: MappedFile
    /// Entries in central-directory order.
    public let entries: [Entry]
    private let byName: [String: Int]

    private static let eocdSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EOCDSignature: UInt32 = 0x0606_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50
    private static let eocdSize = 22, zip64LocatorSize = 20, zip64EOCDSize = 56, centralSize = 46, localSize = 30

    public convenience init(_ url: URL) throws {
        try self.init(file: MappedFile(url))
    }

    public init(file: MappedFile) throws {
        self.file = file
        let path = file.url.path
        let all = file.all
        guard all.count >= Self.eocdSize else {
            throw CheckpointError.truncated(file: path, needed: Self.eocdSize, size: all.count)
        }
        // The EOCD is the last 22 bytes plus a comment of at most 65535 bytes: scan backwards for it.
        var eocd = -1
        let lowest = max(0, all.count - Self.eocdSize - 0xFFFF)
        var i = all.count - Self.eocdSize
        while i >= lowest {
            if all.u32(i) == Self.eocdSignature, i + Self.eocdSize + Int(all.u16(i + 20)) == all.count {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else { throw CheckpointError.badMagic(file: path, expected: "ZIP (PyTorch)") }

        var entryCount = Int(all.u16(eocd + 10))
        var directorySize = Int(all.u32(eocd + 12))
        var directoryOffset = Int(all.u32(eocd + 16))
        let diskNumber = all.u16(eocd + 4)
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits right before the EOCD and points at the ZIP64 EOCD record.
            let locator = eocd - Self.zip64LocatorSize
            guard locator >= 0, all.u32(locator) == Self.zip64LocatorSignature else {
                throw CheckpointError.malformed(file: path, reason: "ZIP64 fields without a ZIP64 end-of-central-directory locator")
            }
            let recordOffset = try Self.int(all.u64(locator + 8), path, "ZIP64 record offset")
            guard recordOffset <= locator - Self.zip64EOCDSize else {
                throw CheckpointError.malformed(file: path, reason: "ZIP64 end-of-central-directory record offset \(recordOffset) out of range")
            }
            guard all.u32(recordOffset) == Self.zip64EOCDSignature else {
                throw CheckpointError.malformed(file: path, reason: "no ZIP64 end-of-central-directory record at offset \(recordOffset)")
            }
            entryCount = try Self.int(all.u64(recordOffset + 32), path, "ZIP64 entry count")
            directorySize = try Self.int(all.u64(recordOffset + 40), path, "ZIP64 central directory size")
            directoryOffset = try Self.int(all.u64(recordOffset + 48), path, "ZIP64 central directory offset")
        } else if diskNumber != 0 {
            throw CheckpointError.unsupported(file: path, reason: "multi-disk ZIP archives")
        }
        guard directoryOffset <= all.count, directorySize <= all.count - directoryOffset else {
            throw CheckpointError.truncated(file: path, needed: directoryOffset &+ directorySize, size: all.count)
        }
        // Every central entry takes at least 46 bytes: bounds the count before anything is allocated.
        guard entryCount <= directorySize / Self.centralSize else {
            throw CheckpointError.malformed(file: path, reason: "\(entryCount) entries cannot fit a \(directorySize)-byte central directory")
        }

        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        var byName: [String: Int] = [:]
        var p = directoryOffset
        let end = directoryOffset + directorySize
        for _ in 0..<entryCount {
            guard p <= end - Self.centralSize, all.u32(p) == Self.centralSignature else {
                throw CheckpointError.malformed(file: path, reason: "bad central directory entry at offset \(p)")
            }
            let nameLength = Int(all.u16(p + 28)), extraLength = Int(all.u16(p + 30)), commentLength = Int(all.u16(p + 32))
            let nameStart = p + Self.centralSize
            guard nameLength + extraLength + commentLength <= end - nameStart else {
                throw CheckpointError.malformed(file: path, reason: "central directory entry at offset \(p) runs past the directory")
            }
            guard let name = String(bytes: UnsafeRawBufferPointer(rebasing: all[nameStart..<nameStart + nameLength]),
                                    encoding: .utf8) else {
                throw CheckpointError.malformed(file: path, reason: "entry name at offset \(nameStart) is not UTF-8")
            }
            var compressed = UInt64(all.u32(p + 20)), uncompressed = UInt64(all.u32(p + 24))
            var localOffset = UInt64(all.u32(p + 42))
            // ZIP64 extra field: holds, in this order, only the fields whose 32-bit slot is 0xFFFFFFFF.
            var q = nameStart + nameLength
            let extraEnd = q + extraLength
            while q + 4 <= extraEnd {
                let id = all.u16(q), size = Int(all.u16(q + 2))
                let body = q + 4
                guard size <= extraEnd - body else {
                    throw CheckpointError.malformed(file: path, reason: "extra field of entry \(name) runs past its end")
                }
                if id == 0x0001 {
                    var r = body
                    func next() throws -> UInt64 {
                        guard r + 8 <= body + size else {
                            throw CheckpointError.malformed(file: path, reason: "ZIP64 extra field of entry \(name) is too short")
                        }
                        defer { r += 8 }
                        return all.u64(r)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                }
                q = body + size
            }
            let entry = Entry(name: name, method: all.u16(p + 10), flags: all.u16(p + 8),
                              compressedSize: try Self.int(compressed, path, "size of \(name)"),
                              uncompressedSize: try Self.int(uncompressed, path, "size of \(name)"),
                              localHeaderOffset: try Self.int(localOffset, path, "offset of \(name)"))
            byName[name] = entries.count
            entries.append(entry)
            p = extraEnd + commentLength
        }
        self.entries = entries
        self.byName = byName
    }

    /// The entry named `name`, if any.
    public func entry(_ name: String) -> Entry? { byName[name].map { entries[$0] } }

    /// The offset in the file where `entry`'s data starts (after its local header), validated to lie
    /// inside the file together with its whole data; refuses compressed or encrypted entries.
    public func dataOffset(of entry: Entry) throws -> Int {
        let path = file.url.path
        guard entry.method == 0 else {
            throw CheckpointError.unsupported(file: path, reason: "entry \(entry.name) is compressed (method \(entry.method)); torch.save stores entries uncompressed")
        }
        guard entry.flags & 1 == 0 else {
            throw CheckpointError.unsupported(file: path, reason: "entry \(entry.name) is encrypted")
        }
        let all = file.all
        let h = entry.localHeaderOffset
        guard h <= all.count - Self.localSize else {
            throw CheckpointError.truncated(file: path, needed: h &+ Self.localSize, size: all.count)
        }
        guard all.u32(h) == Self.localSignature else {
            throw CheckpointError.malformed(file: path, reason: "no local header for entry \(entry.name) at offset \(h)")
        }
        let start = h + Self.localSize + Int(all.u16(h + 26)) + Int(all.u16(h + 28))
        guard start <= all.count, entry.uncompressedSize <= all.count - start else {
            throw CheckpointError.truncated(file: path, needed: start &+ entry.uncompressedSize, size: all.count)
        }
        return start
    }

    /// The stored bytes of `entry`, in place in the memory map.
    public func data(of entry: Entry) throws -> UnsafeRawBufferPointer {
        try file.bytes(at: dataOffset(of: entry), count: entry.uncompressedSize)
    }

    private static func int(_ v: UInt64, _ path: String, _ what: String) throws -> Int {
        guard let i = Int(exactly: v), i < Int(Int32.max) << 24 else {
            throw CheckpointError.malformed(file: path, reason: "\(what) \(v) is out of range")
        }
        return i
    }
}

// Little-endian loads; callers have checked the bounds.
extension UnsafeRawBufferPointer {
    fileprivate func u16(_ offset: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    fileprivate func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    fileprivate func u64(_ offset: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}
