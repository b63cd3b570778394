// Logit-lens tasks: the TASKS JSONL file `interlingua lens` reads, and the builder of Wendler et al.'s
// (2024, "Do Llamas Work in English?") translation and repetition prompts from a single-word lexicon.
import Foundation

/// One lens prompt: `{"id", "prompt", "answers": {lang: word}, "target"}`; `target` is a key of `answers`.
public struct LensTask: Sendable, Equatable {
    public var id: String
    public var prompt: String
    /// The expected answer in each language (e.g. "en" and the target language).
    public var answers: [String: String]
    public var target: String

    public init(id: String, prompt: String, answers: [String: String], target: String) {
        self.id = id
        self.prompt = prompt
        self.answers = answers
        self.target = target
    }
}

/// The kinds of prompt `lens-tasks` builds.
public enum LensTaskKind: String, Sendable, CaseIterable {
    /// `{SRC}: "word" - {TGT}: "` — the answer is the word in the target language.
    case translation
    /// The same language on both sides — the answer is the query word itself.
    case repetition
}

public enum LensTasks {
    // MARK: - The TASKS file

    /// Reads a TASKS JSONL file: one task object per line (blank lines skipped; other fields ignored).
    /// Ids must be unique; `answers` must map language codes to non-empty words and contain `target`.
    public static func load(_ url: URL) throws -> [LensTask] {
        let lines = try ParallelCorpus.readLines(url)
        var tasks: [LensTask] = []
        var seen: [String: Int] = [:]
        for line in lines where !line.text.allSatisfy(\.isWhitespace) {
            func bad(_ reason: String) -> CorpusError { .badTask(file: url.path, line: line.number, reason: reason) }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.text.utf8))) as? [String: Any] else {
                throw bad("not a JSON object")
            }
            guard let id = object["id"] as? String, !id.isEmpty else { throw bad("no string \"id\"") }
            guard let prompt = object["prompt"] as? String, !prompt.isEmpty else { throw bad("task '\(id)' has no string \"prompt\"") }
            guard let raw = object["answers"] as? [String: Any], !raw.isEmpty else {
                throw bad("task '\(id)' has no \"answers\" object {language: word}")
            }
            var answers: [String: String] = [:]
            for (language, value) in raw {
                guard let word = value as? String, !word.isEmpty, !language.isEmpty else {
                    throw bad("task '\(id)': answer '\(language)' is not a non-empty string")
                }
                answers[language] = word
            }
            guard let target = object["target"] as? String else { throw bad("task '\(id)' has no string \"target\"") }
            guard answers[target] != nil else {
                throw bad("task '\(id)': target '\(target)' is not one of its answers (\(answers.keys.sorted().joined(separator: ", ")))")
            }
            if let first = seen[id] { throw bad("duplicate id '\(id)' (first at line \(first))") }
            seen[id] = line.number
            tasks.append(LensTask(id: id, prompt: prompt, answers: answers, target: target))
        }
        guard !tasks.isEmpty else { throw CorpusError.empty(file: url.path) }
        return tasks
    }

    /// One JSONL line for `task` (keys sorted, UTF-8 unescaped), plus `extra` string fields.
    public static func jsonLine(_ task: LensTask, extra: [String: Any] = [:]) -> String {
        var object: [String: Any] = extra
        object["id"] = task.id
        object["prompt"] = task.prompt
        object["answers"] = task.answers
        object["target"] = task.target
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - The Wendler template

    /// Each language named in its own language (the fixture's `language_names` table, extended).
    public static let languageNames: [String: String] = [
        "en": "English", "ar": "العربية", "el": "Ελληνικά", "hi": "हिन्दी", "tr": "Türkçe", "vi": "Tiếng Việt",
        "zh": "中文", "de": "Deutsch", "fr": "Français", "es": "Español", "ru": "Русский", "ja": "日本語",
        "it": "Italiano", "pt": "Português", "nl": "Nederlands", "pl": "Polski", "ko": "한국어", "uk": "Українська",
        "cs": "Čeština", "sv": "Svenska", "fi": "Suomi", "fa": "فارسی", "he": "עברית", "id": "Bahasa Indonesia",
        "th": "ไทย", "bn": "বাংলা", "sw": "Kiswahili", "ro": "Română", "hu": "Magyar", "da": "Dansk",
    ]

    /// The prompt, exactly: one line `{SRC}: "{source word}" - {TGT}: "{target word}"` per example, then
    /// `{SRC}: "{query}" - {TGT}: "`, joined by "\n" with no trailing newline (Wendler et al. 2024, §3).
    public static func prompt(sourceName: String, targetName: String, examples: [(source: String, target: String)],
                              query: String) -> String {
        var lines = examples.map { "\(sourceName): \"\($0.source)\" - \(targetName): \"\($0.target)\"" }
        lines.append("\(sourceName): \"\(query)\" - \(targetName): \"")
        return lines.joined(separator: "\n")
    }

    /// The task of lexicon row `query` with the rows `examples` as in-context examples. Translation:
    /// source → target, answers {en, target}; repetition: source on both sides, answers {en, source}.
    public static func task(_ lexicon: ParallelCorpus, kind: LensTaskKind, source: String, target: String,
                            query: Int, examples: [Int], file: String = "lexicon") throws -> LensTask {
        let tgt = kind == .repetition ? source : target
        let columns = try [source, tgt, "en"].map { language -> [String] in
            guard let texts = lexicon.texts(for: language) else {
                throw CorpusError.unknownLanguage(file: file, language: language, available: lexicon.languages)
            }
            return texts
        }
        let (src, dst, english) = (columns[0], columns[1], columns[2])
        func name(_ language: String) throws -> String {
            guard let name = languageNames[language] else {
                throw CorpusError.badLexicon(file: file, reason:
                    "no native name for language '\(language)' (known: \(languageNames.keys.sorted().joined(separator: ", ")))")
            }
            return name
        }
        let text = prompt(sourceName: try name(source), targetName: try name(tgt),
                          examples: examples.map { (src[$0], dst[$0]) }, query: src[query])
        var answers = ["en": english[query]]
        answers[tgt] = dst[query]
        let id = kind == .translation ? "\(lexicon.ids[query])-\(source)-\(tgt)" : "\(lexicon.ids[query])-\(source)-rep"
        return LensTask(id: id, prompt: text, answers: answers, target: tgt)
    }

    /// Every task the lexicon gives: one per row whose answer can be told apart from English — its target
    /// form does not start with the English word's first letter (case-insensitive) and, for translation, the
    /// source, target and English forms all differ — each with `shots` examples drawn (seeded) from the other
    /// rows whose source and target forms differ from the query's.
    public static func build(_ lexicon: ParallelCorpus, kind: LensTaskKind, source: String, target: String,
                             shots: Int, seed: UInt64, file: String = "lexicon") throws -> [LensTask] {
        let tgt = kind == .repetition ? source : target
        for language in [source, tgt, "en"] where lexicon.texts(for: language) == nil {
            throw CorpusError.unknownLanguage(file: file, language: language, available: lexicon.languages)
        }
        if kind == .translation && source == target {
            throw CorpusError.badLexicon(file: file, reason: "translation needs two languages (use --task repetition for one)")
        }
        let src = lexicon.texts(for: source) ?? [], dst = lexicon.texts(for: tgt) ?? [], english = lexicon.texts(for: "en") ?? []
        let n = lexicon.ids.count
        for row in 0..<n {
            for (language, word) in [(source, src[row]), (tgt, dst[row]), ("en", english[row])] where word.isEmpty {
                throw CorpusError.missingTranslation(file: file, id: lexicon.ids[row], language: language)
            }
        }
        func firstLetter(_ s: String) -> String { s.first.map { String($0).lowercased() } ?? "" }
        let queries = (0..<n).filter { row in
            guard firstLetter(dst[row]) != firstLetter(english[row]) else { return false }
            if kind == .translation {
                return src[row] != dst[row] && src[row] != english[row] && dst[row] != english[row]
            }
            return true
        }
        var generator = LensSplitMix64(seed: seed)
        var tasks: [LensTask] = []
        for query in queries {
            var pool = (0..<n).filter { $0 != query && src[$0] != src[query] && dst[$0] != dst[query] }
            guard pool.count >= shots else {
                throw CorpusError.badLexicon(file: file, reason:
                    "row \(lexicon.ids[query]) has only \(pool.count) other rows for \(shots) examples (lower --shots)")
            }
            var examples: [Int] = []
            for _ in 0..<shots {
                let k = Int(generator.next() % UInt64(pool.count))
                examples.append(pool.remove(at: k))
            }
            tasks.append(try task(lexicon, kind: kind, source: source, target: target, query: query,
                                  examples: examples, file: file))
        }
        guard !tasks.isEmpty else {
            throw CorpusError.badLexicon(file: file, reason: "no row gives a \(kind.rawValue) task \(source) → \(tgt)")
        }
        return tasks
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): the seeded example draw, identical on every platform.
struct LensSplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
