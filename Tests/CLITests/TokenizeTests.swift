import Foundation
import Testing
import TestSupport

@Suite("tokenize prints token ids, pieces and per-language counts")
struct TokenizeTests {
    @Test("--text prints one JSON line with BOS first (tiny m-LLaMA adds BOS)")
    func text() throws {
        let result = try CLI.run(["tokenize", CLI.model, "--text", "Hello world"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(line["id"] as? String == "0" && line["lang"] as? String == "x")
        let ids = try #require(line["ids"] as? [Int])
        #expect(ids.first == 1 && ids.count > 2)
        let noBOS = try CLI.run(["tokenize", CLI.model, "--text", "Hello world", "--no-bos"])
        #expect(noBOS.stdout.contains("\"ids\":[\(ids.dropFirst().map(String.init).joined(separator: ","))]"))
    }

    @Test("--input with --languages and --limit keeps those rows, row by row, columns in the order given")
    func corpus() throws {
        let result = try CLI.run(["tokenize", CLI.model, "--input", CLI.corpus, "--languages", "zh,en", "--limit", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.map { "\($0["id"]!)/\($0["lang"]!)" } == ["0001/en", "0001/zh", "0002/en", "0002/zh"])
    }

    @Test("--pieces adds the vocabulary string of every id, SentencePiece's ▁ marking the spaces")
    func pieces() throws {
        let result = try CLI.run(["tokenize", CLI.model, "--text", "Hello world", "--pieces"])
        let line = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let ids = try #require(line["ids"] as? [Int]), pieces = try #require(line["pieces"] as? [String])
        #expect(pieces.count == ids.count)
        #expect(pieces.first == "<s>")
        #expect(pieces.dropFirst().joined().replacingOccurrences(of: "▁", with: " ") == " Hello world")
    }

    @Test("--summary prints tokens per sentence and per character for each language")
    func summary() throws {
        let result = try CLI.run(["tokenize", CLI.model, "--input", CLI.corpus, "--summary"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.first == ["language", "sentences", "tokens", "tokens/sentence", "tokens/char", "×", "first"])
        #expect(rows.dropFirst().map { $0[0] } == ["en", "el", "zh"])
        let en = rows[1]
        #expect(en[1] == "8" && en.last == "1.00")
        // tokens/sentence = tokens / 8
        let tokens = try #require(Double(en[2])), perSentence = try #require(Double(en[3]))
        #expect(abs(perSentence - tokens / 8) <= 0.0051)
    }

    @Test("a corpus given as the model and a model given as --input are named as such (#16.5)")
    func swapped() throws {
        expectRuntimeError(try CLI.run(["tokenize", CLI.corpus, "--input", CLI.model]), "found a model (Hugging Face folder",
                           "interlingua tokenize MODEL --input CORPUS")
        expectRuntimeError(try CLI.run(["tokenize", CLI.corpus, "--text", "hi"]), "found a corpus (TSV file)")
    }

    @Test("--languages with --text is a usage error")
    func languagesWithText() throws {
        expectUsageError(try CLI.run(["tokenize", CLI.model, "--text", "a", "--languages", "en"]), "--input")
    }
}
