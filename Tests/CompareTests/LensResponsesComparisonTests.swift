import Alignment
import Foundation
import Testing
import Compare

/// Synthetic lens runs: p(target) rises over depth, p(English) peaks in the middle; run B's English bump is
/// planted `gap` higher in the middle third.
enum SyntheticLens {
    static func run(label: String, blocks: Int, ids: [String], seed: UInt64, gap: Double = 0) -> LensCompareRun {
        var rng = SplitMix64(seed: seed)
        func noise() -> Double { 0.1 * (Double(rng.next() >> 11) / 9_007_199_254_740_992.0 - 0.5) }
        var target: [[Double]] = [], english: [[Double]] = []
        for _ in ids {
            target.append((0...blocks).map { l in 0.05 + 0.8 * Double(l) / Double(blocks) + noise() })
            english.append((0...blocks).map { l in
                let depth = Double(l) / Double(blocks)
                return 0.4 * sin(Double.pi * depth) + ((1.0 / 3...2.0 / 3).contains(depth) ? gap : 0) + 0.1 + noise()
            })
        }
        return LensCompareRun(label: label, path: "/tmp/\(label).lens.h5", model: "\(label).gguf", blocks: blocks,
                              ids: ids, pTarget: target, pEnglish: english)
    }

    static let ids = (0..<30).map { "p\($0)" }
}

@Suite("Lens comparison equals an independent recomputation")
struct LensComparisonTests {
    @Test("paired p(English) differences and intervals match hand-written resampling to 1e-9; the planted gap is found")
    func pairedLensDifference() throws {
        let ids = SyntheticLens.ids
        let a = SyntheticLens.run(label: "A", blocks: 6, ids: ids, seed: 3)
        // B lists the same prompts in reverse order: pairing must follow ids.
        let b0 = SyntheticLens.run(label: "B", blocks: 6, ids: ids, seed: 4, gap: 0.3)
        let b = LensCompareRun(label: "B", path: b0.path, model: b0.model, blocks: 6, ids: ids.reversed(),
                               pTarget: b0.pTarget.reversed(), pEnglish: b0.pEnglish.reversed())
        let replicates = 250, seed: UInt64 = 11
        var leftOut: [String] = []
        let lens = try LensComparator(runs: [a, b], settings: CompareSettings(metrics: [], depth: .absolute,
                                                                              bootstrap: replicates, seed: seed)).run(leftOut: &leftOut)
        let d = try #require(lens.differences.first { $0.metric == "lens_p_english" })
        #expect(d.paired)
        #expect(d.grid == "layers")
        var rng = SplitMix64(seed: seed)
        var draws: [[Int]] = []
        for _ in 0..<replicates { draws.append((0..<ids.count).map { _ in rng.uniform(below: ids.count) }) }
        let n = Double(ids.count)
        for l in 0...6 {
            // b0's rows are in A's id order.
            let va = ids.indices.map { a.pEnglish[$0][l] }, vb = ids.indices.map { b0.pEnglish[$0][l] }
            let estimate = va.reduce(0, +) / n - vb.reduce(0, +) / n
            let reps = draws.map { idx in idx.reduce(0.0) { $0 + va[$1] - vb[$1] } / n }
            let p = d.points[l]
            #expect(abs(p.difference - estimate) < 1e-9)
            #expect(abs(p.ciLow! - numpyPercentile(reps, 0.025)) < 1e-9)
            #expect(abs(p.ciHigh! - numpyPercentile(reps, 0.975)) < 1e-9)
        }
        // Gap planted at depths 1/3…2/3 = layers 2, 3, 4 (A − B < 0 there).
        #expect(Set([2, 3, 4]).isSubset(of: Set(d.layersExcludingZero)))
        #expect(!d.layersExcludingZero.contains(0) && !d.layersExcludingZero.contains(6))
        #expect(d.points[3].ciHigh! < 0)
    }

    @Test("curves: mean p(target) per layer and its band equal plain loops over the resampled prompts")
    func lensCurveBands() throws {
        let ids = SyntheticLens.ids
        let a = SyntheticLens.run(label: "A", blocks: 4, ids: ids, seed: 5)
        let b = SyntheticLens.run(label: "B", blocks: 8, ids: ids, seed: 6)
        var leftOut: [String] = []
        let lens = try LensComparator(runs: [a, b], settings: CompareSettings(metrics: [], depth: .absolute,
                                                                              bootstrap: 200, seed: 2)).run(leftOut: &leftOut)
        #expect(lens.depth == .relative)
        let curve = try #require(lens.curve("lens_p_target", run: "B"))
        var rng = SplitMix64(seed: 2)
        var draws: [[Int]] = []
        for _ in 0..<200 { draws.append((0..<ids.count).map { _ in rng.uniform(below: ids.count) }) }
        for l in 0...8 {
            let v = ids.indices.map { b.pTarget[$0][l] }
            #expect(abs(curve.points[l].value - v.reduce(0, +) / Double(v.count)) < 1e-9)
            #expect(abs(curve.points[l].relativeDepth - Double(l) / 8) < 1e-12)
            let reps = draws.map { idx in idx.reduce(0.0) { $0 + v[$1] } / Double(v.count) }
            #expect(abs(curve.points[l].ciLow! - numpyPercentile(reps, 0.025)) < 1e-9)
            #expect(abs(curve.points[l].ciHigh! - numpyPercentile(reps, 0.975)) < 1e-9)
        }
        // 4 vs 8 blocks: the grid is A's layers; B read at layer 2·l.
        let d = try #require(lens.differences.first { $0.metric == "lens_p_target" })
        #expect(d.grid == "relative depth of A")
        #expect(d.points.map(\.layer) == [0, 1, 2, 3, 4])
        for (g, l) in [0, 1, 2, 3, 4].enumerated() {
            let ma = ids.indices.map { a.pTarget[$0][l] }.reduce(0, +) / Double(ids.count)
            let mb = ids.indices.map { b.pTarget[$0][2 * l] }.reduce(0, +) / Double(ids.count)
            #expect(abs(d.points[g].difference - (ma - mb)) < 1e-9)
        }
    }

    @Test("runs without shared prompt ids are compared unpaired, and the output says so")
    func lensUnpaired() throws {
        let a = SyntheticLens.run(label: "A", blocks: 4, ids: SyntheticLens.ids, seed: 1)
        let b = SyntheticLens.run(label: "B", blocks: 4, ids: SyntheticLens.ids.map { "other-" + $0 }, seed: 2)
        var leftOut: [String] = []
        let lens = try LensComparator(runs: [a, b], settings: CompareSettings(metrics: [], depth: .absolute, bootstrap: 50))
            .run(leftOut: &leftOut)
        #expect(lens.differences.allSatisfy { !$0.paired })
        #expect(leftOut.contains { $0.contains("unpaired") })
    }

    @Test("a prompt with a non-finite probability is left out and counted")
    func lensNonFinite() throws {
        var a = SyntheticLens.run(label: "A", blocks: 4, ids: SyntheticLens.ids, seed: 1)
        a.pEnglish[0][2] = .nan
        let b = SyntheticLens.run(label: "B", blocks: 4, ids: SyntheticLens.ids, seed: 2)
        var leftOut: [String] = []
        let lens = try LensComparator(runs: [a, b], settings: CompareSettings(metrics: [], depth: .absolute, bootstrap: 20))
            .run(leftOut: &leftOut)
        #expect(lens.runs[0].promptCount == 29 && lens.runs[0].excluded == 1)
        #expect(leftOut.contains { $0.contains("paired over the 29 prompts") })
    }
}

@Suite("Responses comparison equals an independent recomputation")
struct ResponsesComparisonTests {
    /// Per language, answers p0…p(n−1); `same` decides which are in the instruction language.
    static func run(_ label: String, languages: [String], n: Int, same: (String, Int) -> Bool,
                    ids: (Int) -> String = { "p\($0)" }) -> ResponsesCompareRun {
        ResponsesCompareRun(label: label, path: "/tmp/\(label)", identifier: "cld2", answers: languages.flatMap { lang in
            (0..<n).map { ResponsesCompareRun.Answer(id: "\(lang)-" + ids($0), lang: lang, same: same(lang, $0)) }
        })
    }

    @Test("rates, their intervals and the paired differences match hand-written resampling to 1e-9")
    func pairedRates() throws {
        let n = 24
        let a = Self.run("A", languages: ["de", "zh"], n: n, same: { lang, i in lang == "de" ? i % 4 != 0 : i % 3 == 0 })
        // B answers German the same way but Chinese mostly in Chinese.
        var b = Self.run("B", languages: ["de", "zh", "fr"], n: n, same: { lang, i in lang == "de" ? i % 4 != 1 : i % 6 != 0 })
        b.answers.reverse()
        let replicates = 300, seed: UInt64 = 9
        var leftOut: [String] = []
        let r = try ResponsesComparator(runs: [a, b], settings: CompareSettings(metrics: [], depth: .absolute,
                                                                                bootstrap: replicates, seed: seed)).run(leftOut: &leftOut)
        #expect(r.languages == ["de", "zh"])
        #expect(leftOut.contains { $0.contains("fr") })
        var rng = SplitMix64(seed: seed)
        var draws: [[Int]] = []
        for _ in 0..<replicates { draws.append((0..<n).map { _ in rng.uniform(below: n) }) }
        for lang in ["de", "zh"] {
            let xa = (0..<n).map { i -> Double in a.answers.first { $0.id == "\(lang)-p\(i)" }!.same ? 1 : 0 }
            let xb = (0..<n).map { i -> Double in b.answers.first { $0.id == "\(lang)-p\(i)" }!.same ? 1 : 0 }
            let rateA = try #require(r.rates.first { $0.run == "A" && $0.lang == lang })
            #expect(abs(rateA.rate - xa.reduce(0, +) / Double(n)) < 1e-12)
            let repsA = draws.map { idx in idx.reduce(0.0) { $0 + xa[$1] } / Double(n) }
            #expect(abs(rateA.ciLow! - numpyPercentile(repsA, 0.025)) < 1e-9)
            #expect(abs(rateA.ciHigh! - numpyPercentile(repsA, 0.975)) < 1e-9)
            let d = try #require(r.differences.first { $0.lang == lang })
            #expect(d.paired && d.answers == n)
            let reps = draws.map { idx in idx.reduce(0.0) { $0 + xa[$1] - xb[$1] } / Double(n) }
            #expect(abs(d.difference - (xa.reduce(0, +) - xb.reduce(0, +)) / Double(n)) < 1e-12)
            #expect(abs(d.ciLow! - numpyPercentile(reps, 0.025)) < 1e-9)
            #expect(abs(d.ciHigh! - numpyPercentile(reps, 0.975)) < 1e-9)
        }
        // zh: A 8/24 vs B 20/24 in Chinese — the interval excludes 0.
        #expect(r.differences.first { $0.lang == "zh" }!.excludesZero)
    }

    @Test("different prompts are compared unpaired and labelled; no shared language is an error")
    func unpairedAndNothing() throws {
        let a = Self.run("A", languages: ["de"], n: 10, same: { _, i in i < 5 })
        let b = Self.run("B", languages: ["de"], n: 12, same: { _, i in i < 9 }, ids: { "q\($0)" })
        var leftOut: [String] = []
        let r = try ResponsesComparator(runs: [a, b], settings: CompareSettings(metrics: [], depth: .absolute, bootstrap: 100))
            .run(leftOut: &leftOut)
        let d = try #require(r.differences.first)
        #expect(!d.paired && d.answers == 22)
        #expect(abs(d.difference - (0.5 - 0.75)) < 1e-12)
        #expect(leftOut.contains { $0.contains("unpaired") })
        let c = Self.run("C", languages: ["ja"], n: 5, same: { _, _ in true })
        var notes: [String] = []
        #expect(throws: CompareError.self) {
            _ = try ResponsesComparator(runs: [a, c], settings: CompareSettings(metrics: [], depth: .absolute)).run(leftOut: &notes)
        }
    }

    @Test("compare.csv and compare-differences.csv carry the lens and responses rows")
    func csvRows() throws {
        var report = CompareReport.empty(settings: CompareSettings(metrics: [], depth: .absolute, bootstrap: 10), toolVersion: "t")
        var notes: [String] = []
        report.lens = try LensComparator(runs: [SyntheticLens.run(label: "A", blocks: 2, ids: SyntheticLens.ids, seed: 1),
                                                SyntheticLens.run(label: "B", blocks: 2, ids: SyntheticLens.ids, seed: 2)],
                                         settings: report.settings).run(leftOut: &notes)
        report.responses = try ResponsesComparator(runs: [Self.run("A", languages: ["de"], n: 4, same: { _, i in i < 2 }),
                                                          Self.run("B", languages: ["de"], n: 4, same: { _, _ in true })],
                                                   settings: report.settings).run(leftOut: &notes)
        let curves = CompareCSV.curves(report).split(separator: "\n").map(String.init)
        #expect(curves.filter { $0.hasPrefix("lens_p_target,A,") }.count == 3)
        #expect(curves.contains { $0.hasPrefix("same_language_rate[de],A,,,0.5,") })
        let differences = CompareCSV.differences(report).split(separator: "\n").map(String.init)
        #expect(differences.filter { $0.hasPrefix("lens_p_english,A,B,") }.count == 3)
        #expect(differences.contains { $0.hasPrefix("same_language_rate[de],A,B,,-0.5,") })
        let decoded = try JSONDecoder().decode(CompareReport.self, from: report.encoded())
        #expect(decoded == report)
    }
}
