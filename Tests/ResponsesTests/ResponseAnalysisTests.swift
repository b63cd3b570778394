import Foundation
import Responses
import TestSupport
import Testing

/// A fixed identifier, so the counting is tested apart from CLD2.
struct TableIdentifier: LanguageIdentifier {
    let table: [String: String]
    var name: String { "table" }
    func identify(bytes: [UInt8]) -> LanguageGuess {
        LanguageGuess(language: table[String(decoding: bytes, as: UTF8.self)] ?? "und", confidence: 1)
    }
}

@Suite("The response analysis counts answer languages per instruction language")
struct ResponseAnalysisTests {
    let responses = [
        TextRecord(id: "1", language: "de", text: "Berlin ist die Hauptstadt.", reference: "Berlin"),
        TextRecord(id: "2", language: "de", text: "Berlin is the capital.", reference: "Berlin"),
        TextRecord(id: "3", language: "de", text: "  \n", reference: "Berlin"),
        TextRecord(id: "4", language: "de", text: "Berlín", reference: "Berlin"),
        TextRecord(id: "5", language: "en", text: "Paris.", reference: "paris"),
        TextRecord(id: "6", language: "en", text: "Paris est la capitale."),
    ]
    let identifier = TableIdentifier(table: [
        "Berlin ist die Hauptstadt.": "de", "Berlin is the capital.": "en", "Berlín": "es",
        "Paris.": "en", "Paris est la capitale.": "fr",
    ])

    @Test("Shares, matrix and correctness by hand")
    func counts() throws {
        let a = ResponseAnalysis(responses: responses, identifier: identifier, source: "r.jsonl")
        #expect(a.rows.map(\.lang) == ["de", "en"])
        let de = a.rows[0], en = a.rows[1]
        #expect((de.answers, de.same, de.english, de.other, de.empty) == (4, 1, 1, 1, 1))
        #expect(de.sameShare == 0.25 && de.emptyShare == 0.25)
        // An English answer to an English instruction is "same", never "English".
        #expect((en.same, en.english, en.other) == (1, 0, 1))
        #expect(a.answerLanguages == ["de", "en", "es", "fr", "empty"])
        #expect(a.matrix == [[1, 1, 1, 0, 1], [0, 1, 0, 1, 0]])
        // "Berlin ist die Hauptstadt." contains the reference; only "Paris." equals "paris" after normalizing.
        #expect(de.withReference == 4 && de.exactMatch == 0 && de.contains == 2)
        #expect(en.withReference == 1 && en.exactMatch == 1 && en.contains == 1)
    }

    @Test("JSON, CSV and the matrix are written and read back")
    func files() throws {
        let dir = try TestPaths.temporaryDirectory("responses")
        let a = ResponseAnalysis(responses: responses, identifier: identifier, source: "r.jsonl")
        try a.write(to: dir)
        #expect(try ResponseAnalysis.read(from: dir.appendingPathComponent("responses.json")) == a)
        let csv = try String(contentsOf: dir.appendingPathComponent("responses.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n")[1] == "de,4,1,1,1,1,0.2500,0.2500,0.2500,0.2500,4,0,2")
        let matrix = try String(contentsOf: dir.appendingPathComponent("language-matrix.csv"), encoding: .utf8)
        #expect(matrix.split(separator: "\n") == ["instruction_lang,de,en,es,fr,empty", "de,1,1,1,0,1", "en,0,1,0,1,0"])
        let lines = try String(contentsOf: dir.appendingPathComponent("langid.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[2].contains("\"detected\":\"empty\""))
    }

    @Test("A generate output is read as texts; bad lines name the file and line")
    func reading() throws {
        let dir = try TestPaths.temporaryDirectory("responses")
        let good = dir.appendingPathComponent("r.jsonl")
        try Data("""
        {"id":"a","lang":"fr","prompt_ids":[1],"output_ids":[2],"text":"Bonjour tout le monde","finish":"eos","reference":"bonjour"}
        {"id":7,"text":""}

        """.utf8).write(to: good)
        let records = try TextRecords.load(good)
        #expect(records == [TextRecord(id: "a", language: "fr", text: "Bonjour tout le monde", reference: "bonjour", finish: "eos"),
                            TextRecord(id: "7", language: nil, text: "")])
        let bad = dir.appendingPathComponent("bad.jsonl")
        try Data("{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\"}\n".utf8).write(to: bad)
        #expect(throws: ResponsesError.badLine(file: bad.path, line: 2, reason: "no string \"text\"")) { try TextRecords.load(bad) }
        var binary = Data("{\"id\":\"a\",\"text\":\"".utf8)
        binary.append(contentsOf: [0xFF, 0xFE])
        binary.append(Data("\"}\n".utf8))
        try binary.write(to: bad)
        #expect(throws: ResponsesError.badLine(file: bad.path, line: 1, reason: "not UTF-8")) { try TextRecords.load(bad) }
    }
}
