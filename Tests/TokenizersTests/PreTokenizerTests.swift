// Word boundaries of each regex pre-tokenizer, seen through a vocabulary whose words are single tokens.
import Checkpoints
import Testing
import Tokenizers

@Suite("Byte-level pre-tokenizers split words where their regexes do")
struct PreTokenizerBoundaryTests {
    /// GPT-2's byte → code point table, written out independently of the module.
    static let byteCharacters: [String] = {
        var printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var chars = [String](repeating: "", count: 256)
        var extra = 0
        for b in 0..<256 {
            if printable.contains(b) { chars[b] = String(UnicodeScalar(UInt8(b))) } else {
                chars[b] = String(Character(Unicode.Scalar(UInt32(256 + extra))!))
                extra += 1
            }
        }
        printable.removeAll()
        return chars
    }()

    /// A `gpt2` GGUF vocabulary: the 256 byte characters, then `words` (byte-level spelled), no merges —
    /// so a pre-tokenized word that is a whole token shows only with `ignore_merges` (llama3) and otherwise
    /// comes out byte by byte.
    func tokenizer(pre: String, words: [String]) throws -> any Tokenizer {
        let spelled = words.map { w in w.utf8.map { Self.byteCharacters[Int($0)] }.joined() }
        let tokens = Self.byteCharacters + spelled
        return try Tokenizers.gguf(metadata: [
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string(pre),
            "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }), "tokenizer.ggml.merges": .array([]),
        ])
    }

    @Test func llama3SplitsNumbersInThreesAndKeepsWholeWordTokens() throws {
        let words = ["Hello", " world", "123", "456", "7", "'S", " ...\n\n\n", "\n\n", "  ", " x"]
        let t = try tokenizer(pre: "llama-bpe", words: words)
        func id(_ w: String) -> Int32 { Int32(256 + words.firstIndex(of: w)!) }
        #expect(t.encode("Hello world1234567") == [id("Hello"), id(" world"), id("123"), id("456"), id("7")])
        // " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*" takes the newlines after punctuation; "\\s*[\\r\\n]+" takes "  \\n\\n"…
        #expect(t.encode("Hello'S ...\n\n\n") == [id("Hello"), id("'S"), id(" ...\n\n\n")])
        // "\\s+(?!\\S)" leaves the last space of a run to the next word.
        #expect(t.encode("\n\n   x") == [id("\n\n"), id("  "), id(" x")])
    }

    @Test func llamaCppDefaultSplitsASCIIDigitsInTriples() throws {
        // "12" 256, "23" 257, "34" 258; byte tokens have their byte's id.
        func make(_ pre: String?) throws -> any Tokenizer {
            var m: [String: MetadataValue] = [
                "tokenizer.ggml.model": .string("gpt2"),
                "tokenizer.ggml.tokens": .array((Self.byteCharacters + ["12", "23", "34"]).map { .string($0) }),
                "tokenizer.ggml.merges": .array([.string("1 2"), .string("2 3"), .string("3 4")]),
            ]
            if let pre { m["tokenizer.ggml.pre"] = .string(pre) }
            return try Tokenizers.gguf(metadata: m)
        }
        // default: "a" "+=" "123" "4" "," "5"; gpt2: "a" "+=" "1234" "," "5".
        #expect(try make("default").encode("a+=1234,5") == [0x61, 0x2B, 0x3D, 256, 0x33, 0x34, 0x2C, 0x35])
        #expect(try make(nil).encode("a+=1234,5") == [0x61, 0x2B, 0x3D, 256, 0x33, 0x34, 0x2C, 0x35])
        #expect(try make("gpt2").encode("a+=1234,5") == [0x61, 0x2B, 0x3D, 256, 258, 0x2C, 0x35])
    }

    @Test func qwen2IsLlama3WithSingleDigits() throws {
        func make(_ pre: String) throws -> any Tokenizer {
            try Tokenizers.gguf(metadata: [
                "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string(pre),
                "tokenizer.ggml.tokens": .array((Self.byteCharacters + ["12"]).map { .string($0) }),
                "tokenizer.ggml.merges": .array([.string("1 2")]),
            ])
        }
        #expect(try make("llama-bpe").encode("12") == [256])
        #expect(try make("qwen2").encode("12") == [0x31, 0x32])
    }

    @Test func gpt2KeepsDigitRunsAndSmollmIsolatesDigits() throws {
        // Byte tokens have their byte's id ("1" 49, "2" 50, "Ġ" 32); merges "Ġ 1" (rank 0) → 257, "1 2" → 256.
        let tokens = Self.byteCharacters + ["12", "Ġ1"]
        func make(_ pre: String) throws -> any Tokenizer {
            try Tokenizers.gguf(metadata: [
                "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string(pre),
                "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }),
                "tokenizer.ggml.merges": .array([.string("Ġ 1"), .string("1 2")]),
            ])
        }
        #expect(try make("gpt2").encode("12 12") == [256, 257, 50])
        #expect(try make("smollm").encode("12 12") == [49, 50, 32, 49, 50])
    }
}

@Suite("BLOOM's pre-tokenizer keeps punctuation other than its separators inside words")
struct BLOOMPreTokenizerTests {
    /// A `bloom` GGUF vocabulary: bytes (id = byte value), then "ab" (256), "Ġab" (257), "ab-" (258).
    func tokenizer(pre: String) throws -> any Tokenizer {
        let tokens = PreTokenizerBoundaryTests.byteCharacters + ["ab", "\u{120}ab", "ab-"]
        return try Tokenizers.gguf(metadata: [
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string(pre),
            "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }),
            "tokenizer.ggml.merges": .array([.string("a b"), .string("\u{120} ab"), .string("ab -")]),
        ])
    }

    @Test func wordsRunUntilWhitespaceOrASeparator() throws {
        let bloom = try tokenizer(pre: "bloom")
        // "ab-ab" is one word ("-" is no separator), so "ab -" merges; GPT-2's regex splits at "-".
        #expect(bloom.encode("ab-ab") == [258, 256])
        #expect(try tokenizer(pre: "gpt2").encode("ab-ab") == [256, 0x2D, 256])
        // ", " before a word: the comma is the text between matches, the space starts the next word.
        #expect(bloom.encode("ab, ab.") == [256, 0x2C, 257, 0x2E])
        // Parentheses and the bar are separators too (the literal "(", "|", ")" of the class).
        #expect(bloom.encode("ab(ab|ab)") == [256, 0x28, 256, 0x7C, 256, 0x29])
        // "。" (E3 80 82) separates; two spaces: the first is between matches, the second starts " ab".
        #expect(bloom.encode("ab。ab  ab") == [256, 0xE3, 0x80, 0x82, 256, 0x20, 257])
    }

    @Test func llamaCppNamesMapToTheirPreTokenizersAndMergeRules() {
        #expect(PreTokenizer(ggufName: "bloom") == .bloom)
        #expect(PreTokenizer(ggufName: "command-r") == .digitsThenGPT2)
        #expect(PreTokenizer(ggufName: "olmo") == .gpt2)
        #expect(PreTokenizer(ggufName: "dbrx") == .llama3)
        #expect(PreTokenizer.ignoresMerges(ggufName: "llama-bpe"))
        #expect(!PreTokenizer.ignoresMerges(ggufName: "dbrx"))
        #expect(!PreTokenizer.ignoresMerges(ggufName: "qwen2"))
    }
}
