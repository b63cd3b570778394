// What the tracer needs of a corpus: the shape checks (one text per row and language, none empty).
import Corpus

/// The name the corpus type had in the tracer before there was one corpus type.
@available(*, deprecated, renamed: "ParallelCorpus")
public typealias TraceCorpus = ParallelCorpus

extension ParallelCorpus {
    /// A corpus built in code (tests, benchmarks), checked as `checkedForTracing()` does; `source` names it
    /// in errors.
    public init(source: String, languages: [String], ids: [String], texts: [[String]]) throws {
        self.init(languages: languages, ids: ids, texts: texts, source: source)
        _ = try checkedForTracing()
    }

    /// The corpus itself when the tracer can run it: at least one language and one row, one text per row per
    /// language, no empty text, no language twice. Loaded corpora satisfy the shape by construction; an
    /// empty text is the check that matters for them.
    public func checkedForTracing() throws -> ParallelCorpus {
        guard !languages.isEmpty else { throw TracingError.badCorpus(source: source, reason: "no languages selected") }
        guard !ids.isEmpty else { throw TracingError.badCorpus(source: source, reason: "the corpus has no sentences") }
        guard Set(languages).count == languages.count else {
            throw TracingError.badCorpus(source: source, reason: "a language is listed twice")
        }
        for language in languages {
            if let problem = Self.languageNameProblem(language) {
                throw TracingError.badCorpus(source: source, reason: "language name '\(language.debugEscaped)' \(problem)")
            }
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
        return self
    }

    /// Why `name` cannot name a language in an activation file (it becomes an HDF5 path component,
    /// `/pooled/mean/<name>`), or nil. Checked before any output exists.
    public static func languageNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name == "." || name == ".." { return "is a path component ('.' or '..')" }
        if name.contains("/") { return "contains '/' (it would nest HDF5 groups, and 'en' would collide with 'en/x')" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains a control character (NUL, tab, newline, …)"
        }
        if name.unicodeScalars.first?.properties.isWhitespace == true || name.unicodeScalars.last?.properties.isWhitespace == true {
            return "begins or ends with white space"
        }
        return nil
    }

    /// The first `limit` rows (at least one).
    public func prefix(_ limit: Int) -> ParallelCorpus {
        let n = max(1, min(limit, ids.count))
        return ParallelCorpus(languages: languages, ids: Array(ids.prefix(n)), texts: texts.map { Array($0.prefix(n)) },
                              inputOrder: inputOrder.filter { $0.row < n }, source: source, format: format)
    }
}

extension String {
    /// The string with control characters spelled as escapes, for error messages.
    var debugEscaped: String {
        String(unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }.joined())
    }
}
