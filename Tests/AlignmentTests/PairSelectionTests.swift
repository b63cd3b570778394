import Alignment
import Foundation
import Testing

@Suite("Pairs are the pivot against every language, or every pair, and results do not depend on threads")
struct PairSelectionTests {
    @Test func pivotAndAllPairs() throws {
        let analysis = AlignmentAnalysis(settings: AlignmentSettings(pivot: "b", pairs: .pivot))
        #expect(try analysis.pairs(languages: ["a", "b", "c"]) == [LanguagePair(source: "b", target: "a"), LanguagePair(source: "b", target: "c")])
        let all = AlignmentAnalysis(settings: AlignmentSettings(pairs: .all))
        #expect(try all.pairs(languages: ["a", "b", "c", "d"]).count == 6)
    }

    @Test func oneWorkerAndManyWorkersAgree() throws {
        let source = try crossCheckSource(languages: 4, sentences: 24, dimension: 10, layers: 2)
        var settings = AlignmentSettings(pivot: "a", pairs: .all, bootstrap: 50, seed: 3, knnK: 4)
        settings.metrics = MetricName.allCases
        var one = try AlignmentAnalysis(settings: settings, workers: 1).run(source, sourceInfo: SourceInfo(path: "m")).report
        var many = try AlignmentAnalysis(settings: settings, workers: 3).run(source, sourceInfo: SourceInfo(path: "m")).report
        one.created = ""
        many.created = ""
        #expect(one == many)
        #expect(one.pairs.count == 6)
        #expect(one.layerCKA.count == 4)   // a against itself and the three others
    }
}
