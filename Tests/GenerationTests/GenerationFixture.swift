// The reference generations of ../shared/fixtures/generate (transformers, float32, greedy, 24 new tokens).
import Foundation
import Generation
import TestSupport

struct FixtureGeneration: Decodable {
    var index: Int
    var kind: String
    var lang: String
    var prompt: String
    var messages: [ChatMessage]?
    var rendered: String?
    var prompt_ids: [Int32]
    var generated_ids: [Int32]
    var finish: String
    var eos_ids: [Int32]
    var max_new_tokens: Int
    var text: String
    var margins: [Float]

    static func load(_ model: String) throws -> [FixtureGeneration] {
        let text = try String(contentsOf: TestPaths.fixture("generate/\(model).jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(FixtureGeneration.self, from: Data($0.utf8)) }
    }

    /// Steps to compare: up to and including the first step whose margin is below 1e-3 (a near-tie that
    /// float32 summation order may flip), every step otherwise.
    var comparableSteps: Int {
        (margins.firstIndex { $0 < 1e-3 }).map { $0 + 1 } ?? generated_ids.count
    }

    var record: PromptRecord {
        PromptRecord(id: String(index), language: lang,
                     body: messages.map { .messages($0) } ?? .raw(prompt))
    }
}

func modelIsCached(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }
