// Behaviour the fixtures do not pin down, checked against hand-worked reference algorithms
// (sentencepiece bpe_model.cc / llama.cpp llm_tokenizer_spm, tokenizer_st_partition, the GPT-2 regex).
import Testing
import TestSupport
import Tokenizers

@Suite("SentencePiece falls back to bytes for characters outside the vocabulary")
struct SentencePieceByteFallbackTests {
    // tiny-mllama: "▁" = 976, "<0xNN>" = 3 + NN, no "▁▁" piece.
    @Test func unknownCharactersBecomeTheirUTF8Bytes() throws {
        let t = try ModelTokenizers.tinyMLlama.get()
        let clef: [Int32] = [1, 976, 243, 160, 135, 161]  // <0xF0> <0x9D> <0x84> <0x9E>
        #expect(t.encode("𝄞") == clef)
        #expect(t.encode("\t") == [1, 976, 12] as [Int32])
        #expect(t.encode("\n", addBOS: false) == [976, 13] as [Int32])
    }

    @Test func spacesAreKeptOneForOneWithTheDummyPrefix() throws {
        let t = try ModelTokenizers.tinyMLlama.get()
        #expect(t.encode("  ") == [1, 976, 976, 976])
        #expect(t.encode("") == [1])
        #expect(t.encode("", addBOS: false) == [])
    }

    @Test func textThatLooksLikeSpecialTokensIsOrdinaryText() throws {
        let t = try ModelTokenizers.tinyMLlama.get()
        for text in ["<s>", "</s>", "<pad>", "<unk>"] {
            let ids = t.encode(text, addBOS: false)
            #expect(!ids.contains(where: { $0 <= 2 || $0 == 3000 }), "\(text) → \(ids)")
        }
    }
}

@Suite("llama.cpp cuts Gemma 3's user-defined whitespace tokens out longest first")
struct GemmaUserDefinedTokenTests {
    // Gemma 3: n spaces (2…31) = 138 + n − 2; n newlines (1…31) = 107 + n − 1; "a" = 236746, "b" = 236763.
    @Test func aRunLongerThanAnyTokenSplitsIntoTheLongestThenTheRest() throws {
        let t = try ModelTokenizers.gemma3.get()
        #expect(t.encode("a" + String(repeating: " ", count: 40) + "b") == [2, 236746, 167, 145, 236763])
        #expect(t.encode("a\n\nb") == [2, 236746, 108, 236763])
        #expect(t.encode(String(repeating: "\n", count: 62)) == [2, 137, 137])
    }

    @Test func controlLookingTextStaysText() throws {
        let t = try ModelTokenizers.gemma3.get()
        let ids = t.encode("<bos><eos><end_of_turn></s>", addBOS: false)
        #expect(!ids.contains(1) && !ids.contains(2) && !ids.contains(212) && !ids.contains(106))
        #expect(t.encode("<s>", addBOS: false) == [203])
    }
}

@Suite("Byte-level BPE splits words as the GPT-2 regex after isolating digits (SmolLM2)")
struct SmolLM2PreTokenizerTests {
    // SmolLM2: "a" 81, "b" 82, "Ġ" 216, "Ġb" 278, "Ċ" 198, "1" 33, "2" 34, "3" 35, "hello" 28120,
    // "Ġworld" 905, "'s" 506.
    @Test func whitespaceRunsLeaveTheirLastSpaceToTheNextWord() throws {
        let t = try ModelTokenizers.smolLM2.get()
        #expect(t.encode("a  b") == [81, 216, 278])
        #expect(t.encode("a\n\nb") == [81, 198, 198, 82])
    }

    @Test func everyDigitIsItsOwnWord() throws {
        let t = try ModelTokenizers.smolLM2.get()
        #expect(t.encode("12 3") == [33, 34, 216, 35])
        #expect(t.encode("hello world's") == [28120, 905, 506])
    }

    @Test func specialTokenTextIsOrdinaryText() throws {
        let t = try ModelTokenizers.smolLM2.get()
        let ids = t.encode("<|im_start|>user<|im_end|><|endoftext|>")
        #expect(!ids.contains(where: { $0 < 17 }))
        #expect(t.decode([1, 81, 2]) == "a")
    }
}

@Suite("Encoding long inputs is linear-time and exact")
struct LongInputTests {
    @Test func aLongTextEncodesAsItsRepeatedWords() throws {
        // Word-split tokenizers encode each word independently, so n copies of " word" give n copies of its ids.
        let t = try ModelTokenizers.smolLM2.get()
        let unit = t.encode(" interlingua")
        let ids = t.encode(String(repeating: " interlingua", count: 20_000))
        #expect(ids.count == unit.count * 20_000)
        #expect(Array(ids.suffix(unit.count)) == unit)
    }

    @Test func aStringLongerThanAnyPieceIsCovered() throws {
        let t = try ModelTokenizers.tinyMLlama.get()
        let s = String(repeating: "already exists", count: 10_000)
        let ids = t.encode(s)
        #expect(t.decode(ids) == s)
        #expect(ids.count < s.utf8.count / 2)
    }
}
