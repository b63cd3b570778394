// CLD2 behind the CCLD2 shim.
import CCLD2

/// Compact Language Detector 2 (Google; McCandless's CLD2, as Chrome ships it; Debian `libcld2`): a naive
/// Bayes over character quadgrams (Latin and similar scripts) and unigrams (CJK), scored per script run,
/// with its tables compiled into the library — the embedded default. Confidence = the share of the scored
/// text bytes CLD2 puts in the top language (its `percent3[0]` / 100), halved when CLD2 does not call the
/// result reliable. Text CLD2 cannot score (empty, no letters, not UTF-8) is `und`.
public struct CLD2Identifier: LanguageIdentifier {
    public init() {}

    public var name: String {
        guard let v = ccld2_version() else { return "cld2" }
        return "cld2 " + String(cString: v)
    }

    public func identify(bytes: [UInt8]) -> LanguageGuess {
        guard !bytes.isEmpty, bytes.count < Int(Int32.max) else { return .undetermined }
        var result = ccld2_result()
        bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { c in ccld2_detect(c.baseAddress, Int32(c.count), &result) }
        }
        guard result.validPrefixBytes == Int32(bytes.count), result.textBytes > 0 else { return .undetermined }
        let code = withUnsafeBytes(of: result.codes.0) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let language = LanguageCodes.normalized(code)
        guard language != "und" else { return .undetermined }
        let share = Double(result.percents.0) / 100
        return LanguageGuess(language: language, confidence: result.reliable != 0 ? share : share / 2)
    }
}
