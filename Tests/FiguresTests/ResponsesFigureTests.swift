import Figures
import Foundation
import Plotting
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

    /// `name="number"` attributes of an SVG element's opening tag.
    static func attributes(_ tag: String) -> [String: String] {
        let pattern = try! NSRegularExpression(pattern: #"([a-z-]+)="([^"]*)""#)
        var found: [String: String] = [:]
        for m in pattern.matches(in: tag, range: NSRange(tag.startIndex..., in: tag)) {
            found[String(tag[Range(m.range(at: 1), in: tag)!])] = String(tag[Range(m.range(at: 2), in: tag)!])
        }
        return found
    }

    static func tags(_ name: String, in svg: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "<\(name) [^>]*>")
        return pattern.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).map { String(svg[Range($0.range, in: svg)!]) }
    }

    @Test("in a 12-language matrix the white canvas stays the most common colour (empty cells light grey) and the captions do not collide")
    func sparseMatrix() throws {
        // 12 instruction languages × 3 answers: two in the instruction language, one in English (es: one in ko),
        // so 12 of the 14 columns (answer languages and empty) are empty in most rows: the demo's shape, whose
        // empty cells were drawn in viridis(0) and outweighed the white canvas (render-check: "content reaches
        // the edge of the viewport at (0, 0)").
        let languages = ["en", "ar", "el", "hi", "tr", "vi", "zh", "de", "fr", "es", "ru", "ja"]
        var records: [TextRecord] = []
        for lang in languages {
            records += [TextRecord(id: "q1-\(lang)", language: lang, text: "\(lang): a"),
                        TextRecord(id: "q2-\(lang)", language: lang, text: "\(lang): b"),
                        TextRecord(id: "q3-\(lang)", language: lang, text: lang == "es" ? "ko: c" : "en: c")]
        }
        let analysis = ResponseAnalysis(responses: records, identifier: FixedIdentifier(), source: "r.jsonl")
        let svg = ResponsesFigures(analysis: analysis).matrix()
        let root = Self.attributes(try #require(Self.tags("svg", in: svg).first))
        let width = try #require(root["width"].flatMap(Double.init)), height = try #require(root["height"].flatMap(Double.init))

        let cells = Self.tags("rect", in: svg).map(Self.attributes).filter { $0["fill"] != "none" }
        let canvas = try #require(cells.first)
        #expect(canvas["fill"] == "#ffffff" && canvas["width"].flatMap(Double.init) == width)
        var area: [String: Double] = [:]
        for rect in cells.dropFirst() {
            area[rect["fill"]!, default: 0] += Double(rect["width"]!)! * Double(rect["height"]!)!
        }
        let inked = area.values.reduce(0, +)
        let background = width * height - inked
        let largest = try #require(area.max { $0.value < $1.value })
        #expect(largest.key == ResponsesFigures.emptyCellFill)
        #expect(background > largest.value, "canvas \(background) px² vs \(largest.key) \(largest.value) px²")
        // One grey cell per empty (row, column), none drawn in viridis(0) (the colour bar's bottom keeps it).
        let matrixCells = Self.tags("rect", in: svg).filter { svg.contains($0 + "<title>") }.map(Self.attributes)
        #expect(matrixCells.count == 12 * 14)
        let empty = analysis.matrix.joined().filter { $0 == 0 }.count
        // 14 columns (the 12, ko, empty); answers fill one cell in the en row, two in every other row.
        #expect(analysis.answerLanguages == languages + ["ko", "empty"])
        #expect(empty == 12 * 14 - (1 + 11 * 2))
        #expect(matrixCells.filter { $0["fill"] == ResponsesFigures.emptyCellFill }.count == empty)
        #expect(!matrixCells.contains { $0["fill"] == Viridis.color(at: 0).hex })

        // The row caption ends left of the first column's label and starts inside the canvas.
        let texts = Self.tags("text", in: svg)
        let caption = Self.attributes(try #require(texts.first { svg.contains($0 + "instruction ↓<") }))
        let captionEnd = try #require(caption["x"].flatMap(Double.init))
        #expect(caption["text-anchor"] == "end")
        #expect(captionEnd - estimatedTextWidth("instruction ↓", size: 11) >= 0)
        let firstColumn = Self.attributes(try #require(texts.first { svg.contains($0 + "en</text>") && $0.contains("text-anchor=\"middle\"") }))
        let firstColumnStart = try #require(firstColumn["x"].flatMap(Double.init)) - estimatedTextWidth("en", size: 11) / 2
        #expect(captionEnd < firstColumnStart)
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
