// 2,000 generated stress strings (CrossCheck/generate.py) against sentencepiece 0.2.3 and HF tokenizers 0.23.3.
import Foundation
import Testing
import Tokenizers

struct StressString: Decodable {
    let id: String
    let text: String
    let tiny_mllama_sentencepiece: [Int32]
    let smollm2_hf_tokenizers: [Int32]?

    static let all: Result<[StressString], Error> = Result {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("CrossCheck/stress-strings.jsonl")
        let decoder = JSONDecoder()
        return try Data(contentsOf: url).split(separator: 0x0A).map { try decoder.decode(StressString.self, from: Data($0)) }
    }
}

@Suite("Generated stress strings encode as the reference libraries do")
struct CrossCheckTests {
    @Test func tinyMLlamaMatchesSentencepieceOnEveryStressString() throws {
        let strings = try StressString.all.get()
        #expect(strings.count == 2000)
        let tokenizer = try ModelTokenizers.tinyMLlama.get()
        let wrong = strings.filter { tokenizer.encode($0.text) != $0.tiny_mllama_sentencepiece }
        #expect(wrong.isEmpty, "\(wrong.count) differ, first \(wrong.first.map { $0.text.debugDescription } ?? "")")
        // "▁" in the text is a space to SentencePiece, so those strings cannot survive decoding.
        let preserved = strings.filter { !$0.text.contains("\u{2581}") }
        let notRoundTripped = preserved.filter { tokenizer.decode(tokenizer.encode($0.text)) != $0.text }
        #expect(notRoundTripped.isEmpty, "\(notRoundTripped.count), first \(notRoundTripped.first.map { $0.text.debugDescription } ?? "")")
    }

    @Test func smolLM2MatchesHFTokenizersOnEveryStringWithoutControlTokenText() throws {
        let strings = try StressString.all.get().filter { $0.smollm2_hf_tokenizers != nil }
        #expect(strings.count > 1900)
        let tokenizer = try ModelTokenizers.smolLM2.get()
        let wrong = strings.filter { tokenizer.encode($0.text) != $0.smollm2_hf_tokenizers }
        #expect(wrong.isEmpty, "\(wrong.count) differ, first \(wrong.first.map { $0.text.debugDescription } ?? "")")
        #expect(strings.allSatisfy { tokenizer.decode(tokenizer.encode($0.text)) == $0.text })
    }
}

@Suite("Gemma 3's GGUF tokenizer decodes every stress string back")
struct GemmaStressRoundTripTests {
    @Test func everyStressStringWithoutTheSpaceMarkSurvivesARoundTrip() throws {
        let strings = try StressString.all.get().filter { !$0.text.contains("\u{2581}") }
        let tokenizer = try ModelTokenizers.gemma3.get()
        let wrong = strings.filter { tokenizer.decode(tokenizer.encode($0.text)) != $0.text }
        #expect(wrong.isEmpty, "\(wrong.count), first \(wrong.first.map { $0.text.debugDescription } ?? "")")
    }
}
