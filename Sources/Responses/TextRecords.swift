// Texts to identify: JSONL lines with "text" (generate's responses, langid inputs) or a parallel corpus.
import Corpus
import Foundation

/// One text with its id, its known language when the input gives one, and what a response carries.
public struct TextRecord: Sendable, Equatable {
    public var id: String
    public var language: String?
    public var text: String
    public var reference: String?
    public var finish: String?

    public init(id: String, language: String?, text: String, reference: String? = nil, finish: String? = nil) {
        self.id = id
        self.language = language
        self.text = text
        self.reference = reference
        self.finish = finish
    }
}

public enum TextRecords {
    /// JSONL whose objects have a string `"text"` (`"id"` string or number, default the line number;
    /// `"lang"`, `"reference"`, `"finish"` optional), or else a corpus `ParallelCorpus.load` reads (ids
    /// `{row}-{lang}`). Invalid UTF-8 inside a JSONL file is an error naming the line.
    public static func load(_ url: URL) throws -> [TextRecord] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw ResponsesError.unreadable(file: url.path, reason: "no such file or folder")
        }
        if !isDir.boolValue, let records = try jsonLines(url) { return records }
        // Corpus errors name the file themselves.
        let corpus = try ParallelCorpus.load(url)
        return corpus.sentences.map { TextRecord(id: "\($0.id)-\($0.language)", language: $0.language, text: $0.text) }
    }

    static func jsonLines(_ url: URL) throws -> [TextRecord]? {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ResponsesError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        guard data.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) == UInt8(ascii: "{") else { return nil }
        var records: [TextRecord] = []
        var lineNumber = 0
        for raw in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            guard let line = String(data: Data(raw), encoding: .utf8) else {
                throw ResponsesError.badLine(file: url.path, line: lineNumber, reason: "not UTF-8")
            }
            if line.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw ResponsesError.badLine(file: url.path, line: lineNumber, reason: "not a JSON object")
            }
            guard let text = object["text"] as? String else {
                throw ResponsesError.badLine(file: url.path, line: lineNumber, reason: "no string \"text\"")
            }
            let id = (object["id"] as? String) ?? (object["id"] as? NSNumber)?.stringValue ?? String(lineNumber)
            records.append(TextRecord(id: id, language: object["lang"] as? String, text: text,
                                      reference: object["reference"] as? String, finish: object["finish"] as? String))
        }
        guard !records.isEmpty else { throw ResponsesError.empty(file: url.path) }
        return records
    }
}

/// One `langid` output line: `{"id", "lang", "detected", "confidence"}` (`lang` null when unknown).
public struct LanguageIDLine: Codable, Sendable, Equatable {
    public var id: String
    public var lang: String?
    public var detected: String
    public var confidence: Double

    public init(_ record: TextRecord, _ guess: LanguageGuess) {
        id = record.id
        lang = record.language
        detected = guess.language
        confidence = (guess.confidence * 10_000).rounded() / 10_000
    }

    public func json() -> String {
        let object: [String: Any] = ["id": id, "lang": lang.map { $0 as Any } ?? NSNull(), "detected": detected,
                                     "confidence": confidence]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
