import Activations
import Foundation
import Lens
import Testing
import TestSupport

/// A two-prompt, two-layer lens file written by hand.
private func writeSmallLens(at url: URL, finish: Bool = true) throws {
    let header = LensHeader(
        model: "toy", architecture: "llama", nLayers: 1, vocabularySize: 10, finalNorm: true, positions: "last",
        topK: 2, tokenSetRule: "full", tasks: "toy.jsonl", toolVersion: "test", ids: ["a", "b"],
        prompts: ["x", "y"], targets: ["zh", "zh"], languages: ["en", "zh"], answers: [["yes", "no"], ["是", "否"]],
        tokenIDs: [[1, 2], [3]], rowPrompt: [0, 1], rowPosition: [1, 0], tokenSets: [[[4], [5, 6]], [[7], [8]]],
        dropped: ["c: the English and zh token sets share 9 'x'"])
    let writer = try LensWriter(creating: url, header: header)
    var rows = LensRows(rows: 0..<2, layerCount: 2, topK: 2, languages: 2)
    rows.logsumexp = [1, 2, 3, 4]
    rows.entropy = [0.5, 1.5, 2.5, 3.5]
    rows.topIDs = [4, 1, 5, 2, 8, 3, 8, 0]
    rows.topLogprobs = [-0.1, -2, -0.2, -3, -0.3, -4, -0.4, -5]
    rows.topText = ["yes", "y", "是", "否"]
    rows.languageProbability = [[0.9, 0.1, 0.5, 0.3], [0.05, 0.8, 0.2, 0.6]]
    try writer.write(rows)
    if finish { try writer.finish() }
}

@Suite("A lens file reads back as written and its curves are the means over prompts")
struct LensCurvesTests {
    @Test("every dataset round-trips; the per-layer means and bands are computed from the file alone")
    func roundTrip() throws {
        let dir = try TestPaths.temporaryDirectory("lens-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("toy.h5")
        try writeSmallLens(at: url)
        let file = try LensFile(url: url)
        #expect(file.ids == ["a", "b"])
        #expect(file.tokenIDs == [[1, 2], [3]])
        #expect(file.tokenSets["en"] == [[4], [5, 6]])
        #expect(file.tokenSets["zh"] == [[7], [8]])
        #expect(file.answers["zh"] == ["是", "否"])
        #expect(file.dropped.count == 1)
        #expect(file.lastRow(ofPrompt: 0) == 0 && file.lastRow(ofPrompt: 1) == 1)
        #expect(file.topText == ["yes", "y", "是", "否"])
        #expect(file.topIDs == [4, 1, 5, 2, 8, 3, 8, 0])

        let curves = LensCurves(file, resamples: 200, seed: 3)
        #expect(curves.layers == [0, 1])
        #expect(curves.groups.count == 1)
        let group = try #require(curves.groups.first)
        #expect(group.curves.map(\.language) == ["en", "zh"])
        // Layer 0: en (0.9 + 0.5) / 2, zh (0.05 + 0.2) / 2; layer 1: en (0.1 + 0.3) / 2.
        #expect(abs(group.curves[0].values[0].mean - 0.7) < 1e-6)
        #expect(abs(group.curves[0].values[1].mean - 0.2) < 1e-6)
        #expect(abs(group.curves[1].values[0].mean - 0.125) < 1e-6)
        #expect(abs(group.entropy[1].mean - 2.5) < 1e-6)
        // With two prompts a resampled mean lies between the two values.
        let band = group.curves[0].values[0]
        #expect(band.low >= 0.5 - 1e-6 && band.high <= 0.9 + 1e-6 && band.low <= band.mean && band.mean <= band.high)
    }

    @Test("a file whose run did not finish (complete = 0) is refused")
    func incomplete() throws {
        let dir = try TestPaths.temporaryDirectory("lens-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("partial.h5")
        try writeSmallLens(at: url, finish: false)
        #expect(throws: ActivationsError.notActivations(file: url.path, reason: "complete = 0: the lens run did not finish")) {
            try LensFile(url: url)
        }
    }
}
