// Language identification of a text by a real LID library: CLD2 (embedded default) or a fastText model.

/// One identification: an ISO 639-1 code (`und` when the library cannot tell) and its confidence in 0…1.
public struct LanguageGuess: Sendable, Equatable, Codable {
    public var language: String
    public var confidence: Double

    public init(language: String, confidence: Double) {
        self.language = language
        self.confidence = confidence
    }

    public static let undetermined = LanguageGuess(language: "und", confidence: 0)
}

/// Identifies the language of a text. Empty text, text without letters and text that is not UTF-8 give
/// `und`; no input makes an implementation trap.
public protocol LanguageIdentifier: Sendable {
    /// A short name of the library and its model, for outputs' provenance ("cld2 V2.0 - 20141016").
    var name: String { get }
    func identify(_ text: String) -> LanguageGuess
    /// Raw bytes (possibly not UTF-8).
    func identify(bytes: [UInt8]) -> LanguageGuess
}

extension LanguageIdentifier {
    public func identify(_ text: String) -> LanguageGuess { identify(bytes: Array(text.utf8)) }
}

/// Language codes as ISO 639-1 (two letters) where one exists: a library's variant and legacy codes
/// mapped to it ("zh-Hant" → "zh", "iw" → "he", "jw" → "jv", "in" → "id"); "un"/"unk"/"" → "und".
/// Codes without a two-letter form (e.g. "haw", "ceb") are kept as the library writes them.
public enum LanguageCodes {
    static let legacy: [String: String] = ["iw": "he", "jw": "jv", "in": "id", "ji": "yi", "mo": "ro"]
    /// fastText lid.176 labels and CLD2 codes that are ISO 639-3 / -2 with a 639-1 equivalent.
    static let threeLetter: [String: String] = [
        "eng": "en", "ara": "ar", "ell": "el", "hin": "hi", "tur": "tr", "vie": "vi", "zho": "zh", "deu": "de",
        "fra": "fr", "spa": "es", "rus": "ru", "jpn": "ja", "por": "pt", "ita": "it", "nld": "nl", "pol": "pl",
        "ukr": "uk", "kor": "ko", "fas": "fa", "heb": "he", "ind": "id", "tha": "th", "ben": "bn", "swe": "sv",
    ]

    public static func normalized(_ code: String) -> String {
        var c = code.trimmingWhitespace().lowercased()
        if c.isEmpty || c == "un" || c == "unk" || c == "und" || c == "xx" { return "und" }
        if let dash = c.firstIndex(where: { $0 == "-" || $0 == "_" }) { c = String(c[..<dash]) }
        if let l = legacy[c] { return l }
        if let l = threeLetter[c] { return l }
        return c
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
