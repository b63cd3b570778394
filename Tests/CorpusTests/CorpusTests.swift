// Parallel corpora: parsing of every format and every way a corpus can be wrong.
import Corpus
import Foundation
import Testing
import TestSupport

/// Writes `files` (relative path → bytes) into a fresh folder and returns it.
func corpusFolder(_ files: [String: [UInt8]]) throws -> URL {
    let folder = try TestPaths.temporaryDirectory("corpus")
    for (path, bytes) in files {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
    return folder
}

func corpusFile(_ name: String, _ text: String) throws -> URL {
    try corpusFolder([name: Array(text.utf8)]).appendingPathComponent(name)
}

@Suite("TSV corpora are read row by row with their header's languages")
struct TSVCorpusTests {
    @Test func headerLanguagesRowsAndInputOrder() throws {
        let url = try corpusFile("c.tsv", "id\ten\tde\n1\tHello\tHallo\n2\tTwo words\t\n\n")
        let corpus = try ParallelCorpus.load(url)
        #expect(corpus.languages == ["en", "de"])
        #expect(corpus.ids == ["1", "2"])
        #expect(corpus.texts(for: "de") == ["Hallo", ""])
        #expect(corpus.sentences.map { "\($0.id)/\($0.language)" } == ["1/en", "1/de", "2/en", "2/de"])
    }

    @Test func crlfLineEndsAndAByteOrderMarkAreAccepted() throws {
        let url = try corpusFolder(["c.tsv": [0xEF, 0xBB, 0xBF] + Array("id\ten\r\na\tx y\r\n".utf8)]).appendingPathComponent("c.tsv")
        let corpus = try ParallelCorpus.load(url)
        #expect(corpus.texts(for: "en") == ["x y"])
    }

    @Test func languageSelectionAndLimit() throws {
        let url = try corpusFile("c.tsv", "id\ten\tfr\tzh\n1\ta\tb\tc\n2\td\te\tf\n3\tg\th\ti\n")
        let corpus = try ParallelCorpus.load(url, languages: ["zh", "en"], limit: 2)
        #expect(corpus.languages == ["zh", "en"])
        #expect(corpus.ids == ["1", "2"])
        // Sentences keep the file's order (row by row, columns left to right).
        #expect(corpus.sentences.map(\.text) == ["a", "c", "d", "f"])
    }
}

@Suite("JSONL corpora group lines by id and keep line order")
struct JSONLCorpusTests {
    @Test func groupedByIDInFirstAppearanceOrder() throws {
        let url = try corpusFile("c.jsonl", """
            {"id": "b", "lang": "en", "text": "Bee"}
            {"id": "a", "lang": "en", "text": "Ay"}
            {"id": "a", "lang": "fr", "text": "A\\tfr"}
            {"id": "b", "lang": "fr", "text": "Bé"}

            """)
        let corpus = try ParallelCorpus.load(url)
        #expect(corpus.languages == ["en", "fr"])
        #expect(corpus.ids == ["b", "a"])
        #expect(corpus.texts(for: "fr") == ["Bé", "A\tfr"])
        #expect(corpus.sentences.map { "\($0.id)/\($0.language)" } == ["b/en", "a/en", "a/fr", "b/fr"])
    }

    @Test func numericIDsAreAccepted() throws {
        let url = try corpusFile("c.jsonl", "{\"id\": 7, \"lang\": \"en\", \"text\": \"x\"}\n")
        #expect(try ParallelCorpus.load(url).ids == ["7"])
    }
}

@Suite("Flores folders give one language per line-aligned file")
struct FloresCorpusTests {
    @Test func flores200NamesAndSplits() throws {
        let folder = try corpusFolder([
            "dev/eng_Latn.dev": Array("one\ntwo\n".utf8), "dev/fra_Latn.dev": Array("un\ndeux\n".utf8),
            "devtest/eng_Latn.devtest": Array("three\n".utf8), "devtest/fra_Latn.devtest": Array("trois\n".utf8),
        ])
        let dev = try ParallelCorpus.load(folder, split: "dev")
        #expect(dev.languages == ["eng_Latn", "fra_Latn"])
        #expect(dev.ids == ["1", "2"])
        #expect(dev.texts(for: "fra_Latn") == ["un", "deux"])
        let devtest = try ParallelCorpus.load(folder)
        #expect(devtest.texts(for: "eng_Latn") == ["three"])
    }

    @Test func flores101NamesWithLanguageSelection() throws {
        let folder = try corpusFolder([
            "devtest/eng.devtest": Array("a\nb\nc".utf8), "devtest/zho_simpl.devtest": Array("甲\n乙\n丙".utf8),
            "devtest/deu.devtest": Array("x\ny\nz".utf8),
        ])
        let corpus = try ParallelCorpus.load(folder, languages: ["zho_simpl", "eng"], limit: 2)
        #expect(corpus.languages == ["zho_simpl", "eng"])
        #expect(corpus.sentences.map(\.text) == ["甲", "乙", "a", "b"])
    }
}

@Suite("Bad corpora are refused with the file, the line and the problem")
struct CorpusErrorTests {
    func error(_ body: () throws -> ParallelCorpus) -> CorpusError? {
        do { _ = try body(); return nil } catch let e as CorpusError { return e } catch { return nil }
    }

    @Test func tsvErrors() throws {
        let noLanguage = try corpusFile("a.tsv", "id\n1\n")
        #expect(error { try ParallelCorpus.load(noLanguage) } == .missingLanguageColumn(file: noLanguage.path))
        let badHeader = try corpusFile("b.tsv", "key\ten\n1\tx\n")
        #expect(error { try ParallelCorpus.load(badHeader) } == .badHeader(file: badHeader.path, reason: "the first column must be 'id', found 'key'"))
        let ragged = try corpusFile("c.tsv", "id\ten\tde\n1\ta\tb\n2\tonly\n")
        #expect(error { try ParallelCorpus.load(ragged) } == .raggedRow(file: ragged.path, line: 3, expected: 3, found: 2))
        let duplicate = try corpusFile("d.tsv", "id\ten\n1\ta\n2\tb\n1\tc\n")
        #expect(error { try ParallelCorpus.load(duplicate) } == .duplicateID(file: duplicate.path, id: "1", line: 4, firstLine: 2))
        let empty = try corpusFile("e.tsv", "id\ten\n")
        #expect(error { try ParallelCorpus.load(empty) } == .empty(file: empty.path))
        let fine = try corpusFile("f.tsv", "id\ten\n1\ta\n")
        #expect(error { try ParallelCorpus.load(fine, languages: ["ar"]) } == .unknownLanguage(file: fine.path, language: "ar", available: ["en"]))
        let message = CorpusError.raggedRow(file: "/x/c.tsv", line: 3, expected: 3, found: 2).errorDescription
        #expect(message == "/x/c.tsv:3: row has 2 fields, the header has 3")
    }

    @Test func invalidUTF8IsReportedWithItsLine() throws {
        let folder = try corpusFolder(["bad.tsv": Array("id\ten\n1\tok\n2\t".utf8) + [0xC3, 0x28] + [0x0A]])
        let url = folder.appendingPathComponent("bad.tsv")
        #expect(error { try ParallelCorpus.load(url) } == .invalidUTF8(file: url.path, line: 3))
    }

    @Test func jsonlErrors() throws {
        let missing = try corpusFile("a.jsonl", "{\"id\":\"1\",\"lang\":\"en\",\"text\":\"a\"}\n{\"id\":\"2\",\"lang\":\"en\",\"text\":\"b\"}\n{\"id\":\"1\",\"lang\":\"fr\",\"text\":\"c\"}\n")
        #expect(error { try ParallelCorpus.load(missing) } == .missingTranslation(file: missing.path, id: "2", language: "fr"))
        let duplicate = try corpusFile("b.jsonl", "{\"id\":\"1\",\"lang\":\"en\",\"text\":\"a\"}\n{\"id\":\"1\",\"lang\":\"en\",\"text\":\"b\"}\n")
        #expect(error { try ParallelCorpus.load(duplicate) } == .duplicateID(file: duplicate.path, id: "1/en", line: 2, firstLine: 1))
        let broken = try corpusFile("c.jsonl", "{\"id\":\"1\",\"lang\":\"en\",\"text\":\"a\"}\n{\"id\":\"2\",\"lang\":\"en\"\n")
        #expect(error { try ParallelCorpus.load(broken) } == .malformedLine(file: broken.path, line: 2, reason: "not valid JSON"))
        let noText = try corpusFile("d.jsonl", "{\"id\":\"1\",\"lang\":\"en\"}\n")
        #expect(error { try ParallelCorpus.load(noText) } == .malformedLine(file: noText.path, line: 1, reason: "needs a \"text\" string"))
    }

    @Test func floresErrors() throws {
        let folder = try corpusFolder([
            "devtest/eng_Latn.devtest": Array("a\nb\nc\n".utf8), "devtest/fra_Latn.devtest": Array("a\nb\n".utf8),
        ])
        let eng = folder.appendingPathComponent("devtest/eng_Latn.devtest").path
        let fra = folder.appendingPathComponent("devtest/fra_Latn.devtest").path
        #expect(error { try ParallelCorpus.load(folder) } == .lineCountMismatch(file: fra, lines: 2, otherFile: eng, otherLines: 3))
        #expect(error { try ParallelCorpus.load(folder, split: "dev") } == .missingSplit(folder: folder.path, split: "dev"))
        let empty = try corpusFolder(["devtest/eng.devtest": []])
        #expect(error { try ParallelCorpus.load(empty) } == .empty(file: empty.appendingPathComponent("devtest").path))
        let missing = folder.appendingPathComponent("nothing-here")
        #expect(error { try ParallelCorpus.load(missing) } == .unreadable(file: missing.path, reason: "no such file or folder"))
    }
}

@Suite("A loaded corpus records where it came from and how it was stored")
struct CorpusSourceTests {
    @Test func sourcePathAndFormatOfEachKind() throws {
        let tsv = try corpusFile("c.tsv", "id\ten\tde\n1\tHello\tHallo\n")
        let loaded = try ParallelCorpus.load(tsv)
        #expect(loaded.source == tsv.path && loaded.format == .tsv && loaded.sentenceCount == 1)
        let jsonl = try corpusFile("c.jsonl", #"{"id": "1", "lang": "en", "text": "Hi"}"# + "\n")
        #expect(try ParallelCorpus.load(jsonl).format == .jsonl)
        let flores = try corpusFolder(["devtest/eng_Latn.devtest": Array("Hi\n".utf8)])
        let f = try ParallelCorpus.load(flores, limit: 1)
        #expect(f.format == .flores && f.source == flores.path)
        #expect(ParallelCorpus(languages: ["en"], ids: ["1"], texts: [["a"]]).format == .memory)
    }
}
