// Token ids of every architecture fixture (`Tests/Fixtures/arch-tokenizers`, copied from
// shared/fixtures/arch) identical to transformers' `AutoTokenizer(folder).encode(text)`.
import Foundation
import Testing
import TestSupport
import Tokenizers

/// The 31 fixture models: Hugging Face folders (tokenizer files + config.json) and GGUF files.
enum ArchitectureFixtures {
    static let folders = [
        "bloom", "cohere", "cohere-qknorm", "gemma", "gemma2", "gemma3-linear8", "gemma3-mm", "gemma3-mm-v5cfg",
        "gemma3-text", "gemma3-v5cfg", "llama-attn-bias", "llama-dynamic", "llama-mlp-bias", "llama-yarn",
        "llama2-linear", "llama3", "llama32-tied", "llama32-v5cfg", "mistral", "mistral-swa", "olmo2", "phi3",
        "qwen2", "qwen2-nfc", "qwen3",
    ]
    static let ggufs = ["bloom-gguf", "cohere-gguf", "gemma2-gguf", "llama-attn-bias-gguf", "llama3-gguf", "qwen2-gguf"]

    /// The model a fixture's tokenizer is read from: its folder of tokenizer files, or its model.gguf.
    static func model(_ name: String) -> URL {
        ggufs.contains(name) ? TestPaths.fixture("arch/\(name)/model.gguf") : TestPaths.fixture("arch-tokenizers/\(name)")
    }

    static func reference(_ name: String) throws -> [ReferenceTokens] {
        try ReferenceTokens.load("arch-tokenizers/\(name)/reference/tokens.jsonl")
    }
}

@Suite("Every architecture fixture's tokenizer gives transformers' token ids for all 48 strings")
struct ArchitectureFixtureTokenIDTests {
    @Test(arguments: ArchitectureFixtures.folders + ArchitectureFixtures.ggufs)
    func everyStringHasTheReferenceIDs(name: String) throws {
        let tokenizer = try Tokenizers.load(modelAt: ArchitectureFixtures.model(name))
        let cases = try ArchitectureFixtures.reference(name)
        #expect(cases.count == 48)
        let result = mismatches(cases) { tokenizer.encode($0) }
        #expect(result.count == 0, "\(name): \(result.count) of \(cases.count) differ: \(result.examples.joined(separator: "\n"))")
    }

    @Test func bosIsAddedExactlyWhereTheTokenizerAddsIt() throws {
        // Command-R's TemplateProcessing adds <BOS_TOKEN> (5); BLOOM, Qwen2 and OLMo-2 add none.
        for name in ["cohere", "cohere-gguf"] {
            let t = try Tokenizers.load(modelAt: ArchitectureFixtures.model(name))
            #expect(t.addsBOSByDefault && t.bosID == 5, "\(name)")
        }
        for name in ["bloom", "bloom-gguf", "qwen2", "qwen2-gguf", "olmo2"] {
            #expect(try !Tokenizers.load(modelAt: ArchitectureFixtures.model(name)).addsBOSByDefault, "\(name)")
        }
    }
}

@Suite("NFC is applied where transformers applies it, and only there")
struct NFCNormalizationTests {
    /// The rows in Unicode NFD (`0042-nfd`) whose NFC differs, with that NFC text.
    func decomposedRows(_ name: String) throws -> [(row: ReferenceTokens, composed: String)] {
        try ArchitectureFixtures.reference(name).filter { $0.id == "0042-nfd" }
            .map { ($0, $0.text.precomposedStringWithCanonicalMapping) }
            .filter { Array($0.row.text.unicodeScalars) != Array($0.composed.unicodeScalars) }
    }

    @Test func aNFCNormalizerMakesDecomposedTextTokenizeAsComposedText() throws {
        let t = try Tokenizers.load(modelAt: ArchitectureFixtures.model("qwen2-nfc"))
        let rows = try decomposedRows("qwen2-nfc")
        #expect(rows.count == 9)
        for (row, composed) in rows {
            #expect(t.encode(row.text) == row.ids, "\(row.lang)")
            #expect(t.encode(composed) == row.ids, "\(row.lang)")
        }
    }

    @Test func modelTypeQwen2ForcesNFCOnATokenizerJSONWithoutANormalizer() throws {
        for name in ["qwen2", "qwen2-gguf"] {
            let t = try Tokenizers.load(modelAt: ArchitectureFixtures.model(name))
            let rows = try decomposedRows(name)
            #expect(rows.count == 9)
            for (row, composed) in rows {
                #expect(t.encode(row.text) == row.ids && t.encode(composed) == row.ids, "\(name) \(row.lang)")
            }
        }
        #expect(Tokenizers.forcedNormalization(modelType: "qwen2") == .nfc)
        #expect(Tokenizers.forcedNormalization(modelType: "qwen3") == .none)
    }

    @Test func qwen3KeepsItsTokenizerJSONAndSoDecomposedTextStaysDecomposed() throws {
        let t = try Tokenizers.load(modelAt: ArchitectureFixtures.model("qwen3"))
        let rows = try decomposedRows("qwen3")
        #expect(rows.count == 9)
        for (row, composed) in rows {
            #expect(t.encode(row.text) == row.ids)
            #expect(t.encode(composed) != row.ids, "\(row.lang)")
        }
    }
}
