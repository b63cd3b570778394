// Reading parallel corpora from TSV, JSONL and Flores-101/200 folders.
import Foundation

extension ParallelCorpus {
    /// Loads a corpus, choosing the format by what `url` is: a folder → Flores (`split` picks `dev` or
    /// `devtest`); a file whose first non-blank character is `{` → JSONL; any other file → TSV.
    /// Then keeps `languages` (all when nil; an unknown one throws) and the first `limit` rows.
    public static func load(_ url: URL, languages: [String]? = nil, split: String = "devtest",
                            limit: Int? = nil) throws -> ParallelCorpus {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw CorpusError.unreadable(file: url.path, reason: "no such file or folder")
        }
        let corpus: ParallelCorpus
        if isFolder.boolValue {
            corpus = try loadFlores(url, split: split, languages: languages)
        } else {
            let lines = try readLines(url)
            let first = lines.lazy.map { $0.text.drop(while: { $0 == " " || $0 == "\t" }) }.first { !$0.isEmpty }
            corpus = first?.first == "{" ? try parseJSONL(lines, file: url.path) : try parseTSV(lines, file: url.path)
        }
        return try corpus.selecting(languages: languages, limit: limit, source: url.path)
    }

    /// A TSV corpus: header `id<TAB>lang1<TAB>lang2…`, then one row per id; no quoting. Blank lines are skipped.
    public static func loadTSV(_ url: URL) throws -> ParallelCorpus { try parseTSV(try readLines(url), file: url.path) }

    /// A JSONL corpus: one object `{"id", "lang", "text"}` per line, grouped by id; every id needs every language.
    public static func loadJSONL(_ url: URL) throws -> ParallelCorpus { try parseJSONL(try readLines(url), file: url.path) }

    // MARK: - Lines

    struct Line {
        let number: Int
        let text: String
    }

    /// The lines of a UTF-8 file (LF or CRLF), each validated; a final newline adds no empty line.
    static func readLines(_ url: URL) throws -> [Line] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CorpusError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        var lines: [Line] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            // Classic Mac line ends (CR alone) would read as one long line whose tabs make a bogus header.
            if let cr = bytes.firstIndex(of: 0x0D), cr + 1 < bytes.count ? bytes[cr + 1] != 0x0A : !bytes.contains(0x0A),
               !bytes[..<cr].contains(0x0A) {
                throw CorpusError.unreadable(file: url.path, reason: "its lines end in CR alone (old Mac line ends); convert them to LF or CRLF")
            }
            var start = 0
            var number = 0
            var i = 0
            // Skip a UTF-8 byte order mark.
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3; i = 3 }
            while start < bytes.count {
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
                number += 1
                var end = i
                if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
                    throw CorpusError.invalidUTF8(file: url.path, line: number)
                }
                lines.append(Line(number: number, text: text))
                i += 1
                start = i
            }
        }
        return lines
    }

    // MARK: - TSV

    static func parseTSV(_ lines: [Line], file: String) throws -> ParallelCorpus {
        guard let header = lines.first else { throw CorpusError.empty(file: file) }
        let columns = header.text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard columns.first == "id" else {
            throw CorpusError.badHeader(file: file, reason: "the first column must be 'id', found '\(columns.first ?? "")'")
        }
        let languages = Array(columns.dropFirst())
        guard !languages.isEmpty else { throw CorpusError.missingLanguageColumn(file: file) }
        if let empty = languages.firstIndex(of: "") {
            throw CorpusError.badHeader(file: file, reason: "column \(empty + 2) has no language name")
        }
        var seenLanguages = Set<String>()
        for l in languages where !seenLanguages.insert(l).inserted {
            throw CorpusError.badHeader(file: file, reason: "language '\(l)' appears twice")
        }
        var ids: [String] = []
        var texts = [[String]](repeating: [], count: languages.count)
        var firstLine: [String: Int] = [:]
        for line in lines.dropFirst() where !line.text.isEmpty {
            let fields = line.text.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == columns.count else {
                throw CorpusError.raggedRow(file: file, line: line.number, expected: columns.count, found: fields.count)
            }
            let id = String(fields[0])
            if let first = firstLine[id] {
                throw CorpusError.duplicateID(file: file, id: id, line: line.number, firstLine: first)
            }
            firstLine[id] = line.number
            ids.append(id)
            for l in languages.indices { texts[l].append(String(fields[l + 1])) }
        }
        guard !ids.isEmpty else { throw CorpusError.empty(file: file) }
        return ParallelCorpus(languages: languages, ids: ids, texts: texts, source: file, format: .tsv)
    }

    // MARK: - JSONL

    static func parseJSONL(_ lines: [Line], file: String) throws -> ParallelCorpus {
        var languages: [String] = []
        var languageIndex: [String: Int] = [:]
        var ids: [String] = []
        var rowIndex: [String: Int] = [:]
        var entries: [(language: Int, row: Int, text: String)] = []
        var firstLine: [String: Int] = [:]  // "id\u{0}lang" → line
        for line in lines where !line.text.allSatisfy({ $0 == " " || $0 == "\t" }) {
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(line.text.utf8)) } catch {
                throw CorpusError.malformedLine(file: file, line: line.number, reason: "not valid JSON")
            }
            guard let record = object as? [String: Any] else {
                throw CorpusError.malformedLine(file: file, line: line.number, reason: "not a JSON object")
            }
            let id: String
            if let s = record["id"] as? String { id = s } else if let n = record["id"] as? NSNumber { id = n.stringValue } else {
                throw CorpusError.malformedLine(file: file, line: line.number, reason: "needs an \"id\" (string or number)")
            }
            guard let language = record["lang"] as? String, !language.isEmpty else {
                throw CorpusError.malformedLine(file: file, line: line.number, reason: "needs a \"lang\" string")
            }
            guard let text = record["text"] as? String else {
                throw CorpusError.malformedLine(file: file, line: line.number, reason: "needs a \"text\" string")
            }
            let key = id + "\u{0}" + language
            if let first = firstLine[key] {
                throw CorpusError.duplicateID(file: file, id: "\(id)/\(language)", line: line.number, firstLine: first)
            }
            firstLine[key] = line.number
            let l: Int
            if let known = languageIndex[language] { l = known } else {
                l = languages.count
                languages.append(language)
                languageIndex[language] = l
            }
            let r: Int
            if let known = rowIndex[id] { r = known } else {
                r = ids.count
                ids.append(id)
                rowIndex[id] = r
            }
            entries.append((l, r, text))
        }
        guard !entries.isEmpty else { throw CorpusError.empty(file: file) }
        var texts = [[String?]](repeating: [String?](repeating: nil, count: ids.count), count: languages.count)
        for e in entries { texts[e.language][e.row] = e.text }
        for r in ids.indices {
            for l in languages.indices where texts[l][r] == nil {
                throw CorpusError.missingTranslation(file: file, id: ids[r], language: languages[l])
            }
        }
        return ParallelCorpus(languages: languages, ids: ids, texts: texts.map { $0.map { $0 ?? "" } },
                              inputOrder: entries.map { ($0.language, $0.row) }, source: file, format: .jsonl)
    }

    // MARK: - Flores

    /// A Flores-101/200 folder: `split/` (`dev` or `devtest`) holds one line-aligned file per language,
    /// `eng_Latn.devtest` (Flores-200) or `eng.devtest` (Flores-101); the language is the file stem and the
    /// row id is the 1-based line number. A folder holding the `*.split` files directly is accepted too.
    public static func loadFlores(_ folder: URL, split: String = "devtest", languages selected: [String]? = nil) throws -> ParallelCorpus {
        let fm = FileManager.default
        var directory = folder.appendingPathComponent(split)
        var isFolder: ObjCBool = false
        if !(fm.fileExists(atPath: directory.path, isDirectory: &isFolder) && isFolder.boolValue) { directory = folder }
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: directory.path) } catch {
            throw CorpusError.unreadable(file: directory.path, reason: error.localizedDescription)
        }
        let suffix = "." + split
        var files: [String: URL] = [:]
        for name in names where name.hasSuffix(suffix) && name.count > suffix.count {
            files[String(name.dropLast(suffix.count))] = directory.appendingPathComponent(name)
        }
        guard !files.isEmpty else { throw CorpusError.missingSplit(folder: folder.path, split: split) }
        let available = files.keys.sorted()
        let languages = try (selected ?? available).map { language -> String in
            guard files[language] != nil else {
                throw CorpusError.unknownLanguage(file: directory.path, language: language, available: available)
            }
            return language
        }
        var texts: [[String]] = []
        var reference: (file: String, lines: Int)?
        for language in languages {
            guard let url = files[language] else { continue }
            let lines = try readLines(url).map(\.text)
            if let reference, reference.lines != lines.count {
                throw CorpusError.lineCountMismatch(file: url.path, lines: lines.count, otherFile: reference.file, otherLines: reference.lines)
            }
            reference = reference ?? (url.path, lines.count)
            texts.append(lines)
        }
        let rows = reference?.lines ?? 0
        guard rows > 0 else { throw CorpusError.empty(file: directory.path) }
        let inputOrder = languages.indices.flatMap { l in (0..<rows).map { (language: l, row: $0) } }
        return ParallelCorpus(languages: languages, ids: (1...rows).map(String.init), texts: texts, inputOrder: inputOrder,
                              source: folder.path, format: .flores)
    }
}
