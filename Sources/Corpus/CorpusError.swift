// Every way a corpus can be wrong, each naming the file (and line) and the problem.
import Foundation

/// Errors of the Corpus module. Lines are 1-based.
public enum CorpusError: Error, LocalizedError, Equatable {
    case unreadable(file: String, reason: String)
    case unknownFormat(file: String)
    case invalidUTF8(file: String, line: Int)
    case badHeader(file: String, reason: String)
    case missingLanguageColumn(file: String)
    case raggedRow(file: String, line: Int, expected: Int, found: Int)
    case duplicateID(file: String, id: String, line: Int, firstLine: Int)
    case malformedLine(file: String, line: Int, reason: String)
    case missingTranslation(file: String, id: String, language: String)
    case lineCountMismatch(file: String, lines: Int, otherFile: String, otherLines: Int)
    case missingSplit(folder: String, split: String)
    case empty(file: String)
    case unknownLanguage(file: String, language: String, available: [String])
    /// A lens task file (JSONL) line that is not a task.
    case badTask(file: String, line: Int, reason: String)
    /// A lexicon that cannot give the requested lens tasks.
    case badLexicon(file: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read corpus: \(reason)"
        case let .unknownFormat(file):
            return "\(file): not a corpus (expected a .tsv, a .jsonl or a Flores folder with dev/ and devtest/)"
        case let .invalidUTF8(file, line): return "\(file):\(line): invalid UTF-8"
        case let .badHeader(file, reason): return "\(file):1: bad header: \(reason)"
        case let .missingLanguageColumn(file): return "\(file):1: the header has no language column after 'id'"
        case let .raggedRow(file, line, expected, found):
            return "\(file):\(line): row has \(found) fields, the header has \(expected)"
        case let .duplicateID(file, id, line, firstLine):
            return "\(file):\(line): duplicate id '\(id)' (first at line \(firstLine))"
        case let .malformedLine(file, line, reason): return "\(file):\(line): \(reason)"
        case let .missingTranslation(file, id, language): return "\(file): id '\(id)' has no '\(language)' text"
        case let .lineCountMismatch(file, lines, otherFile, otherLines):
            return "\(file): \(lines) lines, but \(otherFile) has \(otherLines) (Flores files must be line-aligned)"
        case let .missingSplit(folder, split): return "\(folder): no '\(split)' split (no \(split)/ folder or *.\(split) files)"
        case let .empty(file): return "\(file): the corpus has no sentences"
        case let .unknownLanguage(file, language, available):
            return "\(file): no language '\(language)' (available: \(available.joined(separator: ", ")))"
        case let .badTask(file, line, reason): return "\(file):\(line): \(reason)"
        case let .badLexicon(file, reason): return "\(file): \(reason)"
        }
    }
}
