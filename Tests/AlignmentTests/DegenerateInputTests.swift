import Activations
import Alignment
import Foundation
import HDF5
import LinearAlgebra
import Testing
import TestSupport

/// Encodes the report: JSONEncoder refuses NaN and infinity, so success means every value is finite.
private func allFinite(_ report: AlignmentReport) -> Bool {
    (try? report.encoded()) != nil
}

@Suite("Degenerate inputs give typed errors or documented finite results, never a crash")
struct DegenerateInputTests {
    @Test func debiasedCKANeedsFourSentences() throws {
        let k = Matrix<Double>.identity(3)
        #expect(throws: AlignmentError.tooFewSentences(metric: "cka_debiased", needed: 4, got: 3)) {
            try debiasedCKA(gramX: k, gramY: k)
        }
        let source = try pairSource(sentences: 3)
        #expect(throws: AlignmentError.tooFewSentencesForSettings(got: 3, unmet: [SentenceMinimum(metric: "cka_debiased", needed: 4)])) {
            try AlignmentAnalysis(settings: AlignmentSettings(metrics: [.ckaDebiased], primary: .ckaDebiased))
                .run(source, sourceInfo: SourceInfo(path: "memory"))
        }
    }

    @Test func mutualKNNNeedsMoreSentencesThanK() throws {
        #expect(throws: AlignmentError.tooFewSentencesForSettings(got: 8, unmet: [SentenceMinimum(metric: "mutual_knn (k = 10)", needed: 11)])) {
            try AlignmentAnalysis(settings: AlignmentSettings(metrics: [.mutualKNN], primary: .mutualKNN))
                .run(try pairSource(sentences: 8), sourceInfo: SourceInfo(path: "memory"))
        }
    }

    /// Issue #15: the minimums surfaced one run at a time (2, then 4, then 11); one run names them all.
    @Test func everyUnmetSentenceMinimumIsNamedAtOnce() throws {
        let all = AlignmentSettings(bootstrap: 50)
        let expected: [(Int, [SentenceMinimum])] = [
            (1, [SentenceMinimum(metric: "alignment", needed: 2), SentenceMinimum(metric: "cka_debiased", needed: 4),
                 SentenceMinimum(metric: "mutual_knn (k = 10)", needed: 11)]),
            (3, [SentenceMinimum(metric: "cka_debiased", needed: 4), SentenceMinimum(metric: "mutual_knn (k = 10)", needed: 11)]),
            (5, [SentenceMinimum(metric: "mutual_knn (k = 10)", needed: 11)]),
        ]
        for (n, unmet) in expected {
            let source = try pairSource(sentences: n)
            #expect(throws: AlignmentError.tooFewSentencesForSettings(got: n, unmet: unmet)) {
                try AlignmentAnalysis(settings: all).run(source, sourceInfo: SourceInfo(path: "memory"))
            }
        }
        let message = AlignmentError.tooFewSentencesForSettings(got: 1, unmet: expected[0].1).localizedDescription
        #expect(message == "1 sentence is too few: alignment needs at least 2, cka_debiased needs at least 4, mutual_knn (k = 10) needs at least 11")
        #expect(throws: Never.self) {
            try AlignmentAnalysis(settings: all).run(try pairSource(sentences: 11), sourceInfo: SourceInfo(path: "memory"))
        }
    }

    @Test func zeroVectorsGiveZeroSimilarityNotNaN() throws {
        let (x, _) = noisyPair(sentences: 20, dimension: 6, noise: 0.1, seed: 1)
        let zero = Matrix<Float>(rows: 20, cols: 6)
        let source = try InMemoryLayerSource(languages: ["en", "zz"], layers: ["en": [x, x], "zz": [zero, zero]])
        let report = try AlignmentAnalysis(settings: AlignmentSettings(bootstrap: 50))
            .run(source, sourceInfo: SourceInfo(path: "memory")).report
        #expect(allFinite(report))
        #expect(report.series("cosine", source: "en", target: "zz")?.values[0].value == 0)
        #expect(report.series("cka_linear", source: "en", target: "zz")?.values[0].value == 0)
        #expect(report.series("cka_debiased", source: "en", target: "zz")?.values[0].value == 0)
        #expect(report.series("cka_rbf", source: "en", target: "zz")?.values[0].value == 0)
    }

    @Test func constantFeaturesShareNothing() throws {
        let (x, _) = noisyPair(sentences: 20, dimension: 6, noise: 0.1, seed: 2)
        let constant = Matrix<Float>(rows: 20, cols: 6, repeating: 3)
        let source = try InMemoryLayerSource(languages: ["en", "cc"], layers: ["en": [x], "cc": [constant]])
        let report = try AlignmentAnalysis(settings: AlignmentSettings(bootstrap: 20))
            .run(source, sourceInfo: SourceInfo(path: "memory")).report
        #expect(allFinite(report))
        for metric in ["cka_linear", "cka_debiased", "cka_rbf"] {
            #expect(report.series(metric, source: "en", target: "cc")?.values[0].value == 0, "\(metric)")
        }
        // Every constant row is equally similar to x_i: retrieval ties go to index 0 (NumPy's argmax).
        #expect(report.series("retrieval_p1_bwd", source: "en", target: "cc")?.values[0].value == 1.0 / 20)
    }

    @Test func identicalLanguagesAreFullyAligned() throws {
        let (x, _) = noisyPair(sentences: 30, dimension: 8, noise: 0.1, seed: 3)
        let source = try InMemoryLayerSource(languages: ["en", "en2"], layers: ["en": [x], "en2": [x]])
        let report = try AlignmentAnalysis(settings: AlignmentSettings(bootstrap: 0))
            .run(source, sourceInfo: SourceInfo(path: "memory")).report
        for metric in ["cosine", "retrieval_p1", "cka_linear", "cka_debiased", "cka_rbf", "mutual_knn"] {
            let value = try #require(report.series(metric, source: "en", target: "en2")).values[0].value
            #expect(abs(value - 1) < 1e-9, "\(metric) = \(value)")
        }
        #expect(abs(try #require(report.layerSeries("language_separability")).values[0].value) < 1e-12)
    }

    @Test func missingPivotLanguageIsNamed() throws {
        #expect(throws: AlignmentError.missingLanguage("fr", available: ["en", "xx"])) {
            try AlignmentAnalysis(settings: AlignmentSettings(pivot: "fr"))
                .run(try pairSource(sentences: 12), sourceInfo: SourceInfo(path: "memory"))
        }
    }

    @Test func aNonPairPrimaryIsRefused() throws {
        #expect(throws: AlignmentError.self) {
            try AlignmentAnalysis(settings: AlignmentSettings(primary: .languageSeparability))
                .run(try pairSource(sentences: 12), sourceInfo: SourceInfo(path: "memory"))
        }
    }

    @Test func nonFiniteVectorsAreRefused() throws {
        var x = Matrix<Float>(rows: 5, cols: 3, repeating: 1)
        x[2, 1] = .nan
        #expect(throws: AlignmentError.nonFinite("sentence vectors")) { try LanguageVectors(x) }
    }
}

/// Writes a small activation file with `complete` and optional extras.
func writeActivations(_ url: URL, complete: Int64, format: String = ActivationsLayout.format, languages: [String] = ["en", "de"],
                      sentences n: Int = 6, dimension d: Int = 4, layers: Int = 3) throws {
    let file = try H5File.create(url, overwrite: true)
    let root = file.root
    try root.setAttribute("format", .string(format))
    try root.setAttribute("format_version", .int(1))
    try root.setAttribute("model", .string("toy"))
    try root.setAttribute("n_layers", .int(Int64(layers - 1)))
    try root.setAttribute("d_model", .int(Int64(d)))
    try root.setAttribute("complete", .int(complete))
    _ = try root.writeStrings("languages", languages)
    _ = try root.writeStrings("ids", (0..<n).map { "s\($0)" })
    for (l, language) in languages.enumerated() {
        let values = (0..<(layers * n * d)).map { Float(sin(Double($0) * 0.37 + Double(l))) }
        _ = try root.writeDataset("pooled/mean/\(language)", values, shape: [layers, n, d])
    }
}

@Suite("The activations reader validates the file and reads one layer at a time")
struct ActivationsReaderTests {
    @Test func readsTheFixtureLayout() throws {
        let reader = try ActivationsReader(url: TestPaths.fixture("alignment/activations.h5"))
        #expect(reader.languages == ["en", "zh", "ar", "hi"])
        #expect(reader.ids.count == 60)
        #expect(reader.ids.first == "s0000")
        #expect(reader.pools == [.mean])
        #expect(reader.isComplete)
        #expect(reader.integerAttribute("n_layers") == 8)
        let shape = try reader.pooledShape(.mean, language: "zh")
        #expect(shape.layers == 9 && shape.sentences == 60 && shape.dimension == 48)
        let layer3 = try reader.pooled(.mean, language: "zh", layer: 3)
        #expect(layer3.count == 60 * 48)
        #expect(layer3[7 * 48 + 5] == 0.7124657)    // h5py: f['pooled/mean/zh'][3, 7, 5]
        let layer8 = try reader.pooled(.mean, language: "zh", layer: 8)
        #expect(layer8[59 * 48 + 47] == 5.4468703)  // h5py: f['pooled/mean/zh'][8, 59, 47]
    }

    @Test func refusesAnIncompleteTraceUnlessAllowed() throws {
        let dir = try TestPaths.temporaryDirectory("align-reader")
        let url = dir.appendingPathComponent("partial.h5")
        try writeActivations(url, complete: 0)
        #expect(throws: ActivationsError.self) { try ActivationsReader(url: url) }
        do {
            _ = try ActivationsReader(url: url)
        } catch {
            #expect(error.localizedDescription.contains("complete = 0"))
            #expect(error.localizedDescription.contains(url.path))
        }
        let reader = try ActivationsReader(url: url, allowIncomplete: true)
        #expect(!reader.isComplete)
        #expect(try reader.pooled(.mean, language: "de", layer: 2).count == 24)
    }

    @Test func refusesAnotherFormatMissingLanguagesAndPoolsAndLayers() throws {
        let dir = try TestPaths.temporaryDirectory("align-reader")
        let other = dir.appendingPathComponent("other.h5")
        try writeActivations(other, complete: 1, format: "something.else")
        #expect(throws: ActivationsError.self) { try ActivationsReader(url: other) }
        let good = dir.appendingPathComponent("good.h5")
        try writeActivations(good, complete: 1)
        let reader = try ActivationsReader(url: good)
        #expect(throws: ActivationsError.self) { try reader.pooled(.mean, language: "fr", layer: 0) }
        #expect(throws: ActivationsError.self) { try reader.pooled(.last, language: "en", layer: 0) }
        #expect(throws: ActivationsError.self) { try reader.pooled(.mean, language: "en", layer: 3) }
    }
}
