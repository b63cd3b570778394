import Alignment
import Foundation
import LinearAlgebra
import Testing
import TestSupport

/// `crossCheckSource` with a planted rogue dimension: dimension 5 of every vector gets
/// 40 + 12·sin(2.1·i + 1.7·l + 0.3·t) (normalization_reference.py uses the same formula).
func rogueCrossCheckSource(tokens: [String: [[Int]]]? = nil) throws -> InMemoryLayerSource {
    let clean = try crossCheckSource(languages: 3, sentences: 37, dimension: 23, layers: 3)
    var stacks: [String: [Matrix<Float>]] = [:]
    for (l, name) in clean.languages.enumerated() {
        stacks[name] = try (0..<3).map { t in
            var m = try clean.vectors(language: name, layer: t)
            for i in 0..<37 {
                let (di, dl, dt) = (Double(i), Double(l), Double(t))
                // The reference adds in float64 before rounding to float32: so do we.
                let base = Double(crossCheckValue(i: i, j: 5, l: l, t: t))
                m[i, 5] = Float(base + 40 + 12 * sin(2.1 * di + 1.7 * dl + 0.3 * dt))
            }
            return m
        }
    }
    return try InMemoryLayerSource(languages: clean.languages, layers: stacks, tokens: tokens)
}

/// The token lists of normalization_reference.py's `token_lists`.
func tokenLists(language l: Int, sentences n: Int = 37) -> [[Int]] {
    (0..<n).map { i in
        (0..<(3 + i % 4)).map { t in (i * 7 + (i % 3 != 0 ? l : 0) * 3 + t) % 11 } + (l != 2 ? [100 + i] : [])
    }
}

private func reference() throws -> [String: Any] {
    let data = try Data(contentsOf: TestPaths.fixture("alignment/normalization-expected.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

@Suite("Normalisation, anisotropy diagnostics and both controls agree with an independent NumPy implementation")
struct NormalizationReferenceTests {
    static let modes = ["clean/none", "clean/center", "clean/standardize", "clean/all-but-top:1", "clean/all-but-top:2",
                        "rogue/none", "rogue/center", "rogue/standardize", "rogue/all-but-top:1", "rogue/all-but-top:2"]

    @Test(arguments: modes)
    func everyNormalisationMatches(_ key: String) throws {
        let parts = key.split(separator: "/").map(String.init)
        let mode = try #require(Normalization(argument: parts[1]))
        let source = parts[0] == "rogue" ? try rogueCrossCheckSource()
            : try crossCheckSource(languages: 3, sentences: 37, dimension: 23, layers: 3)
        let settings = AlignmentSettings(pivot: "a", metrics: [.cosine, .retrievalP1, .ckaDebiased], bootstrap: 0,
                                         primary: .retrievalP1, normalize: mode)
        let report = try AlignmentAnalysis(settings: settings).run(source, sourceInfo: SourceInfo(path: "memory")).report
        let modes = try #require(try reference()["modes"] as? [String: [String: Double]])
        let expected = try #require(modes[key])
        for (name, value) in expected {
            let ours = try #require(report.series(name, source: "a", target: "b")).values[1].value
            #expect(abs(ours - value) <= 1e-9, "\(key) \(name): \(ours) vs NumPy \(value)")
        }
        #expect(report.settings.normalize == mode)
    }

    @Test(arguments: [false, true], [Normalization.none, .center])
    func diagnosticsMatch(_ rogue: Bool, _ mode: Normalization) throws {
        let source = rogue ? try rogueCrossCheckSource() : try crossCheckSource(languages: 3, sentences: 37, dimension: 23, layers: 3)
        // With none and projection selected the PC1 share comes from the projection; otherwise from its own PCA.
        let settings = AlignmentSettings(pivot: "a", metrics: [.retrievalP1, .projection], bootstrap: 0, normalize: mode)
        let report = try AlignmentAnalysis(settings: settings).run(source, sourceInfo: SourceInfo(path: "memory")).report
        let all = try #require(try reference()["diagnostics"] as? [String: [String: Any]])
        let expected = try #require(all[rogue ? "rogue" : "clean"])
        let ours = try #require(report.diagnostics?[1])
        let outliers = try #require(expected["outliers"] as? [[Double]])
        #expect(ours.outlierDimensions.map(\.dimension) == outliers.map { Int($0[0]) })
        for (o, e) in zip(ours.outlierDimensions, outliers) {
            #expect(abs(o.energyShare - e[1]) <= 1e-9)
            #expect(abs(o.varianceShare - e[2]) <= 1e-9)
        }
        #expect(abs(ours.topVarianceShare - (try #require(expected["top_variance_share"] as? Double))) <= 1e-9)
        #expect(abs((try #require(ours.pc1VarianceShare)) - (try #require(expected["pc1_variance_share"] as? Double))) <= 1e-9)
    }

    @Test func shuffledPairingIsTheReferenceDerangement() throws {
        let expected = try reference()
        let seed = try #require(expected["derangement_seed"] as? Int)
        #expect(derangement(37, seed: UInt64(seed)) == (try #require(expected["derangement"] as? [Int])))
        let source = try crossCheckSource(languages: 3, sentences: 37, dimension: 23, layers: 3)
        let settings = AlignmentSettings(pivot: "a", pairs: .all, metrics: [.retrievalP1], bootstrap: 0,
                                         seed: UInt64(seed) ^ ShuffledControl.seedOffset, normalize: .none)
        let report = try AlignmentAnalysis(settings: settings).run(source, sourceInfo: SourceInfo(path: "memory")).report
        let shuffled = try #require(report.controls?.shuffled)
        #expect(shuffled.permutationSeed == UInt64(seed))
        // Pair a–b alone is the reference value; the curve averages the three pairs.
        let pair = try #require(shuffled.pairs?.first { $0.source == "a" && $0.target == "b" })
        #expect(abs(pair.values[1].value - (try #require(expected["shuffled_retrieval_p1"] as? Double))) <= 1e-9)
    }

    @Test func lexicalOverlapMatches() throws {
        let tokens = ["a": tokenLists(language: 0), "b": tokenLists(language: 1), "c": tokenLists(language: 2)]
        let source = try rogueCrossCheckSource(tokens: tokens)
        let settings = AlignmentSettings(pivot: "a", metrics: [.retrievalP1], bootstrap: 50)
        let report = try AlignmentAnalysis(settings: settings).run(source, sourceInfo: SourceInfo(path: "memory")).report
        let expected = try #require(try reference()["lexical"] as? [String: Double])
        let baseline = try #require(report.controls?.lexicalOverlap?.first { $0.target == "b" })
        #expect(abs(baseline.retrievalP1.value - (try #require(expected["retrieval_p1"]))) <= 1e-9)
        #expect(abs(baseline.cosine.value - (try #require(expected["cosine"]))) <= 1e-9)
        let low = try #require(baseline.retrievalP1.ciLow), high = try #require(baseline.retrievalP1.ciHigh)
        #expect(low <= baseline.retrievalP1.value && baseline.retrievalP1.value <= high)
    }
}

/// Translations that share a meaning vector, with or without one huge, noisy dimension.
func plantedSource(rogue: Bool, sentences n: Int = 60, dimension d: Int = 32) throws -> InMemoryLayerSource {
    var rng = Alignment.SplitMix64(seed: 42)
    func normal() -> Double { rng.normal() }
    let meaning = (0..<(n * d)).map { _ in normal() }
    var stacks: [String: [Matrix<Float>]] = [:]
    for (l, name) in ["a", "b", "c"].enumerated() {
        var m = Matrix<Float>(rows: n, cols: d)
        for i in 0..<n {
            for j in 0..<d { m[i, j] = Float(meaning[i * d + j] + 0.3 * normal() + 0.2 * Double(l)) }
            if rogue { m[i, 3] = Float(100 * normal()) }   // independent per language: no meaning in it
        }
        stacks[name] = [m, m]
    }
    return try InMemoryLayerSource(languages: ["a", "b", "c"], layers: stacks)
}

@Suite("A planted rogue dimension collapses raw retrieval, normalisation recovers it, and the warning fires only then")
struct RogueDimensionTests {
    func run(_ rogue: Bool, _ mode: Normalization) throws -> AlignmentReport {
        let settings = AlignmentSettings(pivot: "a", metrics: [.retrievalP1, .cosine, .ckaDebiased, .projection], bootstrap: 0, normalize: mode)
        return try AlignmentAnalysis(settings: settings).run(try plantedSource(rogue: rogue), sourceInfo: SourceInfo(path: "memory")).report
    }

    func retrieval(_ report: AlignmentReport) throws -> Double { try #require(report.peak).curve[0].value }

    @Test func rawRetrievalCollapsesAndTheWarningFires() throws {
        let report = try run(true, .none)
        let raw = try retrieval(report)
        #expect(raw < 0.5, "raw retrieval \(raw)")   // 1.0 without the dimension
        let warnings = try #require(report.warnings)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("dimension 3 ") == true)
        #expect(try #require(report.diagnostics?[0]).topEnergyShare > 0.9)
    }

    @Test(arguments: [Normalization.standardize, .allButTop(1)])
    func normalisationRecoversThePlantedAlignment(_ mode: Normalization) throws {
        let report = try run(true, mode)
        #expect(try retrieval(report) > 0.9, "\(mode.argument)")
        #expect(report.warnings?.count == 1)   // the diagnostics describe the raw vectors whatever the normalisation
    }

    @Test(arguments: [Normalization.none, .center, .standardize])
    func withoutTheDimensionNothingFires(_ mode: Normalization) throws {
        let report = try run(false, mode)
        #expect(report.warnings == [])
        #expect(try retrieval(report) > 0.9)
    }
}
