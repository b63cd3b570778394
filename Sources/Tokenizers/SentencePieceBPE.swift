// SentencePiece BPE encoding (LLaMA, m-LLaMA, Gemma), as sentencepiece's bpe_model.cc and as llama.cpp's
// SPM tokenizer (llm_tokenizer_spm) do it.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A SentencePiece-style BPE tokenizer: pieces with scores; encoding starts from single characters and
/// repeatedly merges the adjacent pair whose concatenation is the highest-scoring piece (ties: leftmost),
/// using a priority queue of candidate pairs (sentencepiece `bpe_model.cc` `Model::Encode`).
///
/// Two dialects differ in details the reference outputs depend on:
/// - `.sentencePiece` (a `tokenizer.model`): the text is normalized first (dummy prefix "▁", spaces → "▁",
///   optionally collapsing whitespace); user-defined pieces are matched greedily (longest first) while
///   splitting into characters and never merged further; only normal, user-defined and unused pieces are
///   merge results; unused pieces are re-split into the pair that formed them; a leftover character that is
///   no piece becomes its UTF-8 bytes `<0xNN>` (byte fallback) or the unknown id.
/// - `.llamaCpp` (GGUF `tokenizer.ggml.model = llama`, llama.cpp's `llm_tokenizer_spm`): user-defined
///   tokens are first cut out of the raw text (longest token first, each occurrence left to right); every
///   remaining fragment gets the space prefix (when `add_space_prefix` and the fragment starts the text or
///   follows a cut-out token), spaces → "▁", and is merged on its own; any vocabulary entry can be a merge
///   result; leftovers become byte tokens.
public struct SentencePieceBPETokenizer: Tokenizer {
    public enum Dialect: Sendable { case sentencePiece, llamaCpp }

    typealias PieceType = SentencePieceModel.PieceType

    let table: PieceTable
    let scores: [Float]
    let types: [PieceType]
    /// Id of `<0xNN>` for each byte value, or -1.
    let byteIDs: [Int32]
    let dialect: Dialect
    let addDummyPrefix: Bool
    let removeExtraWhitespaces: Bool
    let escapeWhitespaces: Bool
    let byteFallback: Bool
    let unknownID: Int32?
    /// Texts of user-defined pieces with their ids, longest first.
    let userDefined: [(text: [UInt8], id: Int32)]
    let hasUnusedPieces: Bool
    /// Added tokens beyond the pieces (HF `added_tokens.json`): id → (text, special).
    let addedTokens: [Int32: (text: String, special: Bool)]

    public let vocabularySize: Int
    public let bosID: Int32?
    public let eosID: Int32?
    public let addsBOSByDefault: Bool

    /// Builds a tokenizer from pieces. `source` names the vocabulary in errors.
    init(pieces: [[UInt8]], scores: [Float], types: [PieceType], dialect: Dialect,
         addDummyPrefix: Bool, removeExtraWhitespaces: Bool, escapeWhitespaces: Bool, byteFallback: Bool,
         unknownID: Int?, bosID: Int?, eosID: Int?, addsBOS: Bool,
         addedTokens: [Int32: (text: String, special: Bool)] = [:], source: String) throws {
        guard pieces.count == scores.count, pieces.count == types.count else {
            throw TokenizerError.malformed(source: source, reason:
                "\(pieces.count) pieces but \(scores.count) scores and \(types.count) types")
        }
        guard !pieces.isEmpty, pieces.count <= Int(Int32.max) / 2 else {
            throw TokenizerError.malformed(source: source, reason: "vocabulary of \(pieces.count) pieces")
        }
        func checked(_ id: Int?, _ name: String) throws -> Int32? {
            guard let id, id >= 0 else { return nil }
            guard id < pieces.count else {
                throw TokenizerError.malformed(source: source, reason: "\(name) \(id) is outside the vocabulary of \(pieces.count)")
            }
            return Int32(id)
        }
        self.table = PieceTable(pieces: pieces, keepLast: dialect == .llamaCpp)
        self.scores = scores
        self.types = types
        var byteIDs = [Int32](repeating: -1, count: 256)
        for (id, type) in types.enumerated() where type == .byte {
            let p = pieces[id]
            // "<0xNN>"
            if p.count == 6, p[0] == UInt8(ascii: "<"), p[1] == UInt8(ascii: "0"), p[2] == UInt8(ascii: "x"),
               p[5] == UInt8(ascii: ">"), let v = UInt8(String(decoding: p[3..<5], as: UTF8.self), radix: 16),
               byteIDs[Int(v)] < 0 {
                byteIDs[Int(v)] = Int32(id)
            }
        }
        if dialect == .llamaCpp {
            // llama.cpp finds byte tokens by text whatever their type.
            for b in 0..<256 where byteIDs[b] < 0 {
                let text = Array("<0x\(String(b, radix: 16, uppercase: true).leftPadded(2))>".utf8)
                let id = table.id(text)
                if id >= 0 { byteIDs[b] = id }
            }
        }
        self.byteIDs = byteIDs
        self.dialect = dialect
        self.addDummyPrefix = addDummyPrefix
        self.removeExtraWhitespaces = removeExtraWhitespaces
        self.escapeWhitespaces = escapeWhitespaces
        self.byteFallback = byteFallback
        self.unknownID = try checked(unknownID, "unknown id")
        self.bosID = try checked(bosID, "BOS id")
        self.eosID = try checked(eosID, "EOS id")
        self.addsBOSByDefault = addsBOS && self.bosID != nil
        var userDefined: [(text: [UInt8], id: Int32)] = []
        for (id, type) in types.enumerated() where type == .userDefined && !pieces[id].isEmpty {
            userDefined.append((pieces[id], Int32(id)))
        }
        // Longest first; equal lengths keep id order (a stable order for a deterministic result).
        userDefined.sort { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id }
        self.userDefined = userDefined
        self.hasUnusedPieces = types.contains(.unused)
        self.addedTokens = addedTokens
        // Added ids may leave gaps; the embedding table covers up to the largest.
        self.vocabularySize = max(pieces.count, (addedTokens.keys.max().map { Int($0) + 1 }) ?? 0)
    }

    // MARK: - Encoding

    public func encode(_ text: String, addBOS: Bool) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(text.utf8.count / 2 + 2)
        if addBOS, let bosID { output.append(bosID) }
        switch dialect {
        case .sentencePiece: encodeSentencePiece(text, into: &output)
        case .llamaCpp: encodeLlamaCpp(text, into: &output)
        }
        return output
    }

    /// sentencepiece: normalize (normalizer.cc with an identity charsmap), then BPE over the whole text.
    private func encodeSentencePiece(_ text: String, into output: inout [Int32]) {
        var raw = Array(text.utf8)
        if removeExtraWhitespaces {
            // Strip leading and trailing spaces and collapse inner runs to one (normalizer.cc).
            var collapsed: [UInt8] = []
            collapsed.reserveCapacity(raw.count)
            var pendingSpace = false
            for b in raw {
                if b == 0x20 { pendingSpace = !collapsed.isEmpty; continue }
                if pendingSpace { collapsed.append(0x20); pendingSpace = false }
                collapsed.append(b)
            }
            raw = collapsed
        }
        guard !raw.isEmpty else { return }
        var normalized: [UInt8] = []
        normalized.reserveCapacity(raw.count + 16)
        if addDummyPrefix { Self.appendSpace(to: &normalized, escaped: escapeWhitespaces) }
        for b in raw {
            if b == 0x20 { Self.appendSpace(to: &normalized, escaped: escapeWhitespaces) } else { normalized.append(b) }
        }
        mergePieces(normalized, into: &output)
    }

    /// llama.cpp: cut out user-defined tokens, then escape and merge each remaining fragment.
    private func encodeLlamaCpp(_ text: String, into output: inout [Int32]) {
        let raw = Array(text.utf8)
        guard !raw.isEmpty else { return }
        let fragments = Self.partition(raw, specials: userDefined)
        var previousWasToken = true
        for fragment in fragments {
            switch fragment {
            case let .token(id):
                output.append(id)
                previousWasToken = true
            case let .text(range):
                var escaped: [UInt8] = []
                escaped.reserveCapacity(range.count + 8)
                if addDummyPrefix && previousWasToken { Self.appendSpace(to: &escaped, escaped: true) }
                for b in raw[range] {
                    if b == 0x20 { Self.appendSpace(to: &escaped, escaped: true) } else { escaped.append(b) }
                }
                mergePieces(escaped, into: &output)
                previousWasToken = false
            }
        }
    }

    @inline(__always)
    private static func appendSpace(to bytes: inout [UInt8], escaped: Bool) {
        if escaped { bytes.append(contentsOf: [0xE2, 0x96, 0x81]) } else { bytes.append(0x20) }
    }

    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// llama.cpp's `tokenizer_st_partition`: for each special text (longest first), every raw-text fragment
    /// is split at each occurrence of it, left to right.
    static func partition(_ raw: [UInt8], specials: [(text: [UInt8], id: Int32)]) -> [Fragment] {
        var fragments: [Fragment] = [.text(0..<raw.count)]
        guard !specials.isEmpty else { return fragments }
        var present = [Bool](repeating: false, count: 256)
        for b in raw { present[Int(b)] = true }
        raw.withUnsafeBufferPointer { text in
            for special in specials where present[Int(special.text[0])] && special.text.count <= raw.count {
                var next: [Fragment] = []
                var changed = false
                for fragment in fragments {
                    guard case let .text(range) = fragment else { next.append(fragment); continue }
                    var start = range.lowerBound
                    var position = range.lowerBound
                    let n = special.text.count
                    while position + n <= range.upperBound {
                        if text[position] == special.text[0]
                            && special.text.withUnsafeBufferPointer({ memcmp(text.baseAddress! + position, $0.baseAddress!, n) == 0 }) {
                            if position > start { next.append(.text(start..<position)) }
                            next.append(.token(special.id))
                            changed = true
                            position += n
                            start = position
                        } else {
                            position += 1
                        }
                    }
                    if start < range.upperBound { next.append(.text(start..<range.upperBound)) }
                }
                if changed { fragments = next }
            }
        }
        return fragments
    }

    struct Symbol {
        var start: Int32
        var length: Int32
        var previous: Int32
        var next: Int32
    }

    struct Candidate: MergeCandidate {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32
        @inline(__always)
        static func precedes(_ a: Candidate, _ b: Candidate) -> Bool {
            a.score > b.score || (a.score == b.score && a.left < b.left)
        }
    }

    /// May `id` be the result of a merge? (sentencepiece: only pieces in its `pieces_` map.)
    @inline(__always)
    private func isMergeResult(_ id: Int32) -> Bool {
        guard id >= 0 else { return false }
        if dialect == .llamaCpp { return true }
        switch types[Int(id)] {
        case .normal, .userDefined, .unused: return true
        default: return false
        }
    }

    /// The BPE merge loop over `text` (already normalized / escaped) and the final id assignment.
    private func mergePieces(_ text: [UInt8], into output: inout [Int32]) {
        guard !text.isEmpty else { return }
        text.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            let n = buffer.count
            var symbols: [Symbol] = []
            symbols.reserveCapacity(n)
            var frozen: [Bool] = []
            var position = 0
            while position < n {
                var length = 0
                var isFrozen = false
                if dialect == .sentencePiece && !userDefined.isEmpty {
                    for ud in userDefined where ud.text.count <= n - position && ud.text[0] == base[position] {
                        if ud.text.withUnsafeBufferPointer({ memcmp(base + position, $0.baseAddress!, ud.text.count) == 0 }) {
                            length = ud.text.count
                            isFrozen = true
                            break
                        }
                    }
                }
                if length == 0 { length = min(utf8Length(base[position]), n - position) }
                let index = Int32(symbols.count)
                symbols.append(Symbol(start: Int32(position), length: Int32(length), previous: index - 1,
                                      next: position + length >= n ? -1 : index + 1))
                if isFrozen || !frozen.isEmpty {
                    if frozen.isEmpty { frozen = [Bool](repeating: false, count: symbols.count - 1) }
                    frozen.append(isFrozen)
                }
                position += length
            }

            var agenda = MergeAgenda<Candidate>(capacity: symbols.count * 2)
            var reverseMerges: [Int32: (Int32, Int32, Int32, Int32)] = [:]
            func addCandidate(_ left: Int32, _ right: Int32) {
                guard left >= 0, right >= 0 else { return }
                if !frozen.isEmpty && (frozen[Int(left)] || frozen[Int(right)]) { return }
                let l = symbols[Int(left)], r = symbols[Int(right)]
                let size = l.length + r.length
                let id = table.id(base + Int(l.start), Int(size))
                guard isMergeResult(id) else { return }
                agenda.push(Candidate(score: scores[Int(id)], left: left, right: right, size: size))
                if dialect == .sentencePiece && hasUnusedPieces && types[Int(id)] == .unused {
                    reverseMerges[id] = (l.start, l.length, r.start, r.length)
                }
            }
            for i in 1..<max(symbols.count, 1) { addCandidate(Int32(i - 1), Int32(i)) }

            while let top = agenda.pop() {
                let l = symbols[Int(top.left)], r = symbols[Int(top.right)]
                // Stale: one side was merged away or changed since the pair was queued.
                if l.length == 0 || r.length == 0 || l.length + r.length != top.size { continue }
                symbols[Int(top.left)].length = top.size
                symbols[Int(top.left)].next = r.next
                if r.next >= 0 { symbols[Int(r.next)].previous = top.left }
                symbols[Int(top.right)].length = 0
                addCandidate(symbols[Int(top.left)].previous, top.left)
                addCandidate(top.left, symbols[Int(top.left)].next)
            }

            var index: Int32 = 0
            while index >= 0 {
                let s = symbols[Int(index)]
                emit(base, Int(s.start), Int(s.length), reverseMerges, into: &output)
                index = s.next
            }
        }
    }

    /// Appends the id(s) of one final symbol: its piece; an unused piece re-split (sentencepiece
    /// `ReSegment`); otherwise bytes (byte fallback) or the unknown id.
    private func emit(_ base: UnsafePointer<UInt8>, _ start: Int, _ length: Int,
                      _ reverseMerges: [Int32: (Int32, Int32, Int32, Int32)], into output: inout [Int32]) {
        let id = table.id(base + start, length)
        if id >= 0 {
            if dialect == .sentencePiece && types[Int(id)] == .unused, let parts = reverseMerges[id] {
                emit(base, Int(parts.0), Int(parts.1), reverseMerges, into: &output)
                emit(base, Int(parts.2), Int(parts.3), reverseMerges, into: &output)
                return
            }
            output.append(id)
            return
        }
        if dialect == .llamaCpp || byteFallback {
            for i in 0..<length {
                let b = Int(base[start + i])
                if byteIDs[b] >= 0 {
                    output.append(byteIDs[b])
                } else if dialect == .llamaCpp, case let single = table.id(base + start + i, 1), single >= 0 {
                    output.append(single)
                } else if let unknownID {
                    output.append(unknownID)
                }
            }
        } else if let unknownID {
            output.append(unknownID)
        }
    }

    // MARK: - Decoding

    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            if let added = addedTokens[id], Int(id) >= table.count || added.special {
                if !added.special { bytes.append(contentsOf: added.text.utf8) }
                continue
            }
            guard id >= 0, Int(id) < table.count else { continue }
            switch types[Int(id)] {
            case .control: continue
            case .unknown: bytes.append(contentsOf: " \u{2047} ".utf8)
            case .byte:
                if let b = byteIDs.firstIndex(of: id) { bytes.append(UInt8(b)) }
            case .normal, .userDefined, .unused:
                let piece = table.piece(Int(id))
                var i = piece.startIndex
                while i < piece.endIndex {
                    if piece[i] == 0xE2, i + 2 < piece.endIndex, piece[i + 1] == 0x96, piece[i + 2] == 0x81 {
                        bytes.append(0x20)
                        i += 3
                    } else {
                        bytes.append(piece[i])
                        i += 1
                    }
                }
            }
        }
        if addDummyPrefix, bytes.first == 0x20 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Length of the UTF-8 sequence that `lead` starts (1 for continuation or invalid bytes, as
/// sentencepiece's `OneCharLen` and llama.cpp's `unicode_len_utf8` do).
@inline(__always)
func utf8Length(_ lead: UInt8) -> Int {
    if lead < 0x80 { return 1 }
    if lead & 0xE0 == 0xC0 { return 2 }
    if lead & 0xF0 == 0xE0 { return 3 }
    if lead & 0xF8 == 0xF0 { return 4 }
    return 1
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
