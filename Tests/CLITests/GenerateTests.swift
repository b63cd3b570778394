import Foundation
import Testing
import TestSupport

@Suite("generate, langid and responses from the command line")
struct GenerateCommandTests {
    @Test("generate writes one JSON line per prompt with the fixture's greedy ids; responses and plot read it")
    func generateThenResponses() throws {
        let dir = try TestPaths.temporaryDirectory("cli-generate")
        let prompts = dir.appendingPathComponent("prompts.jsonl")
        // The first two tiny-mllama fixture prompts (raw continuations, SentencePiece with BOS).
        try Data("""
        {"id": "p0", "lang": "en", "prompt": "A user with that", "reference": "username"}
        {"id": "p1", "lang": "ar", "prompt": "هناك مستخدم"}

        """.utf8).write(to: prompts)
        let run = try CLI.run(["generate", CLI.model, prompts.path, "--max-new-tokens", "5", "-o", "out.jsonl"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOf: dir.appendingPathComponent("out.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["id"] as? String == "p0")
        #expect(first["lang"] as? String == "en")
        #expect(first["prompt_ids"] as? [Int] == [1, 312, 462, 515, 592])
        #expect(first["output_ids"] as? [Int] == [2157, 815, 1211, 1855, 85])
        #expect(first["finish"] as? String == "length")
        #expect(first["reference"] as? String == "username")
        #expect(first["text"] is String)

        let responses = try CLI.run(["responses", "out.jsonl", "-o", "resp"], in: dir)
        #expect(responses.status == 0, "\(responses.stderr)")
        for name in ["responses.json", "responses.csv", "language-matrix.csv", "langid.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("resp/\(name)").path), "\(name)")
        }
        let plot = try CLI.run(["plot", "resp"], in: dir)
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(plot.stdout.contains("response-languages.svg"))
    }

    @Test("a chat prompt for a model without a template, and an unknown template name, are errors naming the choices")
    func chatTemplateErrors() throws {
        let dir = try TestPaths.temporaryDirectory("cli-generate")
        let prompts = dir.appendingPathComponent("chat.jsonl")
        try Data("{\"id\": \"c\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n".utf8).write(to: prompts)
        let none = try CLI.run(["generate", CLI.model, prompts.path, "-o", "out.jsonl"], in: dir)
        expectRuntimeError(none, "ships no chat template", "chatml, gemma")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.jsonl").path))
        let unknown = try CLI.run(["generate", CLI.model, prompts.path, "-o", "out.jsonl", "--chat-template", "vicuna"], in: dir)
        expectUsageError(unknown, "vicuna")
        let alpaca = try CLI.run(["generate", CLI.model, prompts.path, "-o", "out.jsonl", "--chat-template", "alpaca",
                                  "--max-new-tokens", "2"], in: dir)
        #expect(alpaca.status == 0, "\(alpaca.stderr)")
    }

    @Test("langid writes a line per text and reports accuracy; empty texts are 'und'")
    func langid() throws {
        let dir = try TestPaths.temporaryDirectory("cli-langid")
        let run = try CLI.run(["langid", CLI.corpus], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 24)
        #expect(lines[0].contains("\"detected\":\"en\""))
        #expect(run.stderr.contains("all "))
        let texts = dir.appendingPathComponent("texts.jsonl")
        try Data("{\"id\":\"e\",\"text\":\"\"}\n{\"id\":\"b\",\"text\":\"\\u0000\\u0001\\u00ff\\u0007\"}\n".utf8).write(to: texts)
        let bad = try CLI.run(["langid", texts.path], in: dir)
        #expect(bad.status == 0, "\(bad.stderr)")
        #expect(bad.stdout.split(separator: "\n").allSatisfy { $0.contains("\"detected\":\"und\"") })
        expectRuntimeError(try CLI.run(["langid", "missing.jsonl"], in: dir), "missing.jsonl")
    }
}
