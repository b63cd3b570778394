import Foundation
import Generation
import Models
import TestSupport
import Testing
import Tokenizers

/// Ids only: the architecture fixtures ship no tokenizer, and the comparison is of token ids.
struct IdsOnlyTokenizer: Tokenizer {
    var vocabularySize: Int
    var bosID: Int32? { nil }
    var eosID: Int32? { nil }
    var addsBOSByDefault: Bool { false }
    func encode(_ text: String, addBOS: Bool) -> [Int32] { [] }
    func decode(_ ids: [Int32]) -> String { ids.map(String.init).joined(separator: " ") }
    func piece(_ id: Int32) -> String { String(id) }
}

@Suite("Every family generates with the KV cache exactly as without it")
struct EveryFamilyTests {
    /// The architecture fixtures whose family the registry has (families not yet registered join by themselves).
    static let fixtures: [String] = {
        let root = TestPaths.fixture("arch")
        return ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
            .filter { !$0.hasPrefix(".") && $0 != "README.md" }
            .filter { (try? ModelCheckpoint.open(modelPath($0))) != nil }
    }()

    static func modelPath(_ name: String) -> URL {
        let folder = TestPaths.fixture("arch/\(name)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.first { $0.hasSuffix(".gguf") }.map { folder.appendingPathComponent($0) } ?? folder
    }

    /// Tiny random models of every family (LLaMA with biases, Qwen2, Gemma 2, Phi-3 with its window, OLMo-2,
    /// Cohere with interleaved RoPE and q/k norms, BLOOM with ALiBi): greedy tokens from a KV cache and from
    /// re-running the whole prefix every step agree, in a batch of three prompts of different lengths.
    @Test("cached decoding = recomputing the prefix", arguments: EveryFamilyTests.fixtures)
    func cachedEqualsRecomputed(_ name: String) throws {
        let resolved = try ModelCheckpoint.open(Self.modelPath(name))
        let model = try ModelLoader.load(resolved)
        let vocabulary = model.config.vocabSize
        let tokenizer = IdsOnlyTokenizer(vocabularySize: vocabulary)
        let prompts: [[Int32]] = [[1, 5, 9, 2], [7], [3, 3, 8, 10, 4, 6, 2, 11, 12]].map { $0.map { Int32($0 % vocabulary) } }
        let requests = prompts.enumerated().map { GenerationRequest(id: "\($0)", language: nil, promptIDs: $1) }
        func run(recompute: Bool) throws -> [GenerationResult] {
            let settings = GenerationSettings(maxNewTokens: 6, eosIDs: [], recomputePrefix: recompute)
            return try Generator(model: model, tokenizer: tokenizer, settings: settings).generate(requests)
        }
        let cached = try run(recompute: false), recomputed = try run(recompute: true)
        for (a, b) in zip(cached, recomputed) {
            // Up to the first near-tie (random tiny models have some), the same tokens.
            let n = (b.margins.firstIndex { $0 < 1e-3 }).map { $0 + 1 } ?? b.outputIDs.count
            #expect(Array(a.outputIDs.prefix(n)) == Array(b.outputIDs.prefix(n)), "\(name) prompt \(a.id)")
            #expect(zip(a.margins.prefix(n), b.margins.prefix(n)).allSatisfy { abs($0 - $1) < 1e-3 * max(1, abs($1)) },
                    "\(name) prompt \(a.id): \(a.margins) vs \(b.margins)")
        }
    }
}
