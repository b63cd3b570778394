import Checkpoints
import Foundation
import Testing
import TestSupport
import Tokenizers
import Tracing

@Suite("Template spans hold exactly the sentence with the real tokenizers")
struct RealTokenizerSpanTests {
    static let sentences = ["A user with that username already exists.", "هناك مستخدم موجود مسبقاً بهذا الاسم.",
                            "已存在一位使用该名字的用户。", "Boolean (Either True or False)"]

    static var models: [URL] {
        [TestPaths.fixture("tiny-mllama"), TestPaths.smolLM2, TestPaths.gemma3]
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    @Test("every template, every tokenizer: the span decodes to the sentence and the prompt decodes whole",
          arguments: models)
    func spans(model: URL) throws {
        let tokenizer = try Tokenizers.load(for: try Checkpoint.open(model))
        for template in PromptTemplate.allCases {
            for sentence in Self.sentences {
                let prompt = try #require(template.encode(sentence, tokenizer: tokenizer, addBOS: tokenizer.addsBOSByDefault))
                #expect(prompt.ids == tokenizer.encode(template.prompt(sentence)))
                let decoded = tokenizer.decode(Array(prompt.ids[prompt.sentenceSpan]))
                // SentencePiece's dummy prefix gives a raw sentence a leading space when decoded alone.
                #expect(decoded.trimmingCharacters(in: .whitespaces) == sentence, "\(template) \(model.lastPathComponent)")
                #expect(prompt.startsWithBOS == (tokenizer.addsBOSByDefault && tokenizer.bosID != nil))
            }
        }
    }
}
