// One fixed color per language across every figure.

/// A deterministic language code → color map that does not depend on which languages a run contains, so
/// Chinese is the same vermillion in every figure of every run.
///
/// The first eight colors are Okabe & Ito's colorblind-safe set ("Color Universal Design", 2008); the rest
/// come from Paul Tol's colorblind-safe "muted" scheme (Tol 2021, SRON/EPS/TN/09-002). Okabe–Ito yellow
/// (#F0E442) is left out: it is unreadable as a thin line on white. The languages of the seed paper
/// (en, zh, ar, el, hi, tr, vi) take the most distinct colors; other codes fall back to a stable FNV-1a hash
/// into an extra set, so unknown languages still get one fixed color.
public enum LanguagePalette {
    /// Colors for the languages Interlingua ships corpora for.
    public static let assigned: [String: RGBColor] = [
        "en": RGBColor(0x000000),  // Okabe–Ito black: the pivot
        "zh": RGBColor(0xD55E00),  // vermillion
        "ar": RGBColor(0x0072B2),  // blue
        "el": RGBColor(0x009E73),  // bluish green
        "hi": RGBColor(0xE69F00),  // orange
        "tr": RGBColor(0xCC79A7),  // reddish purple
        "vi": RGBColor(0x56B4E9),  // sky blue
        "de": RGBColor(0x332288),  // Tol indigo
        "fr": RGBColor(0x882255),  // Tol wine
        "es": RGBColor(0x999933),  // Tol olive
        "ru": RGBColor(0x44AA99),  // Tol teal
        "ja": RGBColor(0x661100),  // Tol dark brown
    ]

    /// Colors for codes not in `assigned` (Tol muted/light extras, all distinct from the assigned ones).
    public static let fallback: [RGBColor] = [
        RGBColor(0x117733), RGBColor(0xAA4499), RGBColor(0x6699CC), RGBColor(0x888888),
        RGBColor(0xDDAA33), RGBColor(0x88CCEE), RGBColor(0xBB5566), RGBColor(0x004488),
    ]

    /// The color of a language (codes compared case-insensitively, region ignored: `zh-CN` → `zh`).
    public static func color(for language: String) -> RGBColor {
        let code = normalized(language)
        if let color = assigned[code] { return color }
        return fallback[Int(fnv1a(code) % UInt64(fallback.count))]
    }

    /// A dash pattern for a language as a second channel next to color (`nil` = solid), so two lines stay
    /// distinguishable in grayscale print or for color-vision deficiencies the palette does not cover.
    public static func dash(for language: String) -> String? {
        let patterns: [String?] = [nil, "6 3", "2 2", "8 3 2 3"]
        let code = normalized(language)
        let order = ["en", "zh", "ar", "el", "hi", "tr", "vi", "de", "fr", "es", "ru", "ja"]
        if let index = order.firstIndex(of: code) { return patterns[index % patterns.count] }
        return patterns[Int(fnv1a(code) % UInt64(patterns.count))]
    }

    static func normalized(_ language: String) -> String {
        let lower = language.lowercased()
        let base = lower.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? lower
        return base
    }

    /// FNV-1a 64-bit (Fowler–Noll–Vo): stable across processes and platforms, unlike `Hasher`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
