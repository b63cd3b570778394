import Compare
import Figures
import Foundation
import Testing

@Suite("The comparison report lists every run it compared")
struct CompareReportPageTests {
    @Test("the Runs section names lens and responses runs with their kind, source and depth or languages")
    func runsOfEveryKind() throws {
        var report = CompareReport.empty(settings: CompareSettings(metrics: [], depth: .absolute), toolVersion: "t")
        let lens = """
            {"runs": [{"label": "G", "path": "g.lens.h5", "model": "g.gguf", "n_layers": 18, "prompt_count": 194, "excluded": 0},
                      {"label": "S", "path": "s.lens.h5", "model": "s.gguf", "n_layers": 30, "prompt_count": 190, "excluded": 4}],
             "depth": "relative", "metrics": ["lens_p_target", "lens_p_english"], "curves": [], "differences": []}
            """
        let responses = """
            {"runs": [{"label": "G", "path": "g-responses", "identifier": "cld2", "answers": 36, "languages": ["en", "de"]},
                      {"label": "S", "path": "s-responses", "identifier": "cld2", "answers": 36}],
             "languages": ["en", "de"], "rates": [], "differences": []}
            """
        report.lens = try JSONDecoder().decode(LensComparison.self, from: Data(lens.utf8))
        report.responses = try JSONDecoder().decode(ResponsesComparison.self, from: Data(responses.utf8))
        let lines = CompareReportPage.runLines(report)
        #expect(lines.map(\.0) == ["G", "S", "G", "S"])
        #expect(lines[0].1 == "lens · g.lens.h5 · g.gguf · 18 blocks · 194 prompts averaged")
        #expect(lines[1].1 == "lens · s.lens.h5 · s.gguf · 30 blocks · 190 prompts averaged (4 left out)")
        #expect(lines[2].1 == "responses · g-responses · cld2 · 36 answers · languages en de")
        // A compare.json written before runs carried their languages.
        #expect(lines[3].1 == "responses · s-responses · cld2 · 36 answers")
        #expect(CompareReportPage(report: report, toolVersion: "t").html().contains("lens · s.lens.h5"))
    }
}
