import Testing
import Tracing

@Suite("A prompt template locates the sentence's own tokens")
struct PromptTemplateTests {
    let tokenizer = ScalarTokenizer()

    @Test("raw: the span is the whole sentence after BOS")
    func raw() throws {
        let p = try #require(PromptTemplate.raw.encode("abc", tokenizer: tokenizer, addBOS: true))
        #expect(p.ids == [1, 97, 98, 99])
        #expect(p.startsWithBOS)
        #expect(p.sentenceSpan == 1..<4)
        #expect(p.poolSpan(wholePrompt: false, includeBOS: true) == 0..<4)
        #expect(p.poolSpan(wholePrompt: false, includeBOS: false) == 1..<4)
    }

    @Test("alpaca: the span covers exactly the input text inside the prompt")
    func alpaca() throws {
        let p = try #require(PromptTemplate.alpaca.encode("xyz", tokenizer: tokenizer, addBOS: true))
        let prefix = PromptTemplate.alpaca.surroundings().prefix
        #expect(prefix.hasSuffix("### Input:\n"))
        #expect(prefix.hasPrefix("Below is an instruction that describes a task, paired with an input"))
        #expect(p.sentenceSpan == (1 + prefix.unicodeScalars.count)..<(1 + prefix.unicodeScalars.count + 3))
        #expect(Array(p.ids[p.sentenceSpan]) == [120, 121, 122])
        #expect(tokenizer.decode(p.ids).hasSuffix("xyz\n\n### Response:"))
        // A template span never takes BOS in, but the whole prompt may.
        #expect(p.poolSpan(wholePrompt: false, includeBOS: true) == p.sentenceSpan)
        #expect(p.poolSpan(wholePrompt: true, includeBOS: false) == 1..<p.ids.count)
        #expect(p.poolSpan(wholePrompt: true, includeBOS: true) == 0..<p.ids.count)
    }

    @Test("alpaca without input: the sentence is the instruction")
    func alpacaNoInput() throws {
        let prompt = PromptTemplate.alpacaNoInput.prompt("Hi")
        #expect(prompt == "Below is an instruction that describes a task. Write a response that appropriately "
            + "completes the request.\n\n### Instruction:\nHi\n\n### Response:")
        let p = try #require(PromptTemplate.alpacaNoInput.encode("Hi", tokenizer: tokenizer, addBOS: false))
        #expect(!p.startsWithBOS)
        #expect(tokenizer.decode(Array(p.ids[p.sentenceSpan])) == "Hi")
    }

    @Test("instruction: instruction line, then the sentence")
    func instruction() throws {
        #expect(PromptTemplate.instruction.prompt("s", instruction: "Do it.") == "Do it.\ns\n")
        let p = try #require(PromptTemplate.instruction.encode("s", tokenizer: tokenizer, addBOS: true, instruction: "Do it."))
        #expect(p.sentenceSpan == 8..<9)
    }
}
