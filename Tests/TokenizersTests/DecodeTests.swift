// Decoding ids back to text.
import Testing
import TestSupport
import Tokenizers

@Suite("Decoding the reference ids reproduces every fixture string")
struct DecodeRoundTripTests {
    // All three normalizations preserve every fixture string: identity normalization with a dummy prefix
    // that decoding strips (tiny-mllama), no prefix (Gemma 3), byte-level (SmolLM2).
    @Test(arguments: [
        ("tiny-mllama/reference/tokens.jsonl", 0), ("gemma-3-270m-q4_k_m/tokens.jsonl", 1),
        ("smollm2-135m-instruct-q4_1/tokens.jsonl", 2),
    ])
    func decodeOfReferenceIDsIsTheText(fixture: String, model: Int) throws {
        let tokenizer = try [ModelTokenizers.tinyMLlama, ModelTokenizers.gemma3, ModelTokenizers.smolLM2][model].get()
        let cases = try ReferenceTokens.load(fixture)
        let wrong = cases.filter { tokenizer.decode($0.ids) != $0.text }
        #expect(wrong.isEmpty, "\(wrong.count) differ, e.g. \(wrong.first.map { "\($0.text.debugDescription) → \(tokenizer.decode($0.ids).debugDescription)" } ?? "")")
        let roundTrip = cases.filter { tokenizer.decode(tokenizer.encode($0.text)) != $0.text }
        #expect(roundTrip.isEmpty)
    }

    @Test func edgeCaseStringsSurviveARoundTrip() throws {
        let strings = [
            "", " ", "   ", "\t\ttabs", "line\nbreak\r\nwindows", "a  b   c    d", "trailing ", " leading",
            "🙂🚀👩‍👩‍👧", "e\u{301}\u{302}\u{303}", "\u{200B}\u{FEFF}", "中文日本語한국어", "0123456789" + String(repeating: "9", count: 50),
            String(repeating: "abc", count: 2000), "\u{0}\u{1}\u{7F}", "<s></s><pad><unk><bos><eos><|im_start|>",
            "𝄞 \u{10FFFF} \u{E000}",
        ]
        for model in [ModelTokenizers.tinyMLlama, ModelTokenizers.gemma3, ModelTokenizers.smolLM2] {
            let tokenizer = try model.get()
            for s in strings {
                #expect(tokenizer.decode(tokenizer.encode(s)) == s, "\(s.debugDescription)")
            }
        }
    }
}
