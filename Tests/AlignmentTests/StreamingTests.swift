import Activations
import Alignment
import Foundation
import LinearAlgebra
import Testing
import TestSupport

/// A small synthetic activation file: `languages` languages × `sentences` × `layers` layers × d `dimension`
/// (values from `crossCheckValue`, so languages share structure and differ in their own parts).
private func syntheticActivationFile(languages count: Int, sentences n: Int, dimension d: Int, layers: Int) throws -> URL {
    let url = try TestPaths.temporaryDirectory("align-stream").appendingPathComponent("acts.h5")
    let languages = (0..<count).map { String(UnicodeScalar(UInt8(97 + $0))) }
    let ids = (0..<n).map { "s\($0)" }
    let header = ActivationsHeader(
        model: "synthetic", architecture: "synthetic", nLayers: layers - 1, dModel: d, template: "raw", instruction: "",
        pools: [.mean], bosInPool: false, poolSpan: "sentence", toolVersion: "test", runFingerprint: "fp",
        languages: languages, ids: ids, texts: languages.map { l in ids.map { "\(l) \($0)" } },
        tokenIDs: languages.map { _ in (0..<n).map { Int32($0 % 7) } }, tokenOffsets: languages.map { _ in Array(0...n) },
        poolSpans: languages.map { _ in (0..<n).map { _ in 0..<1 } }, tokenStates: false, subLayers: false)
    let writer = try ActivationsWriter.create(at: url, header: header, overwrite: true)
    for (l, language) in languages.enumerated() {
        let values = (0..<layers).flatMap { t in (0..<n).flatMap { i in (0..<d).map { j in Float(crossCheckValue(i: i, j: j, l: l, t: t)) } } }
        try writer.writeLayerRows(ActivationsLayout.pooled(.mean, language), rows: 0..<n, values: values)
    }
    try writer.markComplete()
    return url
}

/// The largest absolute difference between two reports' numbers (their JSON trees; any other difference
/// in structure, strings or booleans counts as infinite).
private func largestDifference(_ a: AlignmentReport, _ b: AlignmentReport) throws -> Double {
    let encoder = JSONEncoder()
    let x = try JSONSerialization.jsonObject(with: encoder.encode(a)), y = try JSONSerialization.jsonObject(with: encoder.encode(b))
    func walk(_ x: Any, _ y: Any) -> Double {
        switch (x, y) {
        case let (p as [String: Any], q as [String: Any]):
            guard Set(p.keys) == Set(q.keys) else { return .infinity }
            return p.keys.map { walk(p[$0]!, q[$0]!) }.max() ?? 0
        case let (p as [Any], q as [Any]):
            guard p.count == q.count else { return .infinity }
            return zip(p, q).map { walk($0, $1) }.max() ?? 0
        case let (p as NSNumber, q as NSNumber):
            return abs(p.doubleValue - q.doubleValue)
        case let (p as String, q as String):
            return p == q ? 0 : .infinity
        default:
            return (x is NSNull && y is NSNull) ? 0 : .infinity
        }
    }
    return walk(x, y)
}

@Suite("Streaming the languages gives the in-memory results bit for bit with at most 1 + workers languages prepared")
struct StreamingTests {
    /// 7 languages × 60 sentences × d 300: 420 stacked rows, so the PCA takes the randomized path.
    static let file = Result { try syntheticActivationFile(languages: 7, sentences: 60, dimension: 300, layers: 3) }

    private func outcomes(_ settings: AlignmentSettings, workers: Int = 2) throws -> (memory: AlignmentOutcome, streamed: AlignmentOutcome) {
        let reader = try ActivationsReader(url: try Self.file.get())
        let source = try ActivationsLayerSource(reader: reader, pool: .mean)
        var memory = try AlignmentAnalysis(settings: settings, workers: workers).run(source, sourceInfo: SourceInfo(path: "s"))
        var streamed = try AlignmentAnalysis(settings: settings, workers: workers, streaming: true).run(source, sourceInfo: SourceInfo(path: "s"))
        memory.report.created = ""
        streamed.report.created = ""
        return (memory, streamed)
    }

    @Test("every metric, pivot and all pairs, none/center/standardize: equal reports and projections",
          arguments: [(PairsMode.pivot, Normalization.center), (.pivot, .none), (.pivot, .standardize), (.all, .center), (.all, .standardize)])
    func streamedEqualsInMemory(_ pairs: PairsMode, _ normalize: Normalization) throws {
        let settings = AlignmentSettings(pivot: "c", pairs: pairs, metrics: MetricName.allCases, bootstrap: 40, seed: 5,
                                         knnK: 4, normalize: normalize)
        let (memory, streamed) = try outcomes(settings)
        if pairs == .pivot {
            #expect(memory.report == streamed.report)
        } else {
            // The bootstrap's C·V for all 21 pairs at once and for chunks of 2 may take different BLAS
            // kernels (OpenBLAS's small-matrix path), whose sums differ in the last bits: equal to 1e-12.
            let worst = try largestDifference(memory.report, streamed.report)
            #expect(worst <= 1e-12, "largest difference \(worst)")
        }
        #expect(memory.report.pairs.count == (pairs == .pivot ? 6 : 21))
        #expect(memory.projections.count == streamed.projections.count)
        for (a, b) in zip(memory.projections, streamed.projections) {
            #expect(a.explainedVarianceRatio == b.explainedVarianceRatio)
            #expect(a.axes.storage == b.axes.storage)
            #expect(a.coordinates.map(\.storage) == b.coordinates.map(\.storage))
        }
    }

    @Test("memory bound: the in-memory path prepares all 7 languages of a layer, the streamed one at most 1 + workers")
    func residentLanguages() throws {
        for workers in [1, 2, 3] {
            let settings = AlignmentSettings(pivot: "a", pairs: .pivot, bootstrap: 0, knnK: 4)
            let (memory, streamed) = try outcomes(settings, workers: workers)
            #expect(memory.peakResidentLanguages == 7)
            #expect(streamed.peakResidentLanguages >= 2)
            #expect(streamed.peakResidentLanguages <= 1 + workers, "workers \(workers)")
        }
        let all = try outcomes(AlignmentSettings(pairs: .all, bootstrap: 0, knnK: 4), workers: 2)
        #expect(all.streamed.peakResidentLanguages <= 3)
    }

    @Test("all-but-top:K is refused by name with --stream")
    func allButTopRefused() throws {
        let reader = try ActivationsReader(url: try Self.file.get())
        let source = try ActivationsLayerSource(reader: reader, pool: .mean)
        let analysis = AlignmentAnalysis(settings: AlignmentSettings(pivot: "a", bootstrap: 0, knnK: 4, normalize: .allButTop(1)), streaming: true)
        #expect {
            _ = try analysis.run(source, sourceInfo: SourceInfo(path: "s"))
        } throws: { error in
            (error as? AlignmentError)?.errorDescription?.contains("all-but-top:1 is not implemented with --stream") == true
        }
    }
}
