import Figures
import Foundation
import Responses
import Testing
import TestSupport

struct FixedIdentifier: LanguageIdentifier {
    var name: String { "fixed" }
    func identify(bytes: [UInt8]) -> LanguageGuess {
        let text = String(decoding: bytes, as: UTF8.self)
        return LanguageGuess(language: text.hasPrefix("en:") ? "en" : String(text.prefix(2)), confidence: 1)
    }
}

@Suite("The responses figures show the language matrix and the shares; plot recognises a responses folder")
struct ResponsesFigureTests {
    let analysis = ResponseAnalysis(responses: [
        TextRecord(id: "1", language: "de", text: "de: ja"), TextRecord(id: "2", language: "de", text: "en: yes"),
        TextRecord(id: "3", language: "zh", text: "zh: 是"), TextRecord(id: "4", language: "zh", text: ""),
    ], identifier: FixedIdentifier(), source: "r.jsonl")

    @Test("a heatmap cell per instruction × answer language with its count, a bar segment per share")
    func figures() {
        let figures = ResponsesFigures(analysis: analysis).all()
        #expect(figures.map(\.fileName) == ["response-languages.svg", "response-shares.svg"])
        #expect(analysis.answerLanguages == ["de", "zh", "en", "empty"])
        let matrix = figures[0].svg
        #expect(matrix.contains("<title>de → en: 1 of 2</title>"))
        #expect(matrix.contains("<title>zh → empty: 1 of 2</title>"))
        let shares = figures[1].svg
        #expect(shares.contains("de: same language 50 %"))
        #expect(shares.contains("zh: empty 50 %"))
        #expect(!shares.contains("zh: English"))
    }

    @Test("plot and report open DIR/responses.json by its format")
    func input() throws {
        let dir = try TestPaths.temporaryDirectory("responses-figures")
        try analysis.write(to: dir)
        let opened = try FigureInputs.open(dir.path)
        #expect(opened is ResponsesInput)
        #expect(opened.figures(FigureOptions()).figures.count == 2)
        #expect(try opened.reportHTML(FigureOptions()).contains("Response languages"))
        #expect(opened.summaryLines().first == "de: 50 % same, 50 % English, 0 % other, 0 % empty (2)")
    }
}
