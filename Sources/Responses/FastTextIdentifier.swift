// fastText language identification behind the CFastText shim.
import CFastText
import Foundation

/// A fastText supervised classifier (Joulin et al. 2017, "Bag of Tricks for Efficient Text Classification"):
/// the average of the text's word and character n-gram embeddings through a linear softmax over labels —
/// with Facebook's `lid.176.bin` / `lid.176.ftz` (Joulin et al. 2016, 176 languages, the identifier x-LLM used)
/// or any model with `__label__<code>` labels. Loaded and run by Debian's libfasttext. Confidence = the top
/// label's probability. Empty or letterless text, and a top label that is no language code, give `und`.
///
/// With `candidates` the decision is restricted to those languages: the most probable of their labels wins
/// and its confidence is renormalised over them, p(l) / Σ_{c ∈ candidates} p(c) — the closed-set rule of a
/// study that knows which languages can occur (its instruction languages and English).
public final class FastTextIdentifier: LanguageIdentifier, @unchecked Sendable {
    let handle: OpaquePointer
    public let name: String
    /// ISO codes the decision is restricted to; nil = every label of the model.
    public let candidates: [String]?
    private let candidateLabels: String?

    public init(contentsOf url: URL, candidates: [String]? = nil) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ResponsesError.unreadable(file: url.path, reason: "no such file")
        }
        var error = [CChar](repeating: 0, count: 512)
        guard let h = cfasttext_load(url.path, &error, Int32(error.count)) else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ResponsesError.badModel(file: url.path, reason: reason.isEmpty ? "unreadable" : reason)
        }
        handle = h
        let restricted = candidates.map { Array(Set($0.map(LanguageCodes.normalized))).filter { $0 != "und" }.sorted() }
        self.candidates = restricted
        candidateLabels = restricted.map { $0.map { "__label__" + $0 }.joined(separator: ",") }
        name = "fasttext " + url.lastPathComponent + (restricted.map { " among " + $0.joined(separator: ",") } ?? "")
    }

    deinit { cfasttext_free(handle) }

    public func identify(bytes: [UInt8]) -> LanguageGuess {
        guard !bytes.isEmpty, bytes.count < Int(Int32.max), let text = String(validatingUTF8Bytes: bytes),
              text.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) else { return .undetermined }
        var label = [CChar](repeating: 0, count: 64)
        var probability: Float = 0
        let found = bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { c in
                if let candidateLabels {
                    cfasttext_predict_among(handle, c.baseAddress, Int32(c.count), candidateLabels, &label, Int32(label.count),
                                            &probability)
                } else {
                    cfasttext_predict(handle, c.baseAddress, Int32(c.count), &label, Int32(label.count), &probability)
                }
            }
        }
        guard found != 0 else { return .undetermined }
        var code = String(decoding: label.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if code.hasPrefix("__label__") { code.removeFirst("__label__".count) }
        let language = LanguageCodes.normalized(code)
        guard language != "und" else { return .undetermined }
        return LanguageGuess(language: language, confidence: Double(probability))
    }
}

extension String {
    /// The string of `bytes` when they are valid UTF-8, else nil (no replacement characters).
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var out = ""
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): out.unicodeScalars.append(s)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = out
    }
}
