import Alignment
import Foundation
import Testing
import Compare

/// Synthetic runs with known structure: per-pair pseudo-values v[l][i] = base(l) + noise, with run B shifted
/// down by `shift` in the middle layers.
enum SyntheticRuns {
    static func values(layers: Int, ids: [String], seed: UInt64, shift: (Int) -> Double) -> [[Double]] {
        var rng = SplitMix64(seed: seed)
        return (0..<layers).map { l in
            let base = 0.2 + 0.6 * sin(Double.pi * Double(l) / Double(max(layers - 1, 1)))
            return ids.map { _ in base - shift(l) + 0.3 * (Double(rng.next() >> 11) / 9_007_199_254_740_992.0 - 0.5) }
        }
    }

    static func run(label: String, layers: Int, ids: [String], pairs: [LanguagePair], seed: UInt64,
                    metric: String = "retrieval_p1", shift: @escaping (Int) -> Double = { _ in 0 },
                    pseudo: Bool = true) -> CompareRun {
        var series: [PseudoValueSeries] = []
        var pairMetrics: [PairMetricSeries] = []
        for (k, pair) in pairs.enumerated() {
            let v = values(layers: layers, ids: ids, seed: seed &+ UInt64(k), shift: shift)
            let s = PseudoValueSeries(metric: metric, pair: pair, values: v)
            series.append(s)
            pairMetrics.append(PairMetricSeries(metric: metric, source: pair.source, target: pair.target,
                                                values: s.estimates.map { Estimate(value: $0) }))
        }
        let languages = Array(Set(pairs.flatMap { [$0.source, $0.target] })).sorted()
        let report = AlignmentReport(
            toolVersion: "test", created: "", source: SourceInfo(path: "\(label).h5", model: "\(label).gguf", nLayers: layers - 1),
            settings: AlignmentSettings(primary: MetricName(rawValue: metric) ?? .retrievalP1), layers: Array(0..<layers), languages: languages,
            sentenceCount: ids.count, pairs: pairs, definitions: [], pairMetrics: pairMetrics, layerMetrics: [],
            layerCKA: [], projection: nil, peak: nil)
        return CompareRun(label: label, path: "/tmp/\(label)", report: report,
                          pseudoValues: pseudo ? PseudoValues(ids: ids, layers: Array(0..<layers), series: series) : nil)
    }

    static let pairs = [LanguagePair(source: "en", target: "de"), LanguagePair(source: "en", target: "zh")]
    static let ids = (0..<40).map { String(format: "s%03d", $0) }
}

/// NumPy's default percentile (linear interpolation between order statistics), written out independently.
func numpyPercentile(_ values: [Double], _ q: Double) -> Double {
    let s = values.sorted()
    let h = q * Double(s.count - 1)
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
    return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
}

@Suite("Paired differences equal an independent recomputation")
struct PairedDifferenceTests {
    @Test("per-layer differences, intervals and the peak difference match hand-written resampling to 1e-9")
    func pairedMatchesIndependentLoop() throws {
        let ids = SyntheticRuns.ids
        let a = SyntheticRuns.run(label: "A", layers: 9, ids: ids, pairs: SyntheticRuns.pairs, seed: 1)
        // B lists the same sentences in another order: pairing must follow ids, not rows.
        let shuffled = Array(ids.reversed())
        let b0 = SyntheticRuns.run(label: "B", layers: 9, ids: ids, pairs: SyntheticRuns.pairs, seed: 99,
                                   shift: { (3...5).contains($0) ? 0.25 : 0 })
        var b = b0
        b.pseudoValues = PseudoValues(ids: shuffled, layers: Array(0..<9), series: b0.pseudoValues!.series.map { s in
            PseudoValueSeries(metric: s.metric, pair: s.pair, values: s.values.map { Array($0.reversed()) })
        })
        let replicates = 300
        let seed: UInt64 = 7
        let report = try Comparison(runs: [a, b], settings: CompareSettings(metrics: ["retrieval_p1"], depth: .absolute,
                                                                             bootstrap: replicates, seed: seed)).run()
        let d = try #require(report.differences.first)
        #expect(d.paired)
        #expect(d.grid == "layers")

        // Independent: pair means of the raw per-pair values (B in A's id order), resample indices drawn by the
        // same generator, means by plain loops.
        func pairMean(_ run: CompareRun, order: [String]) -> [[Double]] {
            let pv = run.pseudoValues!
            let index = Dictionary(uniqueKeysWithValues: pv.ids.enumerated().map { ($1, $0) })
            return (0..<9).map { l in order.map { id in
                SyntheticRuns.pairs.reduce(0.0) { $0 + pv.pairSeries("retrieval_p1", $1)!.values[l][index[id]!] } / 2
            } }
        }
        let va = pairMean(a, order: ids), vb = pairMean(b, order: ids)
        var rng = SplitMix64(seed: seed)
        var draws: [[Int]] = []
        for _ in 0..<replicates { draws.append((0..<ids.count).map { _ in rng.uniform(below: ids.count) }) }
        let n = Double(ids.count)
        for l in 0..<9 {
            let estimate = va[l].reduce(0, +) / n - vb[l].reduce(0, +) / n
            let reps = draws.map { idx in idx.reduce(0.0) { $0 + va[l][$1] - vb[l][$1] } / n }
            let p = d.points[l]
            #expect(abs(p.difference - estimate) < 1e-9)
            #expect(abs(p.ciLow! - numpyPercentile(reps, 0.025)) < 1e-9)
            #expect(abs(p.ciHigh! - numpyPercentile(reps, 0.975)) < 1e-9)
            #expect(p.excludesZero == (numpyPercentile(reps, 0.025) > 0 || numpyPercentile(reps, 0.975) < 0))
        }
        // The planted gap (B lower by 0.25 in layers 3–5) is found there and not at the ends.
        #expect(Set([3, 4, 5]).isSubset(of: Set(d.layersExcludingZero)))
        #expect(!d.layersExcludingZero.contains(0))

        // Peak value difference: max over layers per replicate, same resamples for both runs.
        let peakReps = draws.map { idx -> Double in
            let ca = (0..<9).map { l in idx.reduce(0.0) { $0 + va[l][$1] } / n }
            let cb = (0..<9).map { l in idx.reduce(0.0) { $0 + vb[l][$1] } / n }
            return ca.max()! - cb.max()!
        }
        #expect(abs(d.peakValue.ciLow! - numpyPercentile(peakReps, 0.025)) < 1e-9)
        #expect(abs(d.peakValue.ciHigh! - numpyPercentile(peakReps, 0.975)) < 1e-9)
    }

    @Test("the pair-averaged curve equals the mean of the pseudo-values and its band the resampled means")
    func curveValuesAndBands() throws {
        let a = SyntheticRuns.run(label: "A", layers: 5, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 3)
        let b = SyntheticRuns.run(label: "B", layers: 5, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 4)
        let report = try Comparison(runs: [a, b], settings: CompareSettings(metrics: ["retrieval_p1"], depth: .absolute,
                                                                             bootstrap: 100, seed: 1)).run()
        let curve = try #require(report.meanCurve("retrieval_p1", run: "A"))
        for l in 0..<5 {
            let expected = SyntheticRuns.pairs.reduce(0.0) { acc, pair in
                acc + a.report.series("retrieval_p1", source: pair.source, target: pair.target)!.values[l].value
            } / 2
            #expect(abs(curve.points[l].value - expected) < 1e-12)
            #expect(curve.points[l].ciLow! <= curve.points[l].value && curve.points[l].value <= curve.points[l].ciHigh!)
        }
    }
}

@Suite("Runs that do not share everything")
struct PartialOverlapTests {
    @Test("different sentences are compared unpaired, and the output says so")
    func unpairedLabelled() throws {
        let a = SyntheticRuns.run(label: "A", layers: 5, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 1)
        let otherIDs = (0..<30).map { "t\($0)" }
        let b = SyntheticRuns.run(label: "B", layers: 5, ids: otherIDs, pairs: SyntheticRuns.pairs, seed: 2)
        let report = try Comparison(runs: [a, b], settings: CompareSettings(metrics: ["retrieval_p1"], depth: .absolute,
                                                                             bootstrap: 50)).run()
        let d = try #require(report.differences.first)
        #expect(!d.paired)
        #expect(d.points.allSatisfy { $0.ciLow != nil })
        #expect(report.leftOut.contains { $0.contains("unpaired") && $0.contains("different sentences") })
    }

    @Test("runs pooled or normalised differently are compared as given, and the output names both settings")
    func differentPools() throws {
        let a = SyntheticRuns.run(label: "A", layers: 5, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 1)
        var b = SyntheticRuns.run(label: "B", layers: 5, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 2)
        b.report.settings.pool = .last
        b.report.settings.normalize = .none
        let report = try Comparison(runs: [a, b], settings: CompareSettings(metrics: ["retrieval_p1"], depth: .absolute,
                                                                             bootstrap: 0)).run()
        #expect(report.leftOut.contains("pools differ (A: mean, B: last): each run is compared on its own vectors"))
        #expect(report.leftOut.contains("normalisations differ (A: center, B: none): each run is compared on its own vectors"))
        let same = try Comparison(runs: [a, a.relabelled("A2")], settings: CompareSettings(metrics: ["retrieval_p1"],
                                                                                            depth: .absolute, bootstrap: 0)).run()
        #expect(!same.leftOut.contains { $0.contains("differ (") })
    }

    @Test("relative depth: a 4-block and an 8-block run meet on the shallower run's layers")
    func relativeDepthGrid() throws {
        let a = SyntheticRuns.run(label: "short", layers: 5, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 1)
        let b = SyntheticRuns.run(label: "deep", layers: 9, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 2)
        #expect(Comparison.defaultDepth([a, b]) == .relative)
        let report = try Comparison(runs: [a, b], settings: CompareSettings(metrics: ["retrieval_p1"], depth: .relative,
                                                                             bootstrap: 0)).run()
        let d = try #require(report.differences.first)
        #expect(d.grid == "relative depth of short")
        #expect(d.points.map(\.relativeDepth) == [0, 0.25, 0.5, 0.75, 1])
        let curveA = report.meanCurve("retrieval_p1", run: "short")!.points.map(\.value)
        let curveB = report.meanCurve("retrieval_p1", run: "deep")!.points.map(\.value)
        // Layer k of 4 blocks sits at layer 2k of 8 blocks: no interpolation needed.
        for k in 0..<5 { #expect(abs(d.points[k].difference - (curveA[k] - curveB[2 * k])) < 1e-12) }
        #expect(report.curves.allSatisfy { c in c.points.first?.relativeDepth == 0 && c.points.last?.relativeDepth == 1 })
    }

    @Test("odd depth ratios interpolate the deeper run linearly")
    func interpolation() throws {
        let a = SyntheticRuns.run(label: "three", layers: 4, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 1)
        let b = SyntheticRuns.run(label: "five", layers: 6, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 2)
        let report = try Comparison(runs: [a, b], settings: CompareSettings(metrics: ["retrieval_p1"], depth: .relative,
                                                                             bootstrap: 0)).run()
        let d = try #require(report.differences.first)
        let curveA = report.meanCurve("retrieval_p1", run: "three")!.points.map(\.value)
        let curveB = report.meanCurve("retrieval_p1", run: "five")!.points.map(\.value)
        // Layer 1 of 3 = depth 1/3 = position 5/3 of 5 blocks: 1/3 of layer 1 and 2/3 of layer 2.
        let expected = curveA[1] - (curveB[1] / 3 + curveB[2] * 2 / 3)
        #expect(abs(d.points[1].difference - expected) < 1e-12)
    }

    @Test("metrics and pairs not shared are left out with a reason; nothing shared is an error")
    func leftOutAndNothing() throws {
        let a = SyntheticRuns.run(label: "A", layers: 5, ids: SyntheticRuns.ids,
                                  pairs: SyntheticRuns.pairs + [LanguagePair(source: "en", target: "fr")], seed: 1)
        let b = SyntheticRuns.run(label: "B", layers: 5, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 2)
        let report = try Comparison(runs: [a, b], settings: CompareSettings(metrics: ["retrieval_p1", "cka_linear"],
                                                                             depth: .absolute, bootstrap: 10)).run()
        #expect(report.metrics == ["retrieval_p1"])
        #expect(report.pairs == SyntheticRuns.pairs)
        #expect(report.leftOut.contains { $0.contains("en-fr") })
        #expect(report.leftOut.contains { $0.contains("cka_linear") })

        let c = SyntheticRuns.run(label: "C", layers: 5, ids: SyntheticRuns.ids,
                                  pairs: [LanguagePair(source: "de", target: "ja")], seed: 3)
        #expect(throws: CompareError.self) {
            try Comparison(runs: [a, c], settings: CompareSettings(metrics: ["retrieval_p1"], depth: .absolute)).run()
        }
    }

    @Test("runs without pseudo-values compare point values, unpaired, without intervals")
    func withoutPseudoValues() throws {
        let a = SyntheticRuns.run(label: "A", layers: 5, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 1, pseudo: false)
        let b = SyntheticRuns.run(label: "B", layers: 5, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 2)
        let report = try Comparison(runs: [a, b], settings: CompareSettings(metrics: ["retrieval_p1"], depth: .absolute)).run()
        let d = try #require(report.differences.first)
        #expect(!d.paired)
        #expect(d.points.allSatisfy { $0.ciLow == nil })
        #expect(report.leftOut.contains { $0.contains("A: no pseudovalues.h5") })
    }
}

@Suite("The pseudo-value file")
struct PseudoValueFileTests {
    @Test("writes and reads back every series exactly")
    func roundTrip() throws {
        let run = SyntheticRuns.run(label: "A", layers: 4, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 5)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compare-pv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var pv = try #require(run.pseudoValues)
        pv.series.append(PseudoValueSeries(metric: "language_separability", pair: nil,
                                           values: (0..<4).map { l in SyntheticRuns.ids.map { _ in Double(l) / 3 } }))
        let url = dir.appendingPathComponent(PseudoValues.fileName)
        try pv.write(to: url)
        let back = try PseudoValues.read(from: url)
        #expect(back.ids == pv.ids)
        #expect(back.layers == pv.layers)
        for s in pv.series {
            let found = s.pair.map { back.pairSeries(s.metric, $0) } ?? back.layerSeries(s.metric)
            #expect(found?.values == s.values)
        }
    }

    @Test("the layer-at-a-time writer produces the same file content, named only when finished")
    func streamingWriter() throws {
        let run = SyntheticRuns.run(label: "A", layers: 3, ids: SyntheticRuns.ids, pairs: SyntheticRuns.pairs, seed: 6)
        let pv = try #require(run.pseudoValues)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compare-pvw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(PseudoValues.fileName)
        let writer = try PseudoValueWriter(url: url, ids: pv.ids, layers: pv.layers)
        for l in 0..<3 {
            for s in pv.series { try writer.write(layer: l, metric: s.metric, pair: s.pair, values: s.values[l]) }
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try writer.finish()
        #expect(try PseudoValues.read(from: url) == pv)
    }
}

extension CompareRun {
    func relabelled(_ label: String) -> CompareRun {
        var copy = self
        copy.label = label
        return copy
    }
}
