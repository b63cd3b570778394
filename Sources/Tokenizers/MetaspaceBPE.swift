// SentencePiece-style BPE as HF `tokenizer.json` spells it (LLaMA, Mistral, Gemma "fast" tokenizers).

/// A `tokenizer.json` BPE model over characters with "▁" for spaces (HF tokenizers `models::bpe` with
/// `byte_fallback`): the text is normalized (spaces → "▁", "▁" prepended — by a `Prepend` normalizer, or
/// by a `Metaspace` pre-tokenizer when the text does not already start with "▁"), optionally split into
/// words before each "▁" (`Metaspace` with `split`), and each word's characters are merged by rank
/// (`RankedMerges`). A character outside the vocabulary becomes its UTF-8 bytes `<0xNN>` when
/// `byte_fallback` is set (and all of them exist), otherwise the unknown token (runs fused with `fuse_unk`).
/// Non-special added tokens are cut out of the raw text first; special ones are ordinary text.
public struct MetaspaceBPETokenizer: Tokenizer {
    let table: PieceTable
    let merges: RankedMerges
    let byteIDs: [Int32]
    let unknownID: Int32?
    let byteFallback: Bool
    let fuseUnknown: Bool
    /// `Prepend("▁")` normalizer: always, on non-empty text.
    let prependAlways: Bool
    /// `Metaspace` prepend scheme (`always` / `first`): only when the text does not start with "▁".
    let metaspacePrepend: Bool
    let splitWords: Bool
    let userDefined: [(text: [UInt8], id: Int32)]
    let isControl: [Bool]
    let isRawText: [Bool]

    public let vocabularySize: Int
    public let bosID: Int32?
    public let eosID: Int32?
    public let addsBOSByDefault: Bool

    init(tokens: [[UInt8]], merges rules: [([UInt8], [UInt8])], unknownID: Int?, byteFallback: Bool, fuseUnknown: Bool,
         prependAlways: Bool, metaspacePrepend: Bool, splitWords: Bool, control: [Bool], rawText: [Bool],
         userDefined: [Int32], bosID: Int?, eosID: Int?, addsBOS: Bool) {
        let table = PieceTable(pieces: tokens, keepLast: true)
        self.table = table
        self.merges = RankedMerges(rules, table: table)
        self.byteIDs = (0..<256).map { table.id(Array("<0x\(String($0, radix: 16, uppercase: true).leftPadded(2))>".utf8)) }
        func valid(_ id: Int?) -> Int32? { id.flatMap { $0 >= 0 && $0 < tokens.count ? Int32($0) : nil } }
        self.unknownID = valid(unknownID)
        self.byteFallback = byteFallback
        self.fuseUnknown = fuseUnknown
        self.prependAlways = prependAlways
        self.metaspacePrepend = metaspacePrepend
        self.splitWords = splitWords
        var specials = userDefined.filter { Int($0) < tokens.count && !tokens[Int($0)].isEmpty }.map { (tokens[Int($0)], $0) }
        specials.sort { $0.0.count != $1.0.count ? $0.0.count > $1.0.count : $0.1 < $1.1 }
        self.userDefined = specials.map { (text: $0.0, id: $0.1) }
        self.isControl = control
        self.isRawText = rawText
        self.vocabularySize = tokens.count
        self.bosID = valid(bosID)
        self.eosID = valid(eosID)
        self.addsBOSByDefault = addsBOS && self.bosID != nil
    }

    public func encode(_ text: String, addBOS: Bool) -> [Int32] {
        var output: [Int32] = []
        if addBOS, let bosID { output.append(bosID) }
        let raw = Array(text.utf8)
        guard !raw.isEmpty else { return output }
        var session = RankedMerges.Session()
        var first = true
        for fragment in SentencePieceBPETokenizer.partition(raw, specials: userDefined) {
            switch fragment {
            case let .token(id): output.append(id)
            case let .text(range):
                var normalized: [UInt8] = []
                normalized.reserveCapacity(range.count + 8)
                let startsWithSpace = raw[range.lowerBound] == 0x20
                if prependAlways || (metaspacePrepend && first && !startsWithSpace) { normalized += [0xE2, 0x96, 0x81] }
                for b in raw[range] { if b == 0x20 { normalized += [0xE2, 0x96, 0x81] } else { normalized.append(b) } }
                encodeNormalized(normalized, &session, into: &output)
            }
            first = false
        }
        return output
    }

    private func encodeNormalized(_ text: [UInt8], _ session: inout RankedMerges.Session, into output: inout [Int32]) {
        text.withUnsafeBufferPointer { bytes in
            var wordStart = 0
            var i = 0
            session.start()
            var previousUnknown = false
            while i < bytes.count {
                let n = min(utf8Length(bytes[i]), bytes.count - i)
                let isMeta = n == 3 && bytes[i] == 0xE2 && bytes[i + 1] == 0x96 && bytes[i + 2] == 0x81
                if splitWords && isMeta && i > wordStart {
                    merges.apply(&session, into: &output)
                    session.start()
                    previousUnknown = false
                    wordStart = i
                }
                let id = table.id(bytes.baseAddress! + i, n)
                if id >= 0 {
                    session.append(id)
                    previousUnknown = false
                } else if byteFallback, (i..<(i + n)).allSatisfy({ byteIDs[Int(bytes[$0])] >= 0 }) {
                    for k in i..<(i + n) { session.append(byteIDs[Int(bytes[k])]) }
                    previousUnknown = false
                } else if let unknownID, !(fuseUnknown && previousUnknown) {
                    session.append(unknownID)
                    previousUnknown = true
                }
                i += n
            }
            merges.apply(&session, into: &output)
        }
    }

    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            guard id >= 0, Int(id) < table.count, !isControl[Int(id)] else { continue }
            if let b = byteIDs.firstIndex(of: id) { bytes.append(UInt8(b)); continue }
            let piece = table.piece(Int(id))
            if isRawText[Int(id)] { bytes += piece; continue }
            var i = piece.startIndex
            while i < piece.endIndex {
                if piece[i] == 0xE2, i + 2 < piece.endIndex, piece[i + 1] == 0x96, piece[i + 2] == 0x81 {
                    bytes.append(0x20); i += 3
                } else {
                    bytes.append(piece[i]); i += 1
                }
            }
        }
        if (prependAlways || metaspacePrepend), bytes.first == 0x20 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
