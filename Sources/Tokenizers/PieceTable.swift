// An exact-match table from byte strings to token ids, looked up without allocating.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Token texts (UTF-8 bytes) → ids, as one open-addressing hash table (FNV-1a 64, linear probing) over a
/// single contiguous byte buffer, so the merge loops can look up a span of the input by pointer.
struct PieceTable: Sendable {
    /// All piece texts, concatenated in id order.
    let bytes: [UInt8]
    /// `offsets[id] ..< offsets[id + 1]` is the text of `id` in `bytes`.
    let offsets: [Int]
    private let slots: [Int32]
    private let mask: Int

    var count: Int { offsets.count - 1 }

    /// Builds the table. When a text occurs twice, `keepLast` chooses which id lookups return
    /// (llama.cpp's `token_to_id[text] = id` keeps the last; SentencePiece refuses duplicates earlier).
    init(pieces: [[UInt8]], keepLast: Bool = true) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pieces.reduce(0) { $0 + $1.count })
        var offsets: [Int] = [0]
        offsets.reserveCapacity(pieces.count + 1)
        for p in pieces {
            bytes.append(contentsOf: p)
            offsets.append(bytes.count)
        }
        var capacity = 16
        while capacity < pieces.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        bytes.withUnsafeBufferPointer { all in
            for id in 0..<pieces.count {
                let start = offsets[id], end = offsets[id + 1]
                var slot = Int(truncatingIfNeeded: PieceTable.hash(all.baseAddress.map { $0 + start }, end - start)) & mask
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    if PieceTable.equal(all, offsets[other], offsets[other + 1], all.baseAddress.map { $0 + start }, end - start) {
                        break
                    }
                    slot = (slot + 1) & mask
                }
                if slots[slot] < 0 || keepLast { slots[slot] = Int32(id) }
            }
        }
        self.bytes = bytes
        self.offsets = offsets
        self.slots = slots
        self.mask = mask
    }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>?, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        guard let p else { return h }
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        return h
    }

    @inline(__always)
    static func equal(_ all: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                      _ p: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
        guard end - start == n else { return false }
        guard n > 0, let p, let base = all.baseAddress else { return true }
        return memcmp(base + start, p, n) == 0
    }

    /// The id of the `n` bytes at `p`, or -1.
    @inline(__always)
    func id(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Int32 {
        var slot = Int(truncatingIfNeeded: PieceTable.hash(p, n)) & mask
        return bytes.withUnsafeBufferPointer { all in
            while true {
                let candidate = slots[slot]
                if candidate < 0 { return -1 }
                let c = Int(candidate)
                if PieceTable.equal(all, offsets[c], offsets[c + 1], p, n) { return candidate }
                slot = (slot + 1) & mask
            }
        }
    }

    func id(_ text: [UInt8]) -> Int32 { text.withUnsafeBufferPointer { id($0.baseAddress, $0.count) } }
    func id(_ text: String) -> Int32 { id(Array(text.utf8)) }

    /// The text of `id`.
    func piece(_ id: Int) -> ArraySlice<UInt8> { bytes[offsets[id]..<offsets[id + 1]] }
}
