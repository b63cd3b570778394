import Activations
import Figures
import Foundation
import Testing
import TestSupport

@Suite("The lens figures draw what the lens file holds")
struct LensFigureTests {
    /// Two zh prompts and one ja prompt, two layers.
    func writeLens(_ url: URL) throws {
        let header = LensHeader(
            model: "toy.gguf", architecture: "llama", nLayers: 1, vocabularySize: 10, finalNorm: true, positions: "last",
            topK: 1, tokenSetRule: "full", tasks: "toy.jsonl", toolVersion: "test", ids: ["a", "b", "c"],
            prompts: ["x", "y", "z"], targets: ["zh", "zh", "ja"], languages: ["en", "ja", "zh"],
            answers: [["yes", "no", "one"], ["", "", "一"], ["是", "否", ""]], tokenIDs: [[1], [2], [3]],
            rowPrompt: [0, 1, 2], rowPosition: [0, 0, 0], tokenSets: [[[4], [5], [6]], [[], [], [7]], [[8], [9], []]],
            dropped: [])
        let writer = try LensWriter(creating: url, header: header)
        var rows = LensRows(rows: 0..<3, layerCount: 2, topK: 1, languages: 3)
        rows.logsumexp = [1, 1, 1, 1, 1, 1]
        rows.entropy = [2, 1, 2, 1, 3, 0.5]
        rows.topIDs = [4, 8, 5, 9, 6, 7]
        rows.topLogprobs = [-0.5, -0.1, -0.5, -0.2, -1, -0.3]
        rows.topText = ["yes", "是", "no", "否", "one", "一"]
        rows.languageProbability = [[0.6, 0.1, 0.4, 0.1, 0.5, 0.2], [.nan, .nan, .nan, .nan, 0.1, 0.7], [0.1, 0.8, 0.2, 0.6, .nan, .nan]]
        try writer.write(rows)
        try writer.finish()
    }

    @Test("plot and report recognise a lens file; one panel per target plus entropy; one table cell per prompt and layer")
    func figures() throws {
        let dir = try TestPaths.temporaryDirectory("lens-figures")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("toy.lens.h5")
        try writeLens(url)
        let input = try FigureInputs.open(url.path)
        #expect(input is LensInput)
        let set = input.figures(FigureOptions())
        #expect(set.figures.map(\.fileName) == ["lens-latent.svg", "lens-table.svg"])
        let latent = set.figures[0].svg
        #expect(latent.components(separatedBy: "class=\"panel\"").count - 1 == 3)
        #expect(latent.contains("data-label=\"en\"") && latent.contains("data-label=\"zh\"") && latent.contains("data-label=\"ja\""))
        #expect(latent.contains("target zh (2 prompts)") && latent.contains("target ja (1 prompts)"))
        let table = set.figures[1].svg
        #expect(table.components(separatedBy: "class=\"cell\"").count - 1 == 6)
        #expect(table.contains("data-text=\"否\""))
        let curves = try #require(set.dataFiles.first { $0.name == "lens-curves.json" })
        #expect(curves.text.contains("\"target\" : \"zh\""))
        let html = try input.reportHTML(FigureOptions())
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        // p(zh) at layer 1 over the zh prompts: (0.8 + 0.6) / 2.
        #expect(html.contains("0.700"))
    }
}
