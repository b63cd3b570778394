// Several logit-lens runs on one axis (Wendler et al. 2024, Fig. 2 for several models): per layer, the mean over
// prompts of p(target) and p(English) at the last position, with percentile-bootstrap bands, and the paired
// difference of two runs over the prompts both kept (one resample design for both; Efron & Tibshirani 1993, §8.3).
import Alignment
import Foundation
import LinearAlgebra

/// One `interlingua lens` file taking part in a comparison, reduced to what the comparison reads.
public struct LensCompareRun: Sendable {
    public var label: String
    public var path: String
    public var model: String
    /// Transformer blocks n: the layers are 0…n and the relative depth of layer l is l / n.
    public var blocks: Int
    /// Prompt ids (the tasks file's), in file order.
    public var ids: [String]
    /// `pTarget[p][l]`: the token-set probability of prompt p's target-language answer at layer l.
    public var pTarget: [[Double]]
    /// `pEnglish[p][l]`: the same for the English answer.
    public var pEnglish: [[Double]]
    /// Prompts the lens itself dropped (intersecting token sets).
    public var dropped: Int

    public init(label: String, path: String, model: String, blocks: Int, ids: [String], pTarget: [[Double]],
                pEnglish: [[Double]], dropped: Int = 0) {
        self.label = label
        self.path = path
        self.model = model
        self.blocks = blocks
        self.ids = ids
        self.pTarget = pTarget
        self.pEnglish = pEnglish
        self.dropped = dropped
    }

    public var layers: [Int] { Array(0...max(blocks, 0)) }
}

/// The lens part of compare.json. Curves and differences use the alignment part's types; their metrics are
/// `lens_p_target` and `lens_p_english`.
public struct LensComparison: Codable, Sendable, Equatable {
    public struct Run: Codable, Sendable, Equatable {
        public var label: String
        public var path: String
        public var model: String
        public var nLayers: Int
        /// Prompts averaged (finite p(target) and p(English) at every layer).
        public var promptCount: Int
        /// Prompts left out: dropped by the lens, or with a non-finite probability.
        public var excluded: Int

        enum CodingKeys: String, CodingKey {
            case label, path, model, excluded
            case nLayers = "n_layers"
            case promptCount = "prompt_count"
        }
    }

    public static let metrics = ["lens_p_target", "lens_p_english"]

    public var runs: [Run]
    /// x axis of the figures: relative when the runs' depths differ (or `--depth relative`).
    public var depth: CompareSettings.Depth
    public var metrics: [String]
    public var curves: [CompareCurve]
    public var differences: [CompareDifference]

    public func curve(_ metric: String, run: String) -> CompareCurve? {
        curves.first { $0.metric == metric && $0.run == run }
    }
}

/// Computes a `LensComparison` (see `Comparison` for the alignment runs; the same settings and conventions).
public struct LensComparator {
    public var runs: [LensCompareRun]
    public var settings: CompareSettings

    public init(runs: [LensCompareRun], settings: CompareSettings) {
        self.runs = runs
        self.settings = settings
    }

    /// A run restricted to the prompts with finite values: ids and `values[metric][l][i]` (layer-major).
    struct Kept {
        var ids: [String]
        var values: [[[Double]]]
    }

    func kept(_ run: LensCompareRun) -> Kept {
        let rows = run.ids.indices.filter { p in
            run.pTarget[p].allSatisfy(\.isFinite) && run.pEnglish[p].allSatisfy(\.isFinite)
        }
        let layers = run.layers.count
        let values = [run.pTarget, run.pEnglish].map { matrix in (0..<layers).map { l in rows.map { matrix[$0][l] } } }
        return Kept(ids: rows.map { run.ids[$0] }, values: values)
    }

    public func run(leftOut: inout [String]) throws -> LensComparison {
        guard Set(runs.map(\.label)).count == runs.count else {
            throw CompareError.invalidSetting("run labels must differ (\(runs.map(\.label).joined(separator: ", "))); name them with --label")
        }
        for run in runs {
            guard run.blocks >= 1, run.pTarget.count == run.ids.count, run.pEnglish.count == run.ids.count,
                  (run.pTarget + run.pEnglish).allSatisfy({ $0.count == run.blocks + 1 }) else {
                throw CompareError.inconsistentRun(path: run.path, reason: "lens probabilities do not cover \(run.ids.count) prompts × \(run.blocks + 1) layers")
            }
        }
        let filtered = runs.map(kept)
        for (run, k) in zip(runs, filtered) where k.ids.isEmpty {
            throw CompareError.inconsistentRun(path: run.path, reason: "no prompt with finite p(target) and p(English)")
        }
        var curves: [CompareCurve] = []
        var differences: [CompareDifference] = []
        for (m, metric) in LensComparison.metrics.enumerated() {
            for (run, k) in zip(runs, filtered) {
                curves.append(curve(metric, run, k.values[m]))
            }
            for a in 0..<runs.count {
                for b in (a + 1)..<runs.count {
                    let d = difference(metric, runs[a], filtered[a], runs[b], filtered[b], m)
                    differences.append(d.difference)
                    if let note = d.note, !leftOut.contains(note) { leftOut.append(note) }
                }
            }
        }
        let summaries = zip(runs, filtered).map { run, k in
            LensComparison.Run(label: run.label, path: run.path, model: run.model, nLayers: run.blocks,
                               promptCount: k.ids.count, excluded: run.ids.count - k.ids.count + run.dropped)
        }
        for s in summaries where s.excluded > 0 {
            leftOut.append("lens \(s.label): \(s.excluded) prompt(s) not averaged (dropped by the lens or non-finite)")
        }
        let depth: CompareSettings.Depth = Set(runs.map(\.blocks)).count > 1 ? .relative : settings.depth
        return LensComparison(runs: summaries, depth: depth, metrics: LensComparison.metrics, curves: curves, differences: differences)
    }

    func design(_ n: Int, seedOffset: UInt64) -> BootstrapDesign? {
        settings.bootstrapDesign(n, seedOffset: seedOffset)
    }

    /// Replicate means R[b][l] = Σ_i C[b][i] · v[l][i] / N.
    static func replicates(_ design: BootstrapDesign, _ values: [[Double]]) -> Matrix<Double> {
        let layers = values.count, n = design.sentences
        var v = Matrix<Double>(rows: n, cols: layers)
        for l in 0..<layers { for i in 0..<n { v.storage[i * layers + l] = values[l][i] } }
        return matmul(design.counts, v, alpha: 1 / Double(n))
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    func curve(_ metric: String, _ run: LensCompareRun, _ values: [[Double]]) -> CompareCurve {
        let r = design(values[0].count, seedOffset: 0).map { Self.replicates($0, values) }
        let points = run.layers.map { l -> CurvePoint in
            let interval = r.map { m in percentileInterval((0..<m.rows).map { m[$0, l] }, level: settings.confidence) }
            return CurvePoint(layer: l, relativeDepth: Double(l) / Double(run.blocks), value: Self.mean(values[l]),
                              ciLow: interval?.low, ciHigh: interval?.high)
        }
        return CompareCurve(metric: metric, run: run.label, source: "*", target: "*", points: points)
    }

    /// Grid position of relative depth `depth` in a run of `blocks` blocks: (lower, upper, weight of upper).
    static func position(_ depth: Double, blocks: Int) -> (Int, Int, Double) {
        let p = min(max(depth * Double(blocks), 0), Double(blocks))
        let lower = Int(p.rounded(.down)), upper = min(lower + 1, blocks)
        return (lower, upper, p - Double(lower))
    }

    static func interpolate(_ values: [Double], _ at: (Int, Int, Double)) -> Double {
        at.2 == 0 ? values[at.0] : (1 - at.2) * values[at.0] + at.2 * values[at.1]
    }

    static func argmax(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    /// A − B on the shallower run's layers (the deeper one interpolated at the same relative depth; both
    /// runs' layers when the depths agree). Paired over the prompts both kept when they share ids; else each
    /// run resampled on its own (unpaired).
    func difference(_ metric: String, _ a: LensCompareRun, _ ka: Kept, _ b: LensCompareRun, _ kb: Kept,
                    _ m: Int) -> (difference: CompareDifference, note: String?) {
        let gridRun = a.blocks <= b.blocks ? a : b
        let gridName = a.blocks == b.blocks ? "layers" : "relative depth of \(gridRun.label)"
        let grid = gridRun.layers.map { l -> (layer: Int, depth: Double, a: (Int, Int, Double), b: (Int, Int, Double)) in
            let depth = Double(l) / Double(gridRun.blocks)
            return (l, depth, Self.position(depth, blocks: a.blocks), Self.position(depth, blocks: b.blocks))
        }
        let indexB = Dictionary(kb.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let shared = ka.ids.enumerated().compactMap { i, id in indexB[id].map { (i, $0) } }
        let uniqueIDs = Set(ka.ids).count == ka.ids.count && Set(kb.ids).count == kb.ids.count
        let paired = uniqueIDs && !shared.isEmpty
        var note: String?
        // The values the difference is computed on: the shared prompts (paired) or each run's own.
        let va: [[Double]], vb: [[Double]]
        let ra: Matrix<Double>?, rb: Matrix<Double>?
        if paired {
            va = ka.values[m].map { row in shared.map { row[$0.0] } }
            vb = kb.values[m].map { row in shared.map { row[$0.1] } }
            let d = design(shared.count, seedOffset: 0)
            ra = d.map { Self.replicates($0, va) }
            rb = d.map { Self.replicates($0, vb) }
            if shared.count < ka.ids.count || shared.count < kb.ids.count {
                note = "lens \(a.label) − \(b.label): paired over the \(shared.count) prompts both kept "
                    + "(\(a.label) \(ka.ids.count), \(b.label) \(kb.ids.count))"
            }
        } else {
            va = ka.values[m]
            vb = kb.values[m]
            ra = design(va[0].count, seedOffset: 0).map { Self.replicates($0, va) }
            rb = design(vb[0].count, seedOffset: 0x9E37_79B9_7F4A_7C15).map { Self.replicates($0, vb) }
            note = "lens \(a.label) − \(b.label) compared unpaired (the runs share no prompt id)"
        }
        let ca = va.map(Self.mean), cb = vb.map(Self.mean)
        let ia = Self.argmax(ca), ib = Self.argmax(cb)
        var peakValue = Estimate(value: ca[ia] - cb[ib])
        var peakDepth = Estimate(value: Double(ia) / Double(a.blocks) - Double(ib) / Double(b.blocks))
        var points: [DifferencePoint] = []
        if let ra, let rb {
            let rows = (0..<ra.rows).map { r in ((0..<ra.cols).map { ra[r, $0] }, (0..<rb.cols).map { rb[r, $0] }) }
            let pv = rows.map { $0.0[Self.argmax($0.0)] - $0.1[Self.argmax($0.1)] }
            let pd = rows.map { Double(Self.argmax($0.0)) / Double(a.blocks) - Double(Self.argmax($0.1)) / Double(b.blocks) }
            let iv = percentileInterval(pv, level: settings.confidence), id = percentileInterval(pd, level: settings.confidence)
            peakValue = Estimate(value: peakValue.value, ciLow: iv.low, ciHigh: iv.high)
            peakDepth = Estimate(value: peakDepth.value, ciLow: id.low, ciHigh: id.high)
            for g in grid {
                let reps = rows.map { Self.interpolate($0.0, g.a) - Self.interpolate($0.1, g.b) }
                let interval = percentileInterval(reps, level: settings.confidence)
                points.append(DifferencePoint(layer: g.layer, relativeDepth: g.depth,
                                              difference: Self.interpolate(ca, g.a) - Self.interpolate(cb, g.b),
                                              ciLow: interval.low, ciHigh: interval.high,
                                              excludesZero: interval.low > 0 || interval.high < 0))
            }
        } else {
            points = grid.map { g in
                DifferencePoint(layer: g.layer, relativeDepth: g.depth,
                                difference: Self.interpolate(ca, g.a) - Self.interpolate(cb, g.b), ciLow: nil, ciHigh: nil,
                                excludesZero: false)
            }
        }
        let difference = CompareDifference(metric: metric, runA: a.label, runB: b.label, paired: paired, grid: gridName,
                                           points: points, layersExcludingZero: points.filter(\.excludesZero).map(\.layer),
                                           peakValue: peakValue, peakRelativeDepth: peakDepth)
        return (difference, note)
    }
}
