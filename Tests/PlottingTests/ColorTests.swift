import Testing
import Plotting

@Suite("Each language keeps one fixed color in every figure")
struct LanguagePaletteTests {
    @Test("the seed paper's languages take Okabe–Ito colors")
    func assignedColors() {
        #expect(LanguagePalette.color(for: "en").hex == "#000000")
        #expect(LanguagePalette.color(for: "zh").hex == "#d55e00")
        #expect(LanguagePalette.color(for: "ar").hex == "#0072b2")
        #expect(LanguagePalette.color(for: "el").hex == "#009e73")
    }

    @Test("case and region do not change the color")
    func normalization() {
        #expect(LanguagePalette.color(for: "ZH-cn") == LanguagePalette.color(for: "zh"))
        #expect(LanguagePalette.color(for: "pt_BR") == LanguagePalette.color(for: "pt"))
    }

    @Test("an unknown code hashes (FNV-1a 64) to a fixed fallback color: 'sw' → index 7")
    func fallback() {
        #expect(LanguagePalette.color(for: "sw").hex == "#004488")
        #expect(LanguagePalette.color(for: "sw") == LanguagePalette.color(for: "sw"))
    }

    @Test("the twelve shipped languages all get distinct colors")
    func distinct() {
        let codes = ["en", "zh", "ar", "el", "hi", "tr", "vi", "de", "fr", "es", "ru", "ja"]
        #expect(Set(codes.map { LanguagePalette.color(for: $0) }).count == codes.count)
    }

    @Test("which languages a chart shows does not change a language's color in it")
    func independentOfSubset() throws {
        let all = SampleCharts.curves()
        let svgAll = all.svg()
        var one = all
        one.panels = one.panels.map { panel in
            var p = panel
            p.series = p.series.filter { $0.name == "en–zh" }
            return p
        }
        let svgOne = one.svg()
        for svg in [svgAll, svgOne] {
            let parsed = try #require(SVGInspection.parse(svg))
            let strokes = parsed.seriesElements("en–zh", element: "polyline").map { $0.attributes["stroke"] }
            #expect(!strokes.isEmpty)
            #expect(strokes.allSatisfy { $0 == "#d55e00" })
        }
    }
}

@Suite("Viridis interpolates its published control points")
struct ViridisTests {
    @Test("the ends and the middle are the published colors")
    func controlPoints() {
        #expect(Viridis.color(at: 0).hex == "#440154")
        #expect(Viridis.color(at: 0.5).hex == "#21908c")
        #expect(Viridis.color(at: 1).hex == "#fde725")
    }

    @Test("halfway between the first two control points is their sRGB mean; out-of-range clamps")
    func interpolation() {
        // (0x44+0x47)/2 = 69.5 → 70, (0x01+0x2D)/2 = 23, (0x54+0x7B)/2 = 103.5 → 104
        let c = Viridis.color(at: 1.0 / 16)
        #expect(c == RGBColor(red: 70, green: 23, blue: 104))
        #expect(Viridis.color(at: -3) == Viridis.color(at: 0))
        #expect(Viridis.color(at: .nan) == Viridis.color(at: 0))
    }
}
