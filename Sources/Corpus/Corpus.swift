// Parallel corpora: the same sentences (rows, by id) in several languages.
import Foundation

/// A parallel corpus: `ids.count` rows, each with a text in every language of `languages`. The one corpus
/// type of the project: the loaders produce it, `tokenize` prints it, the tracer runs it.
public struct ParallelCorpus: Sendable, Equatable {
    /// How the corpus was stored.
    public enum Format: String, Sendable {
        case tsv, jsonl, flores
        /// Built in code (tests, benchmarks).
        case memory
    }

    /// One sentence: its row id, language and text.
    public struct Sentence: Sendable, Equatable {
        public let id: String
        public let language: String
        public let text: String

        public init(id: String, language: String, text: String) {
            self.id = id
            self.language = language
            self.text = text
        }
    }

    /// Languages in file order (TSV columns, first appearance in JSONL, sorted Flores file stems).
    public let languages: [String]
    /// Row ids, in file order.
    public let ids: [String]
    /// `texts[l][r]`: the text of row `r` in `languages[l]`.
    public let texts: [[String]]
    /// (language index, row) of every sentence in the order the file lists them (TSV: row by row, columns
    /// left to right; JSONL: line order; Flores: language by language).
    public let inputOrder: [(language: Int, row: Int)]
    /// Where the corpus came from (the path given to `load`), named in errors.
    public let source: String
    public let format: Format

    public var sentenceCount: Int { ids.count }

    /// Equal texts in the same order (where they came from does not count).
    public static func == (a: ParallelCorpus, b: ParallelCorpus) -> Bool {
        a.languages == b.languages && a.ids == b.ids && a.texts == b.texts
            && a.inputOrder.map { [$0.language, $0.row] } == b.inputOrder.map { [$0.language, $0.row] }
    }

    public init(languages: [String], ids: [String], texts: [[String]], inputOrder: [(language: Int, row: Int)]? = nil,
                source: String = "corpus", format: Format = .memory) {
        self.languages = languages
        self.ids = ids
        self.texts = texts
        self.inputOrder = inputOrder ?? ids.indices.flatMap { r in languages.indices.map { (language: $0, row: r) } }
        self.source = source
        self.format = format
    }

    /// The texts of `language` by row, or nil when the corpus does not have it.
    public func texts(for language: String) -> [String]? {
        languages.firstIndex(of: language).map { texts[$0] }
    }

    /// Every sentence in input order.
    public var sentences: [Sentence] {
        inputOrder.map { Sentence(id: ids[$0.row], language: languages[$0.language], text: texts[$0.language][$0.row]) }
    }

    /// The corpus restricted to `languages` (in the order given) and to its first `limit` rows.
    /// `source` names the corpus in the error for an unknown language.
    public func selecting(languages selected: [String]? = nil, limit: Int? = nil, source: String = "corpus") throws -> ParallelCorpus {
        var languageIndices = Array(languages.indices)
        if let selected {
            languageIndices = try selected.map { name in
                guard let i = languages.firstIndex(of: name) else {
                    throw CorpusError.unknownLanguage(file: source, language: name, available: languages)
                }
                return i
            }
        }
        let rows = min(ids.count, max(0, limit ?? ids.count))
        let newPosition = Dictionary(uniqueKeysWithValues: languageIndices.enumerated().map { ($1, $0) })
        let order = inputOrder.compactMap { entry -> (language: Int, row: Int)? in
            guard entry.row < rows, let l = newPosition[entry.language] else { return nil }
            return (l, entry.row)
        }
        return ParallelCorpus(languages: languageIndices.map { languages[$0] }, ids: Array(ids[..<rows]),
                              texts: languageIndices.map { Array(texts[$0][..<rows]) }, inputOrder: order,
                              source: self.source, format: format)
    }
}
