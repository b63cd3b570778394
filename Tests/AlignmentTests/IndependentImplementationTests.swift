import Alignment
import Foundation
import LinearAlgebra
import Testing

/// Entry (i, j) of language l at layer t of `crossCheckSource`, before rounding to Float.
func crossCheckValue(i: Int, j: Int, l: Int, t: Int) -> Double {
    let (di, dj, dl, dt) = (Double(i), Double(j), Double(l), Double(t))
    let shared = sin(1.3 * di + 0.7 * dj) * (1 + 0.4 * dt)
    let own = 0.6 * sin(0.9 * di * (dl + 1) + 0.5 * dj + dt) + 0.3 * (dl + 1) * cos(0.2 * dj + dl)
    return shared + own
}

/// Deterministic synthetic vectors; the same formula generated the NumPy reference values below
/// (float64 rounded to float32, as here).
func crossCheckSource(languages: Int, sentences n: Int, dimension d: Int, layers: Int) throws -> InMemoryLayerSource {
    let names = (0..<languages).map { String(UnicodeScalar(UInt8(97 + $0))) }
    var stacks: [String: [Matrix<Float>]] = [:]
    for (l, name) in names.enumerated() {
        stacks[name] = (0..<layers).map { t in
            var m = Matrix<Float>(rows: n, cols: d)
            for i in 0..<n {
                for j in 0..<d {
                    m[i, j] = Float(crossCheckValue(i: i, j: j, l: l, t: t))
                }
            }
            return m
        }
    }
    return try InMemoryLayerSource(languages: names, layers: stacks)
}

/// Reference values printed by an independent NumPy implementation of the definitions (run once,
/// /tmp script not part of the suite): pair a–b at `layer`, layer metrics over a, b, c.
private struct CrossCheckCase: Sendable, CustomTestStringConvertible {
    var sentences: Int, dimension: Int, layers: Int, layer: Int, k: Int, rbfScale: Double, lsarRank: Int
    var expected: [String: Double]
    var testDescription: String { "N=\(sentences) d=\(dimension)" }
}

private let crossCheckCases: [CrossCheckCase] = [
    CrossCheckCase(sentences: 37, dimension: 23, layers: 3, layer: 1, k: 5, rbfScale: 0.8, lsarRank: 1, expected: [
        "cosine": 0.8149760823631059, "cosine_margin": 0.8063630749448891,
        "retrieval_p1_fwd": 0.21621621621621623, "retrieval_p1_bwd": 0.2702702702702703,
        "retrieval_p1_centered_fwd": 0.32432432432432434, "retrieval_p1_centered_bwd": 0.32432432432432434,
        "retrieval_p1_lsar_fwd": 0.32432432432432434, "retrieval_p1_lsar_bwd": 0.2972972972972973,
        "cka_linear": 0.9341309654911096, "cka_debiased": 0.9300838143748034, "cka_rbf": 0.9358961348696186,
        "mutual_knn": 0.5135135135135136, "language_separability": 0.09941955167631844,
        "centroid_accuracy": 0.963963963963964, "evr1": 0.39567082732803566, "evr2": 0.3826720996374294,
        "evr3": 0.10112356820478521, "layer_cka_0_last": 0.8979970322686437,
    ]),
    CrossCheckCase(sentences: 12, dimension: 40, layers: 2, layer: 1, k: 3, rbfScale: 0.5, lsarRank: 2, expected: [
        "cosine": 0.8007082066855964, "cosine_margin": 0.8240879746714153,
        "retrieval_p1_fwd": 0.5, "retrieval_p1_bwd": 0.4166666666666667,
        "retrieval_p1_centered_fwd": 0.4166666666666667, "retrieval_p1_centered_bwd": 0.3333333333333333,
        "retrieval_p1_lsar_fwd": 0.4166666666666667, "retrieval_p1_lsar_bwd": 0.3333333333333333,
        "cka_linear": 0.9605427579013348, "cka_debiased": 0.9505938790686141, "cka_rbf": 0.9519836361186171,
        "mutual_knn": 0.6944444444444445, "language_separability": 0.09706952992537143,
        "centroid_accuracy": 1.0, "evr1": 0.3901766873932977, "evr2": 0.3780368881184746,
        "evr3": 0.08908102238129637, "layer_cka_0_last": 0.9285318296789394,
    ]),
]

@Suite("Values agree with an independent NumPy implementation on other sizes and layer counts")
struct IndependentImplementationTests {
    @Test(arguments: crossCheckCases)
    fileprivate func everyMeasureMatches(_ c: CrossCheckCase) throws {
        let source = try crossCheckSource(languages: 3, sentences: c.sentences, dimension: c.dimension, layers: c.layers)
        let settings = AlignmentSettings(pivot: "a", bootstrap: 0, rbfScale: c.rbfScale, knnK: c.k, lsarRank: c.lsarRank, normalize: .none)
        let report = try AlignmentAnalysis(settings: settings).run(source, sourceInfo: SourceInfo(path: "memory")).report
        for (name, value) in c.expected {
            let ours: Double
            if name.hasPrefix("evr") {
                let component = try #require(Int(name.dropFirst(3))) - 1
                ours = try #require(report.projection).explainedVarianceRatio[c.layer][component]
            } else if name == "layer_cka_0_last" {
                let matrix = try #require(report.layerCKA.first { $0.source == "a" && $0.target == "b" }).matrix
                ours = matrix[0][c.layers - 1]
            } else if let series = report.series(name, source: "a", target: "b") {
                ours = series.values[c.layer].value
            } else {
                ours = try #require(report.layerSeries(name), "\(name)").values[c.layer].value
            }
            // Layer CKA is stored in Float (packed kernels), hence its looser bound.
            let tolerance = name == "layer_cka_0_last" ? 1e-6 : 1e-9
            #expect(abs(ours - value) <= tolerance, "\(name): \(ours) vs NumPy \(value)")
        }
    }
}
