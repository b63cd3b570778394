import Activations
import Alignment
import Foundation
import HDF5
import LinearAlgebra
import Testing
import TestSupport

@Suite("The align outputs are complete, self-describing and written atomically")
struct OutputTests {
    @Test func jsonCSVAndProjectionsDescribeTheRun() throws {
        let reader = try ActivationsReader(url: TestPaths.fixture("alignment/activations.h5"))
        let source = try ActivationsLayerSource(reader: reader, pool: .mean)
        let outcome = try AlignmentAnalysis(settings: AlignmentSettings(bootstrap: 100, seed: 9, normalize: .none))
            .run(source, sourceInfo: SourceInfo(path: "activations.h5", model: "synthetic"), toolVersion: "test")
        let dir = try TestPaths.temporaryDirectory("align-out")
        let files = try AlignmentOutputs.write(outcome, ids: reader.ids, to: dir)
        #expect(files.map(\.lastPathComponent) == ["alignment.json", "alignment.csv", "projections.h5"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["alignment.csv", "alignment.json", "projections.h5"])

        let report = try AlignmentReport.read(from: dir.appendingPathComponent("alignment.json"))
        #expect(report == outcome.report)
        #expect(report.format == "interlingua.alignment")
        #expect(report.layers == Array(0...8))
        #expect(report.pairs.map(\.target) == ["zh", "ar", "hi"])
        #expect(report.source.model == "synthetic")
        let names = Set(report.definitions.map(\.name))
        for series in report.pairMetrics + [] { #expect(names.contains(series.metric), "\(series.metric) undefined") }
        // The fixture aligns at layers 4–5: the peak and its interval say so.
        let peak = try #require(report.peak)
        #expect(peak.layer == 4)
        #expect(try #require(peak.layerCILow) >= 4 && (try #require(peak.layerCIHigh)) <= 5)
        #expect(abs(peak.layerFrequency.reduce(0, +) - 1) < 1e-12)
        // Layer CKA diagonal (pivot vs zh) equals the per-layer linear CKA up to Float packing.
        let heat = try #require(report.layerCKA.first { $0.target == "zh" }).matrix
        let linear = try #require(report.series("cka_linear", source: "en", target: "zh")).values
        for l in 0..<9 { #expect(abs(heat[l][l] - linear[l].value) < 1e-6) }
        let within = try #require(report.layerCKA.first { $0.target == "en" }).matrix
        for l in 0..<9 { #expect(abs(within[l][l] - 1) < 1e-6) }

        let csv = try String(contentsOf: dir.appendingPathComponent("alignment.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "metric,source,target,layer,value,ci_low,ci_high")
        let pairRows = report.pairMetrics.count * 9, layerRows = report.layerMetrics.count * 9
        #expect(lines.count == 1 + pairRows + layerRows + 9 + 9 * 3)
        #expect(lines.contains { $0.hasPrefix("cka_linear,en,zh,4,") })

        let h5 = try H5File.open(dir.appendingPathComponent("projections.h5"))
        #expect(try h5.root.dataset("coordinates/hi").shape == [9, 60, 3])
        #expect(try h5.root.dataset("explained_variance_ratio").shape == [9, 3])
        #expect(try h5.root.dataset("ids").readStrings() == reader.ids)
        let ratios = try h5.root.dataset("explained_variance_ratio").read(Double.self)
        #expect(ratios == report.projection?.explainedVarianceRatio.flatMap { $0 })
    }

    @Test func aFailedWriteLeavesNoFileBehind() throws {
        let dir = try TestPaths.temporaryDirectory("align-out")
        let blocker = dir.appendingPathComponent("alignment.json")
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: true)   // rename onto a folder fails
        let outcome = try AlignmentAnalysis(settings: AlignmentSettings(metrics: [.cosine], bootstrap: 0, primary: .cosine))
            .run(try pairSource(sentences: 12), sourceInfo: SourceInfo(path: "memory"))
        #expect(throws: AlignmentError.self) { try AlignmentOutputs.write(outcome, ids: [], to: dir) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["alignment.json"])
    }

    @Test func tableMarksThePeak() throws {
        let outcome = try AlignmentAnalysis(settings: AlignmentSettings(metrics: [.cosine], bootstrap: 0, primary: .cosine))
            .run(try pairSource(sentences: 12), sourceInfo: SourceInfo(path: "memory"))
        let table = AlignmentOutputs.table(outcome.report)
        #expect(table.split(separator: "\n").filter { $0.contains("◀ peak") }.count == 1)
        #expect(table.contains("peak: layer \(try #require(outcome.report.peak).layer)"))
    }
}

@Suite("PCA projections are reproducible and the randomized solver matches the exact one")
struct ProjectionTests {
    @Test func randomizedSolverMatchesExactSVD() throws {
        let source = try crossCheckSource(languages: 3, sentences: 37, dimension: 23, layers: 2)
        let languages = try source.languages.map { try LanguageVectors(source.vectors(language: $0, layer: 1)) }
        let exact = try principalComponents(languages, components: 3, exactLimit: 10_000)
        let randomized = try principalComponents(languages, components: 3, exactLimit: 0, powerIterations: 6)
        for c in 0..<3 { #expect(abs(exact.explainedVarianceRatio[c] - randomized.explainedVarianceRatio[c]) < 1e-8) }
        for l in 0..<3 {
            for i in 0..<37 { for c in 0..<3 { #expect(abs(exact.coordinates[l][i, c] - randomized.coordinates[l][i, c]) < 1e-5) } }
        }
    }

    @Test func coordinatesAreCenteredAndVarianceSharesBounded() throws {
        let source = try crossCheckSource(languages: 3, sentences: 37, dimension: 23, layers: 1)
        let languages = try source.languages.map { try LanguageVectors(source.vectors(language: $0, layer: 0)) }
        let p = try principalComponents(languages, components: 3)
        #expect(p.explainedVarianceRatio.reduce(0, +) <= 1)
        #expect(p.explainedVarianceRatio == p.explainedVarianceRatio.sorted(by: >))
        for c in 0..<3 {
            let sum = p.coordinates.reduce(0.0) { acc, m in acc + (0..<37).reduce(0.0) { $0 + m[$1, c] } }
            #expect(abs(sum) < 1e-9)
        }
    }
}

@Suite("The peak is the layer maximizing the pair-averaged primary metric")
struct PeakTests {
    @Test func peakAndItsIntervalFromReplicates() throws {
        let curve = [0.1, 0.5, 0.9, 0.85, 0.2]
        // Replicates: 70 peak at layer 2, 30 at layer 3.
        let replicates = (0..<5).map { l in (0..<100).map { b -> Double in
            if l == 2 { return b < 70 ? 0.95 : 0.8 }
            if l == 3 { return b < 70 ? 0.85 : 0.9 }
            return curve[l]
        } }
        let peak = try #require(alignmentPeak(metric: "m", layers: [0, 1, 2, 3, 4], curve: curve, replicates: replicates))
        #expect(peak.layer == 2 && peak.value == 0.9)
        #expect(peak.layerCILow == 2 && peak.layerCIHigh == 3)
        #expect(peak.layerFrequency == [0, 0, 0.7, 0.3, 0])
        let noBootstrap = try #require(alignmentPeak(metric: "m", layers: [0, 1, 2, 3, 4], curve: curve, replicates: nil))
        #expect(noBootstrap.layerCILow == nil && noBootstrap.curve[2].value == 0.9)
    }
}
