// The tracer's view of a parallel corpus: row ids shared by every language and one text per row and language.

/// Sentences aligned across languages: row `n` of every language translates row `n` of the others.
/// The CLI builds it from a `Corpus.ParallelCorpus`; the tracer needs nothing else from the corpus.
public struct TraceCorpus: Sendable, Equatable {
    /// Where the corpus came from (named in errors).
    public var source: String
    public var languages: [String]
    public var ids: [String]
    /// `texts[l][n]` is row `n` in `languages[l]`.
    public var texts: [[String]]

    /// Checks the shape: at least one language and one row, one text per row per language, no empty text,
    /// no duplicate language.
    public init(source: String, languages: [String], ids: [String], texts: [[String]]) throws {
        guard !languages.isEmpty else { throw TracingError.badCorpus(source: source, reason: "no languages selected") }
        guard !ids.isEmpty else { throw TracingError.badCorpus(source: source, reason: "the corpus has no sentences") }
        guard Set(languages).count == languages.count else {
            throw TracingError.badCorpus(source: source, reason: "a language is listed twice")
        }
        guard texts.count == languages.count else {
            throw TracingError.badCorpus(source: source, reason: "\(texts.count) text columns for \(languages.count) languages")
        }
        for (l, column) in texts.enumerated() {
            guard column.count == ids.count else {
                throw TracingError.badCorpus(source: source,
                    reason: "language \(languages[l]) has \(column.count) sentences, the corpus has \(ids.count) ids")
            }
            if let n = column.firstIndex(where: { $0.isEmpty }) {
                throw TracingError.badCorpus(source: source, reason: "sentence \(ids[n]) is empty in \(languages[l])")
            }
        }
        self.source = source
        self.languages = languages
        self.ids = ids
        self.texts = texts
    }

    public var sentenceCount: Int { ids.count }

    /// The first `limit` rows.
    public func prefix(_ limit: Int) -> TraceCorpus {
        var copy = self
        let n = max(1, min(limit, ids.count))
        copy.ids = Array(ids.prefix(n))
        copy.texts = texts.map { Array($0.prefix(n)) }
        return copy
    }
}
