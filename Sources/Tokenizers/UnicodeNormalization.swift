// Unicode normalization of text before pre-tokenization (HF `normalizers`).
import Foundation

/// The normalizer a byte-level tokenizer applies to each stretch of text between added tokens, before its
/// pre-tokenizer: none, or canonical composition NFC (Unicode Standard Annex #15: canonical decomposition,
/// then canonical composition), HF `normalizers.NFC` (Qwen2 / Qwen2.5, Command-R).
public enum UnicodeNormalization: String, Sendable {
    case none
    case nfc

    /// The normalized UTF-8 of `bytes`, or nil when normalization leaves them unchanged. ASCII is NFC.
    func normalized<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8]? {
        guard self == .nfc, bytes.contains(where: { $0 >= 0x80 }) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let composed = Array(text.precomposedStringWithCanonicalMapping.utf8)
        return composed.elementsEqual(bytes) ? nil : composed
    }
}
