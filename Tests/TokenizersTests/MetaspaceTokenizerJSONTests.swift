// HF tokenizer.json in SentencePiece style (LLaMA "fast" tokenizers), built the way transformers converts
// a tokenizer.model, must encode as sentencepiece does.
import Foundation
import Testing
import TestSupport
import Tokenizers

@Suite("A LLaMA-style tokenizer.json converted from tiny-mllama's tokenizer.model gives sentencepiece's ids")
struct MetaspaceTokenizerJSONTests {
    /// transformers' `SentencePieceExtractor`: for every piece, each split into two pieces of the vocabulary
    /// (ordered by their ids), all ordered by the piece's score, highest first (a stable sort).
    static func convertedJSON(legacyNormalizer: Bool) throws -> [String: Any] {
        let model = try SentencePieceModel(contentsOf: TestPaths.fixture("tiny-mllama/tokenizer.model"))
        var vocab: [String: Int] = [:]
        for (i, p) in model.pieces.enumerated() { vocab[p] = i }
        var merges: [(String, String, Float)] = []
        for (i, piece) in model.pieces.enumerated() where model.types[i] == .normal {
            let chars = Array(piece)
            var local: [(String, String, Float)] = []
            for cut in 1..<max(chars.count, 1) {
                let l = String(chars[..<cut]), r = String(chars[cut...])
                if vocab[l] != nil, vocab[r] != nil { local.append((l, r, model.scores[i])) }
            }
            local.sort { (vocab[$0.0]!, vocab[$0.1]!) < (vocab[$1.0]!, vocab[$1.1]!) }
            merges += local
        }
        let ordered = merges.enumerated().sorted { $0.element.2 != $1.element.2 ? $0.element.2 > $1.element.2 : $0.offset < $1.offset }
        let special = [(0, "<unk>"), (1, "<s>"), (2, "</s>"), (3000, "<pad>")]
        vocab["<pad>"] = 3000
        var json: [String: Any] = [
            "added_tokens": special.map { ["id": $0.0, "content": $0.1, "special": true] as [String: Any] },
            "post_processor": ["type": "TemplateProcessing", "single": [
                ["SpecialToken": ["id": "<s>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]],
            ]],
            "model": ["type": "BPE", "vocab": vocab, "merges": ordered.map { [$0.element.0, $0.element.1] },
                      "unk_token": "<unk>", "byte_fallback": true, "fuse_unk": true, "ignore_merges": false],
        ]
        if legacyNormalizer {
            json["normalizer"] = ["type": "Sequence", "normalizers": [
                ["type": "Prepend", "prepend": "▁"], ["type": "Replace", "pattern": ["String": " "], "content": "▁"],
            ]]
            json["pre_tokenizer"] = NSNull()
        } else {
            json["normalizer"] = NSNull()
            json["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": false]
        }
        return json
    }

    @Test(arguments: [true, false])
    func everyFixtureStringHasTheReferenceIDs(legacyNormalizer: Bool) throws {
        let folder = try TestPaths.temporaryDirectory("metaspace")
        let url = folder.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: try Self.convertedJSON(legacyNormalizer: legacyNormalizer)).write(to: url)
        let tokenizer = try Tokenizers.huggingFace(tokenizerJSON: url)
        #expect(tokenizer.vocabularySize == 3001)
        #expect(tokenizer.addsBOSByDefault)
        let cases = try ReferenceTokens.load("tiny-mllama/reference/tokens.jsonl")
        // A string starting with a space differs by design under Metaspace "always" (no "▁" is added when
        // the text already starts with one); the legacy normalizer prepends unconditionally.
        let comparable = legacyNormalizer ? cases : cases.filter { !$0.text.hasPrefix(" ") }
        let result = mismatches(comparable) { tokenizer.encode($0) }
        #expect(result.count == 0, "\(result.count) of \(comparable.count) differ: \(result.examples.joined(separator: "\n"))")
        let wrongDecode = cases.filter { tokenizer.decode($0.ids) != $0.text }
        #expect(wrongDecode.isEmpty)
    }
}
