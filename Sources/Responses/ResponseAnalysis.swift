// The response-content analysis of Zhu et al. / x-LLM: asked in language X, in which language does the model
// answer, and is the answer right?
import Foundation

/// Per instruction language: how many answers are in that language, in English, in another language, or
/// empty; the instruction-language × answer-language matrix; and, when the prompts carry a `reference`,
/// exact-match and containment accuracy (x-LLM's XQuAD check).
///
/// An answer is *empty* when its text is only whitespace (it is not identified). Otherwise its language is
/// the identifier's (`und` counts as another language). For English instructions, an English answer counts
/// as *same*, never as *English*. Correctness compares normalized strings — lowercased, whitespace runs
/// collapsed, trimmed, with leading/trailing punctuation removed: *exact* when equal, *contains* when the
/// reference occurs in the answer.
public struct ResponseAnalysis: Codable, Sendable, Equatable {
    public struct LanguageRow: Codable, Sendable, Equatable {
        public var lang: String
        public var answers: Int
        public var same: Int
        public var english: Int
        public var other: Int
        public var empty: Int
        public var sameShare: Double
        public var englishShare: Double
        public var otherShare: Double
        public var emptyShare: Double
        /// Answers whose prompt had a reference, and how many of them matched.
        public var withReference: Int
        public var exactMatch: Int?
        public var contains: Int?

        enum CodingKeys: String, CodingKey {
            case lang, answers, same, english, other, empty
            case sameShare = "same_share", englishShare = "english_share", otherShare = "other_share"
            case emptyShare = "empty_share", withReference = "with_reference", exactMatch = "exact_match", contains
        }
    }

    public var format = "interlingua-responses"
    public var formatVersion = 1
    public var identifier: String
    public var source: String
    public var rows: [LanguageRow]
    /// Answer languages (columns of `matrix`): the instruction languages first, then the others by count,
    /// `und` last; `empty` is its own column.
    public var answerLanguages: [String]
    /// matrix[i][j]: answers to instructions in rows[i].lang identified as answerLanguages[j].
    public var matrix: [[Int]]
    /// Per response: its id, instruction language, detected language (`empty` for empty answers) and confidence.
    public var detections: [LanguageIDLine]

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", identifier, source, rows
        case answerLanguages = "answer_languages", matrix, detections
    }

    public init(responses: [TextRecord], identifier: any LanguageIdentifier, source: String) {
        self.identifier = identifier.name
        self.source = source
        var order: [String] = []
        for r in responses {
            let l = r.language ?? "und"
            if !order.contains(l) { order.append(l) }
        }
        var detections: [LanguageIDLine] = []
        var detected: [String] = []
        for r in responses {
            let isEmpty = r.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            let guess = isEmpty ? LanguageGuess(language: "empty", confidence: 0) : identifier.identify(r.text)
            detections.append(LanguageIDLine(r, guess))
            detected.append(guess.language)
        }
        var counts: [String: Int] = [:]
        for d in detected where d != "empty" { counts[d, default: 0] += 1 }
        let others = counts.keys.filter { !order.contains($0) && $0 != "und" }
            .sorted { counts[$0]! != counts[$1]! ? counts[$0]! > counts[$1]! : $0 < $1 }
        var columns = order.filter { $0 != "und" } + others
        if counts["und"] != nil || order.contains("und") { columns.append("und") }
        columns.append("empty")
        answerLanguages = columns
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: columns.count), count: order.count)
        var rows: [LanguageRow] = []
        for (i, lang) in order.enumerated() {
            var row = LanguageRow(lang: lang, answers: 0, same: 0, english: 0, other: 0, empty: 0, sameShare: 0,
                                  englishShare: 0, otherShare: 0, emptyShare: 0, withReference: 0)
            var exact = 0, contained = 0
            for (k, r) in responses.enumerated() where (r.language ?? "und") == lang {
                let d = detected[k]
                row.answers += 1
                if let j = columns.firstIndex(of: d) { matrix[i][j] += 1 }
                if d == "empty" { row.empty += 1 } else if d == lang { row.same += 1 } else if d == "en" { row.english += 1 } else { row.other += 1 }
                if let reference = r.reference {
                    row.withReference += 1
                    let a = Self.normalized(r.text), b = Self.normalized(reference)
                    if a == b { exact += 1 }
                    if !b.isEmpty, a.contains(b) { contained += 1 }
                }
            }
            let n = Double(max(row.answers, 1))
            row.sameShare = Double(row.same) / n
            row.englishShare = Double(row.english) / n
            row.otherShare = Double(row.other) / n
            row.emptyShare = Double(row.empty) / n
            if row.withReference > 0 {
                row.exactMatch = exact
                row.contains = contained
            }
            rows.append(row)
        }
        self.rows = rows
        self.matrix = matrix
        self.detections = detections
    }

    /// Lowercased, whitespace collapsed, trimmed, leading/trailing punctuation removed.
    static func normalized(_ s: String) -> String {
        let words = s.lowercased().split(whereSeparator: { $0.isWhitespace })
        var t = words.joined(separator: " ")
        while let f = t.unicodeScalars.first, CharacterSet.punctuationCharacters.contains(f) { t.removeFirst() }
        while let l = t.unicodeScalars.last, CharacterSet.punctuationCharacters.contains(l) { t.removeLast() }
        return t.trimmingCharacters(in: .whitespaces)
    }

    // MARK: - Files

    /// `DIR/responses.json` (this whole analysis), `DIR/responses.csv` (one row per instruction language),
    /// `DIR/language-matrix.csv` (instruction language × answer language counts), `DIR/langid.jsonl`.
    public func write(to directory: URL) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw ResponsesError.writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var files: [(String, Data)] = []
        do { files.append(("responses.json", try encoder.encode(self))) } catch {
            throw ResponsesError.writeFailed(path: directory.appendingPathComponent("responses.json").path, reason: "\(error)")
        }
        var csv = "lang,answers,same,english,other,empty,same_share,english_share,other_share,empty_share,with_reference,exact_match,contains\n"
        for r in rows {
            csv += "\(r.lang),\(r.answers),\(r.same),\(r.english),\(r.other),\(r.empty),"
            csv += [r.sameShare, r.englishShare, r.otherShare, r.emptyShare].map { String(format: "%.4f", $0) }.joined(separator: ",")
            csv += ",\(r.withReference),\(r.exactMatch.map(String.init) ?? ""),\(r.contains.map(String.init) ?? "")\n"
        }
        files.append(("responses.csv", Data(csv.utf8)))
        var matrixCSV = "instruction_lang," + answerLanguages.joined(separator: ",") + "\n"
        for (i, r) in rows.enumerated() { matrixCSV += r.lang + "," + matrix[i].map(String.init).joined(separator: ",") + "\n" }
        files.append(("language-matrix.csv", Data(matrixCSV.utf8)))
        files.append(("langid.jsonl", Data(detections.map { $0.json() + "\n" }.joined().utf8)))
        for (name, data) in files {
            let url = directory.appendingPathComponent(name)
            do { try data.write(to: url, options: .atomic) } catch {
                throw ResponsesError.writeFailed(path: url.path, reason: error.localizedDescription)
            }
        }
    }

    public static func read(from url: URL) throws -> ResponseAnalysis {
        do {
            let analysis = try JSONDecoder().decode(ResponseAnalysis.self, from: Data(contentsOf: url))
            guard analysis.format == "interlingua-responses" else {
                throw ResponsesError.unreadable(file: url.path, reason: "not a responses analysis")
            }
            return analysis
        } catch let e as ResponsesError {
            throw e
        } catch {
            throw ResponsesError.unreadable(file: url.path, reason: "not a responses analysis (\(error.localizedDescription))")
        }
    }
}
