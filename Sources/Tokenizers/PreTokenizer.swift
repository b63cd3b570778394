// The regex pre-tokenizers of byte-level BPE models, written out by hand over Unicode categories.

/// Splits text into words before byte-level BPE. Each case implements one regex of the reference
/// tokenizers (llama.cpp `unicode_regex_split` and its custom splitters; HF `pre_tokenizers`) as a
/// hand-written scan over code points classified as letter (`\p{L}`: Lu Ll Lt Lm Lo), number (`\p{N}`:
/// Nd Nl No) and whitespace (`\s`: the Unicode White_Space property):
/// - `gpt2`: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `digitsThenGPT2` (llama.cpp `smollm`, `starcoder`, `refact`, `command-r`…; HF Digits(individual) then
///   ByteLevel): first `\p{N}` (every number code point on its own), then `gpt2` inside the rest.
/// - `llama3` (`llama-bpe`, `dbrx`, `smaug`): `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|
///   \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - `qwen2` (`qwen2`, `stablelm2`, `deepseek-r1-qwen`): the same with `\p{N}` (one digit per word).
/// - `bloom` (BLOOM, `poro-chat`, `gpt3-finnish`): HF's Split ` ?[^(\s|[.,!?…。，、।۔،])]+` with behaviour
///   `Isolated`: a match is an optional space and a run of code points that are neither whitespace nor one
///   of `( ) | . , ! ? … 。 ， 、 । ۔ ،` (the class holds its nested class and the literal parentheses and bar;
///   llama.cpp spells the same set `[^(\s|.,!?…。，、।۔،)]`); the text between matches is a word too.
/// - `llamaCppDefault` (GGUF `default` or no `tokenizer.ggml.pre`): llama.cpp's fallback sequence, each
///   regex splitting the pieces of the previous one into matches and the text between them:
///   `[\p{P}\$\+<=>\^~\|]+`, then `gpt2`, then `\p{N}+`, then `[0-9][0-9][0-9]`.
public enum PreTokenizer: String, Sendable, CaseIterable {
    case gpt2
    case digitsThenGPT2
    case llama3
    case qwen2
    case bloom
    case llamaCppDefault

    /// The pre-tokenizer llama.cpp uses for a GGUF `tokenizer.ggml.pre` name, or nil when not implemented.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt-2", "gpt2", "mpt", "olmo", "jais", "trillion": self = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b": self = .digitsThenGPT2
        case "llama3", "llama-v3", "llama-bpe", "dbrx", "smaug-bpe", "falcon3", "pixtral", "tekken-llama": self = .llama3
        case "qwen2", "stablelm2", "deepseek-r1-qwen", "megrez", "hunyuan": self = .qwen2
        case "bloom", "poro-chat", "gpt3-finnish": self = .bloom
        case "default": self = .llamaCppDefault
        default: return nil
        }
    }

    /// Whether llama.cpp sets `ignore_merges` for this `tokenizer.ggml.pre` name (a word that is itself a
    /// token is not merged, and BOS is added unless `tokenizer.ggml.add_bos_token` says otherwise): the LLaMA 3
    /// names and `tekken`, not `dbrx` / `smaug-bpe`, which share LLaMA 3's regex.
    public static func ignoresMerges(ggufName: String) -> Bool {
        ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "tekken", "tekken-llama"].contains(ggufName)
    }

    struct Flags: OptionSet {
        let rawValue: UInt8
        static let letter = Flags(rawValue: 1)
        static let number = Flags(rawValue: 2)
        static let whitespace = Flags(rawValue: 4)
        /// `[\p{P}\$\+<=>\^~\|]`: punctuation and the symbols llama.cpp's default regex adds.
        static let punctuationLike = Flags(rawValue: 8)
    }

    /// Code points and their classes for one text, with the byte offset where each code point starts.
    struct Scan {
        var scalars: [UInt32] = []
        var flags: [Flags] = []
        var offsets: [Int] = []
    }

    private static let asciiFlags: [Flags] = (0..<128).map { v in
        let c = UInt8(v)
        if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { return .letter }
        if c >= 0x30 && c <= 0x39 { return .number }
        if c == 0x20 || (c >= 0x09 && c <= 0x0D) { return .whitespace }
        if c > 0x20 && c < 0x7F && c != UInt8(ascii: "`") { return .punctuationLike }  // ASCII P plus $+<=>^~|
        return []
    }

    static func classify(_ v: UInt32) -> Flags {
        if v < 128 { return asciiFlags[Int(v)] }
        guard let scalar = Unicode.Scalar(v) else { return [] }
        var f: Flags = []
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: f.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber: f.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: f.insert(.punctuationLike)
        default: break
        }
        if scalar.properties.isWhitespace { f.insert(.whitespace) }
        return f
    }

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Scan {
        var s = Scan()
        s.scalars.reserveCapacity(range.count)
        s.flags.reserveCapacity(range.count)
        s.offsets.reserveCapacity(range.count + 1)
        var i = range.lowerBound
        while i < range.upperBound {
            let lead = bytes[i]
            let n = min(utf8Length(lead), range.upperBound - i)
            var v: UInt32
            switch n {
            case 2: v = UInt32(lead & 0x1F)
            case 3: v = UInt32(lead & 0x0F)
            case 4: v = UInt32(lead & 0x07)
            default: v = UInt32(lead)
            }
            if n > 1 { for k in 1..<n { v = (v << 6) | UInt32(bytes[i + k] & 0x3F) } }
            s.scalars.append(v)
            s.flags.append(classify(v))
            s.offsets.append(i)
            i += n
        }
        s.offsets.append(range.upperBound)
        return s
    }

    /// The words of `bytes[range]` as byte ranges, in order, covering the range.
    func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into words: inout [Range<Int>]) {
        guard !range.isEmpty else { return }
        let s = Self.scan(bytes, range)
        var pieces: [Range<Int>] = []  // code point index ranges
        switch self {
        case .gpt2:
            Self.splitGPT2(s, 0..<s.scalars.count, into: &pieces)
        case .digitsThenGPT2:
            var start = 0
            for i in 0..<s.scalars.count where s.flags[i].contains(.number) {
                if start < i { Self.splitGPT2(s, start..<i, into: &pieces) }
                pieces.append(i..<(i + 1))
                start = i + 1
            }
            if start < s.scalars.count { Self.splitGPT2(s, start..<s.scalars.count, into: &pieces) }
        case .llama3:
            Self.splitLlama3(s, 0..<s.scalars.count, maxDigits: 3, into: &pieces)
        case .qwen2:
            Self.splitLlama3(s, 0..<s.scalars.count, maxDigits: 1, into: &pieces)
        case .bloom:
            Self.splitBLOOM(s, 0..<s.scalars.count, into: &pieces)
        case .llamaCppDefault:
            var stage = Self.splitRuns(s, [0..<s.scalars.count], of: .punctuationLike)
            var words: [Range<Int>] = []
            for piece in stage { Self.splitGPT2(s, piece, into: &words) }
            stage = Self.splitRuns(s, words, of: .number)
            pieces = Self.splitASCIIDigitTriples(s, stage)
        }
        for p in pieces { words.append(s.offsets[p.lowerBound]..<s.offsets[p.upperBound]) }
    }

    /// Splits each piece at the maximal runs of code points with `flag` (a `[class]+` regex: matches and
    /// the text between them both become pieces).
    static func splitRuns(_ s: Scan, _ pieces: [Range<Int>], of flag: Flags) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for piece in pieces {
            var start = piece.lowerBound
            var i = piece.lowerBound
            while i < piece.upperBound {
                guard s.flags[i].contains(flag) else { i += 1; continue }
                var j = i
                while j < piece.upperBound && s.flags[j].contains(flag) { j += 1 }
                if start < i { out.append(start..<i) }
                out.append(i..<j)
                start = j
                i = j
            }
            if start < piece.upperBound { out.append(start..<piece.upperBound) }
        }
        return out
    }

    /// `[0-9][0-9][0-9]`: leftmost triples of ASCII digits become pieces, the rest stays between them.
    static func splitASCIIDigitTriples(_ s: Scan, _ pieces: [Range<Int>]) -> [Range<Int>] {
        func digit(_ i: Int) -> Bool { s.scalars[i] >= 0x30 && s.scalars[i] <= 0x39 }
        var out: [Range<Int>] = []
        for piece in pieces {
            var start = piece.lowerBound
            var i = piece.lowerBound
            while i + 3 <= piece.upperBound {
                if digit(i) && digit(i + 1) && digit(i + 2) {
                    if start < i { out.append(start..<i) }
                    out.append(i..<(i + 3))
                    i += 3
                    start = i
                } else {
                    i += 1
                }
            }
            if start < piece.upperBound { out.append(start..<piece.upperBound) }
        }
        return out
    }

    private static func isContraction(_ s: Scan, _ pos: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard s.scalars[pos] == 0x27, pos + 1 < end else { return 0 }
        func lower(_ v: UInt32) -> UInt32 { caseInsensitive && v >= 0x41 && v <= 0x5A ? v + 32 : v }
        let a = lower(s.scalars[pos + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 }  // s t m d
        guard pos + 2 < end else { return 0 }
        let b = lower(s.scalars[pos + 2])
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` on code points `range`.
    static func splitGPT2(_ s: Scan, _ range: Range<Int>, into pieces: inout [Range<Int>]) {
        let end = range.upperBound
        func flags(_ i: Int) -> Flags? { i < end ? s.flags[i] : nil }
        var pos = range.lowerBound
        while pos < end {
            let start = pos
            let c = isContraction(s, pos, end, caseInsensitive: false)
            if c > 0 { pos += c; pieces.append(start..<pos); continue }
            let isSpace = s.scalars[pos] == 0x20
            let f2 = isSpace ? flags(pos + 1) : s.flags[pos]
            if let f2, f2.contains(.letter) {
                pos += isSpace ? 1 : 0
                while let f = flags(pos), f.contains(.letter) { pos += 1 }
                pieces.append(start..<pos); continue
            }
            if let f2, f2.contains(.number) {
                pos += isSpace ? 1 : 0
                while let f = flags(pos), f.contains(.number) { pos += 1 }
                pieces.append(start..<pos); continue
            }
            if let f2, f2.isDisjoint(with: [.letter, .number, .whitespace]) {
                pos += isSpace ? 1 : 0
                while let f = flags(pos), f.isDisjoint(with: [.letter, .number, .whitespace]) { pos += 1 }
                pieces.append(start..<pos); continue
            }
            var spaces = 0
            while let f = flags(pos + spaces), f.contains(.whitespace) { spaces += 1 }
            if spaces > 1 && pos + spaces < end {
                // \s+(?!\S): leave the last whitespace to start the next word.
                pos += spaces - 1
                pieces.append(start..<pos); continue
            }
            if spaces > 0 { pos += spaces; pieces.append(start..<pos); continue }
            pos += 1
            pieces.append(start..<pos)
        }
    }

    /// LLaMA 3's pattern (see the type's documentation) on code points `range`, with `\p{N}{1,maxDigits}`.
    static func splitLlama3(_ s: Scan, _ range: Range<Int>, maxDigits: Int, into pieces: inout [Range<Int>]) {
        let end = range.upperBound
        func flags(_ i: Int) -> Flags? { i < end ? s.flags[i] : nil }
        func isCRLF(_ i: Int) -> Bool { i < end && (s.scalars[i] == 0x0D || s.scalars[i] == 0x0A) }
        var pos = range.lowerBound
        while pos < end {
            let start = pos
            let v = s.scalars[pos]
            let f = s.flags[pos]
            let c = isContraction(s, pos, end, caseInsensitive: true)
            if c > 0 { pos += c; pieces.append(start..<pos); continue }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(v == 0x0D || v == 0x0A || f.contains(.number)) {
                if f.contains(.letter) || (flags(pos + 1)?.contains(.letter) ?? false) {
                    pos += 1
                    while let g = flags(pos), g.contains(.letter) { pos += 1 }
                    pieces.append(start..<pos); continue
                }
            }
            // \p{N}{1,maxDigits}
            if f.contains(.number) {
                var run = 0
                while let g = flags(pos), g.contains(.number) {
                    pos += 1; run += 1
                    if run == maxDigits { pieces.append((pos - maxDigits)..<pos); run = 0 }
                }
                if run > 0 { pieces.append((pos - run)..<pos) }
                continue
            }
            //  ?[^\s\p{L}\p{N}]+[\r\n]*
            let isSpace = v == 0x20
            let f2 = isSpace ? flags(pos + 1) : f
            if let f2, f2.isDisjoint(with: [.letter, .number, .whitespace]) {
                pos += isSpace ? 1 : 0
                while let g = flags(pos), g.isDisjoint(with: [.letter, .number, .whitespace]) { pos += 1 }
                while isCRLF(pos) { pos += 1 }
                pieces.append(start..<pos); continue
            }
            var spaces = 0
            var lastNewlineEnd = -1
            while let g = flags(pos + spaces), g.contains(.whitespace) {
                if isCRLF(pos + spaces) { lastNewlineEnd = pos + spaces + 1 }
                spaces += 1
            }
            // \s*[\r\n]+
            if lastNewlineEnd > 0 { pos = lastNewlineEnd; pieces.append(start..<pos); continue }
            if spaces > 1 && pos + spaces < end { pos += spaces - 1; pieces.append(start..<pos); continue }
            if spaces > 0 { pos += spaces; pieces.append(start..<pos); continue }
            pos += 1
            pieces.append(start..<pos)
        }
    }

    /// The code points BLOOM's split keeps out of words: whitespace and `( ) | . , ! ? … 。 ， 、 । ۔ ،`.
    static func isBLOOMSeparator(_ v: UInt32, _ f: Flags) -> Bool {
        if f.contains(.whitespace) { return true }
        switch v {
        case 0x28, 0x29, 0x7C, 0x2E, 0x2C, 0x21, 0x3F, 0x2026, 0x3002, 0xFF0C, 0x3001, 0x0964, 0x06D4, 0x060C: return true
        default: return false
        }
    }

    /// BLOOM's ` ?[^(\s|[.,!?…。，、।۔،])]+` with `Isolated` behaviour on code points `range`: each match
    /// (a space followed by a word, or a word) and each maximal stretch between matches is one piece.
    static func splitBLOOM(_ s: Scan, _ range: Range<Int>, into pieces: inout [Range<Int>]) {
        let end = range.upperBound
        func inWord(_ i: Int) -> Bool { i < end && !isBLOOMSeparator(s.scalars[i], s.flags[i]) }
        var gapStart = range.lowerBound
        var pos = range.lowerBound
        while pos < end {
            let spaced = s.scalars[pos] == 0x20 && inWord(pos + 1)
            guard spaced || inWord(pos) else { pos += 1; continue }
            if gapStart < pos { pieces.append(gapStart..<pos) }
            let start = pos
            pos += 1
            while inWord(pos) { pos += 1 }
            pieces.append(start..<pos)
            gapStart = pos
        }
        if gapStart < end { pieces.append(gapStart..<end) }
    }
}
