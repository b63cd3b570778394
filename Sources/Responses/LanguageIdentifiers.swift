// Choosing the identifier: CLD2 by default, a fastText model when one is given.
import Foundation

public enum LanguageIdentifiers {
    /// CLD2 when `fastTextModel` is nil.
    public static func make(_ fastTextModel: String?) throws -> any LanguageIdentifier {
        guard let fastTextModel else { return CLD2Identifier() }
        return try FastTextIdentifier(contentsOf: URL(fileURLWithPath: fastTextModel))
    }
}
