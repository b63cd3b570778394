import Activations
import Alignment
import Figures
import Foundation
import Testing
import TestSupport

/// Fixture reports for the #11 figures: every pair measured (`--pairs all`), and a raw (`--normalize none`) run.
enum AllPairsFixture {
    static func run(_ settings: AlignmentSettings) -> AlignmentReport {
        do {
            let reader = try ActivationsReader(url: TestPaths.fixture("alignment/activations.h5"))
            let source = try ActivationsLayerSource(reader: reader, pool: .mean)
            var info = SourceInfo(path: "activations.h5", model: "/models/synthetic-7b.Q4_K_M.gguf")
            info.attributes["model_name"] = "Synthetic 7B"
            return try AlignmentAnalysis(settings: settings, workers: 1).run(source, sourceInfo: info, toolVersion: "test").report
        } catch {
            fatalError("fixture alignment failed: \(error)")
        }
    }

    static let allPairs = run(AlignmentSettings(pairs: .all, bootstrap: 20, seed: 1))
    static let raw = run(AlignmentSettings(pairs: .all, metrics: [.retrievalP1, .retrievalP1Centered, .cosineMargin, .ckaDebiased],
                                           bootstrap: 20, seed: 1, normalize: .none))

    /// The fixture has no token ids (no lexical control): a baseline set by hand, to see it drawn.
    static func withLexicalBaseline(_ report: AlignmentReport, value: Double = 0.2) -> AlignmentReport {
        var report = report
        let baseline = LexicalBaseline(source: "*", target: "*", retrievalP1: Estimate(value: value, ciLow: value - 0.05, ciHigh: value + 0.05),
                                       cosine: Estimate(value: 0.1))
        report.controls = AlignmentControls(lexicalOverlap: nil, lexicalOverlapMean: baseline, shuffled: report.controls?.shuffled)
        return report
    }
}

@Suite("The curves carry the lexical baseline and the chance level as reference lines (#11)")
struct ControlLineTests {
    @Test("retrieval panels draw the baseline, the primary's panels the chance curve; both are legend entries after the pairs")
    func referenceLines() throws {
        let report = AllPairsFixture.withLexicalBaseline(FixtureReport.report)
        let svg = AlignmentFigures(report: report).curves().svg
        let chance = try #require(report.controls?.shuffled)
        #expect(chance.metric == "retrieval_p1")
        // Retrieval panel (lexical + chance), cosine margin (none), debiased CKA (none), mean of the primary (both).
        let references = svg.components(separatedBy: "<g class=\"reference\" data-name=\"")
        #expect(references.count - 1 == 4)
        #expect(svg.components(separatedBy: "data-name=\"\(AlignmentFigures.lexicalName)\"").count - 1 == 2)
        #expect(svg.components(separatedBy: "data-name=\"\(AlignmentFigures.chanceName)\"").count - 1 == 2)
        for name in [AlignmentFigures.lexicalName, AlignmentFigures.chanceName] {
            #expect(svg.contains("data-label=\"\(name)\" data-reference=\"true\""))
        }
        // Without controls nothing is drawn nor listed.
        var bare = FixtureReport.report
        bare.controls = nil
        let plain = AlignmentFigures(report: bare).curves().svg
        #expect(!plain.contains("class=\"reference\"") && !plain.contains("data-reference"))
    }

    @Test("titles use the model's recorded name, axes say what they measure in words, the subtitle the normalisation")
    func naming() {
        let figures = AlignmentFigures(report: AllPairsFixture.allPairs)
        #expect(figures.modelName == "Synthetic 7B")
        let svg = figures.curves().svg
        #expect(svg.contains("Where does Synthetic 7B align languages?"))
        #expect(svg.contains(">retrieval P@1<") && svg.contains(">debiased CKA<") && svg.contains(">cosine margin<"))
        #expect(svg.contains("language-centered vectors (--normalize center)"))
        var unnamed = AllPairsFixture.allPairs
        unnamed.source.attributes["model_name"] = nil
        #expect(AlignmentFigures(report: unnamed).modelName == "synthetic-7b.Q4_K_M")
    }
}

@Suite("With --pairs all, a language × language matrix at the peak (#11)")
struct PairMatrixTests {
    @Test("row i, column j is retrieval of j from i (fwd / bwd by the stored order), symmetric metrics mirrored, NaN diagonal")
    func values() throws {
        let report = AllPairsFixture.allPairs
        let figures = AlignmentFigures(report: report)
        let languages = report.languages
        let layer = try #require(report.peak(of: "retrieval_p1")).layer
        let index = try #require(report.layers.firstIndex(of: layer))
        let matrix = figures.pairMatrix("retrieval_p1", layer: layer)
        for pair in report.pairs {
            let i = try #require(languages.firstIndex(of: pair.source)), j = try #require(languages.firstIndex(of: pair.target))
            let fwd = try #require(report.series("retrieval_p1_fwd", source: pair.source, target: pair.target)).values[index].value
            let bwd = try #require(report.series("retrieval_p1_bwd", source: pair.source, target: pair.target)).values[index].value
            #expect(matrix[i][j] == fwd)
            #expect(matrix[j][i] == bwd)
            let cka = figures.pairMatrix("cka_debiased", layer: layer)
            #expect(cka[i][j] == cka[j][i])
        }
        for i in languages.indices { #expect(matrix[i][i].isNaN) }
        let set = figures.drawable()
        #expect(set.figures.map(\.fileName).contains("pair-matrix.svg"))
        let svg = try #require(set.figures.first { $0.fileName == "pair-matrix.svg" }).svg
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 3 * languages.count * languages.count)
        // Pivot runs skip it, saying why.
        let pivot = AlignmentFigures(report: FixtureReport.report).drawable()
        #expect(pivot.skipped.contains { $0.fileName == "pair-matrix.svg" && $0.reason.contains("--pairs all") })
    }
}

@Suite("normalization.svg: raw and normalised curves side by side, with the rogue-dimension diagnostics (#11)")
struct NormalizationFigureTests {
    @Test("with --raw, both runs' retrieval and shared metrics are drawn and labelled by their normalisation")
    func sideBySide() throws {
        let figures = AlignmentFigures(report: AllPairsFixture.allPairs, companion: AllPairsFixture.raw)
        let variants = figures.retrievalVariants()
        #expect(variants.map(\.label) == ["language-centered vectors (--normalize center)", "raw vectors (--normalize none)"])
        let rawCurve = try #require(AllPairsFixture.raw.peak(of: "retrieval_p1")).curve
        #expect(variants[1].curve == rawCurve)
        #expect(figures.sharedMetrics() == ["cosine_margin", "cka_debiased"])
        let svg = figures.normalization().svg
        #expect(svg.components(separatedBy: "<g class=\"panel\"").count - 1 == 4)   // retrieval, margin, CKA, diagnostics
        #expect(svg.contains("data-name=\"\(AlignmentFigures.thresholdName.replacingOccurrences(of: ">", with: "&gt;"))\""))
        // A raw run alone shows its raw and its centered retrieval.
        let alone = AlignmentFigures(report: AllPairsFixture.raw).retrievalVariants().map(\.label)
        #expect(alone.first == "raw vectors (--normalize none)")
        #expect(alone.contains { $0.hasPrefix("language-centered") })
    }

    @Test("--raw refuses another input's layers or the same normalisation, in one line")
    func companionChecks() throws {
        let dir = try TestPaths.temporaryDirectory("figures-raw")
        let main = dir.appendingPathComponent("main"), raw = dir.appendingPathComponent("raw")
        for (url, report) in [(main, AllPairsFixture.allPairs), (raw, AllPairsFixture.raw)] {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try report.encoded().write(to: url.appendingPathComponent("alignment.json"))
        }
        let input = try FigureInputs.open(main.path)
        let companion = try AlignmentInput.companion(raw.path, for: input)
        #expect(companion.settings.normalize == .none)
        #expect(throws: FiguresError.self) { _ = try AlignmentInput.companion(main.path, for: input) }
        let pivot = try FixtureReport.folder()
        #expect {
            _ = try AlignmentInput.companion(pivot.path, for: input)
        } throws: { error in
            ((error as? LocalizedError)?.errorDescription ?? "").contains("not the same layers, languages, pairs")
        }
    }
}

@Suite("The report lists every metric's peak with intervals and says when they disagree (#11)")
struct PeaksReportTests {
    @Test("one row per pair metric with its peak layer, interval and value; the controls in words")
    func everyPeak() throws {
        let report = AllPairsFixture.withLexicalBaseline(FixtureReport.report, value: 0.123)
        let page = AlignmentReportPage(report: report, toolVersion: "t")
        let html = page.html()
        #expect(html.contains("Every metric&apos;s peak"))
        for peak in try #require(report.peaks) {
            #expect(html.contains("<td>\(AlignmentFigures.axisLabel(of: peak.metric))"), "\(peak.metric)")
            if let low = peak.layerCILow, let high = peak.layerCIHigh { #expect(html.contains("<td>\(low)–\(high)</td>")) }
        }
        #expect(page.summary().contains("retrieve 0.123 [0.073, 0.173] of translations"))
        #expect(page.summary().contains("(chance level)"))
    }

    @Test("when the peaks span more than the tolerance, the headline names the span and no single peak layer")
    func disagreement() throws {
        var report = FixtureReport.report
        var peaks = try #require(report.peaks)
        peaks[1].layer = peaks[0].layer >= 4 ? 0 : 8
        report.peaks = peaks
        report.peakAgreement = PeakAgreement(peaks: peaks)
        #expect(report.peakAgreement?.agree == false)
        let summary = AlignmentReportPage(report: report, toolVersion: "t").summary()
        #expect(summary.contains("The metrics disagree"))
        #expect(summary.contains("no single layer is the alignment peak"))
        #expect(!summary.contains("The pair-averaged translation retrieval P@1 peaks at layer"))
    }
}
