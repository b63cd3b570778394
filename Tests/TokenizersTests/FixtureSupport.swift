// Reading the reference `tokens.jsonl` fixtures.
import Foundation
import TestSupport

/// One line of a fixture `tokens.jsonl`: a string and the reference tokenizer's ids (BOS per the model).
struct ReferenceTokens: Decodable, Sendable {
    let lang: String
    let id: String
    let text: String
    let ids: [Int32]

    static func load(_ relative: String) throws -> [ReferenceTokens] {
        let data = try Data(contentsOf: TestPaths.fixture(relative))
        let decoder = JSONDecoder()
        return try data.split(separator: 0x0A).filter { !$0.isEmpty }.map { try decoder.decode(ReferenceTokens.self, from: Data($0)) }
    }
}

/// The first `limit` mismatches, for a readable failure message.
func mismatches(_ cases: [ReferenceTokens], limit: Int = 5, _ encode: (String) -> [Int32]) -> (count: Int, examples: [String]) {
    var count = 0
    var examples: [String] = []
    for c in cases {
        let ours = encode(c.text)
        if ours != c.ids {
            count += 1
            if examples.count < limit { examples.append("\(c.lang)/\(c.id) \(c.text.debugDescription): ours \(ours) reference \(c.ids)") }
        }
    }
    return (count, examples)
}
