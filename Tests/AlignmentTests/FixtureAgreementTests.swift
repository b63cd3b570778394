import Activations
import Alignment
import Foundation
import HDF5
import LinearAlgebra
import Testing
import TestSupport

/// The fixture's expected.json as a dictionary.
func expectedValues() throws -> [String: Any] {
    let data = try Data(contentsOf: TestPaths.fixture("alignment/expected.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

@Suite("Every value of the synthetic fixture's expected.json is reproduced to 1e-6")
struct FixtureAgreementTests {
    @Test func pairMetricsMatchNumPy() throws {
        let reader = try ActivationsReader(url: TestPaths.fixture("alignment/activations.h5"))
        let source = try ActivationsLayerSource(reader: reader, pool: .mean)
        // The fixture defines the measures on the vectors as traced.
        var settings = AlignmentSettings(bootstrap: 0, normalize: .none)
        settings.metrics = [.cosine, .cosineMargin, .retrievalP1, .ckaLinear, .ckaDebiased, .ckaRBF, .mutualKNN]
        let report = try AlignmentAnalysis(settings: settings).run(source, sourceInfo: SourceInfo(path: "fixture")).report
        let expected = try expectedValues()
        let pairs = try #require(expected["pairs"] as? [String: [[String: Double]]])
        #expect(pairs.count == 3)
        var compared = 0
        var worst = 0.0
        for (pair, layers) in pairs {
            let parts = pair.split(separator: "-").map(String.init)
            #expect(layers.count == report.layers.count)
            for (layer, values) in layers.enumerated() {
                for (metric, value) in values {
                    let series = try #require(report.series(metric, source: parts[0], target: parts[1]), "\(metric) \(pair)")
                    let ours = series.values[layer].value
                    worst = max(worst, abs(ours - value))
                    #expect(abs(ours - value) <= 1e-6, "\(metric) \(pair) layer \(layer): \(ours) vs \(value)")
                    compared += 1
                }
            }
        }
        #expect(compared == 3 * 9 * 8)
        print("fixture: \(compared) values, worst absolute difference \(worst)")
    }
}

@Suite("The Kornblith et al. CKA demo values are reproduced")
struct KornblithDemoTests {
    let x: Matrix<Double>
    let y: Matrix<Double>

    init() throws {
        let file = try H5File.open(TestPaths.fixture("alignment/kornblith-demo.h5"))
        let dx = try file.root.dataset("X"), dy = try file.root.dataset("Y")
        x = Matrix(rows: dx.shape[0], cols: dx.shape[1], storage: try dx.read(Double.self))
        y = Matrix(rows: dy.shape[0], cols: dy.shape[1], storage: try dy.read(Double.self))
    }

    private func demo(_ key: String) throws -> (exact: Double, published: Double) {
        let demo = try #require(try expectedValues()["kornblith_demo"] as? [String: Any])
        let published = try #require(demo["published"] as? [String: Double])
        return (try #require(demo[key] as? Double), try #require(published[key]))
    }

    @Test func linearCKAFromFeatures() throws {
        let value = try linearCKA(x, y)   // d = 10 < N = 100: feature-space form
        let reference = try demo("cka_linear")
        #expect(abs(value - reference.exact) < 1e-12)
        #expect(abs(value - reference.published) < 5e-6)
    }

    @Test func linearCKAFromGramsAgreesWithFeatures() throws {
        let gramForm = try linearCKA(centeredGramX: gram(columnCentered(x)), centeredGramY: gram(columnCentered(y))).value
        #expect(abs(gramForm - (try linearCKA(x, y))) < 1e-12)
    }

    @Test func rbfCKAWithHalfMedianBandwidth() throws {
        let k = try centeredRBFKernel(gram: gram(x), scale: 0.5), l = try centeredRBFKernel(gram: gram(y), scale: 0.5)
        let value = try rbfCKA(centeredKernelX: k, centeredKernelY: l).value
        let reference = try demo("cka_rbf_0.5")
        #expect(abs(value - reference.exact) < 1e-12)
        #expect(abs(value - reference.published) < 5e-6)
    }

    @Test func debiasedCKA() throws {
        let value = try Alignment.debiasedCKA(gramX: gram(x), gramY: gram(y)).value
        let reference = try demo("cka_debiased")
        #expect(abs(value - reference.exact) < 1e-12)
        #expect(abs(value - reference.published) < 5e-6)
    }
}
