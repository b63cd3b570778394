// Choosing the identifier: CLD2 by default, a fastText model when one is given.
import Foundation

public enum LanguageIdentifiers {
    /// CLD2 when `fastTextModel` is nil. `candidates` restricts a fastText model's decision to those
    /// languages; CLD2 reports only its own top languages, so a restriction there is refused, not emulated.
    public static func make(_ fastTextModel: String?, candidates: [String]? = nil) throws -> any LanguageIdentifier {
        guard let fastTextModel else {
            if candidates != nil { throw ResponsesError.candidatesNeedFastText }
            return CLD2Identifier()
        }
        return try FastTextIdentifier(contentsOf: URL(fileURLWithPath: fastTextModel), candidates: candidates)
    }

    /// `--candidates` as given: "study" = the languages the texts carry plus English; else a comma list.
    public static func candidates(_ option: String?, textLanguages: [String?]) -> [String]? {
        guard let option else { return nil }
        if option == "study" { return Array(Set(textLanguages.compactMap { $0 } + ["en"])).sorted() }
        return option.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
