// The token set of an answer word: the tokens whose probability counts as "the latent is this word in this
// language" (Wendler et al. 2024, `utils.py` token prefixes; generalised to byte-level vocabularies).
import Tokenizers

/// Which tokens make up a word's token set.
public enum LensTokenSetRule: String, Sendable, CaseIterable {
    /// Prefix lookup (plain and with the word-start space), the first token of the tokenization of w and of
    /// " " + w, and the first UTF-8 byte's token.
    case full
    /// Wendler et al.'s original rule: prefix lookup and the first byte only.
    case wendler
}

public enum LensTokenSets {
    /// The sorted, duplicate-free token set of `word`:
    /// - every prefix p = w[:k], k = 1…len(w) code points, that is a normal vocabulary entry, spelled as the
    ///   vocabulary writes text (`▁` for spaces / GPT-2 byte-level symbols), as p and as " " + p;
    /// - (`full` only) the first token of the tokenization of w and of " " + w, when it is a normal piece that
    ///   is not whitespace only — the token the model would emit first, e.g. a CJK word's two-byte fragment
    ///   in a byte-level vocabulary that no prefix lookup finds;
    /// - when w starts with a non-ASCII character, the token of its first UTF-8 byte (`<0xNN>` byte
    ///   fallback, or the byte's single symbol in a byte-level vocabulary).
    public static func of(_ word: String, vocabulary: any TokenVocabulary, rule: LensTokenSetRule = .full) -> [Int32] {
        var set = Set<Int32>()
        let scalars = Array(word.unicodeScalars)
        var prefix = String.UnicodeScalarView()
        for scalar in scalars {
            prefix.append(scalar)
            let p = String(prefix)
            for candidate in [p, " " + p] {
                if let id = vocabulary.id(ofPiece: vocabulary.spelled(candidate)), vocabulary.isNormal(id) {
                    set.insert(id)
                }
            }
        }
        if rule == .full {
            for text in [word, " " + word] {
                guard let first = vocabulary.encode(text, addBOS: false).first, vocabulary.isNormal(first) else { continue }
                let raw = vocabulary.unspelled(vocabulary.piece(first))
                if !raw.isEmpty && !raw.allSatisfy(\.isWhitespace) { set.insert(first) }
            }
        }
        if let lead = word.utf8.first, lead >= 0x80, let id = vocabulary.byteToken(lead) {
            set.insert(id)
        }
        return set.sorted()
    }
}
