import Foundation
import Neurons
import Testing
import TestSupport

/// The numbers of a reference output, decoded with JSONDecoder, which parses doubles exactly (Linux's
/// JSONSerialization can land an ulp or more off Python's repr).
struct ExpectedLAPE: Decodable {
    struct Neuron: Decodable {
        var p: [Double]
        var entropy: Double
    }
    var threshold: Double
    var neurons: [Neuron]
}

@Suite("LAPE selects exactly the neurons of the NumPy reference")
struct LAPEReferenceTests {
    /// Compares a result with a `lape_reference.py` output: scalars exactly, the selection exactly (the
    /// fixtures have no near-tie at the cut-off that an implementation could break differently, and exact ties
    /// — equal count vectors — fall by the flat index in both), entropies to 1e-12.
    func compare(_ result: LAPEResult, with expectedURL: URL) throws {
        let expected = try jsonObject(expectedURL)
        let exact = try JSONDecoder().decode(ExpectedLAPE.self, from: Data(contentsOf: expectedURL))
        #expect(result.threshold == exact.threshold)
        #expect(exact.neurons.count == result.neurons.count)
        for (mine, theirs) in zip(result.neurons, exact.neurons) {
            #expect(mine.p == theirs.p)
            #expect(abs(mine.entropy - theirs.entropy) < 1e-12)
        }
        #expect(result.thresholdRank == expected["threshold_rank_k"] as? Int)
        #expect(result.valueCount == expected["n_values"] as? Int)
        #expect(result.candidateCount == expected["n_candidates"] as? Int)
        #expect(result.topCount == expected["top_count_m"] as? Int)
        #expect(result.neurons.count == expected["n_selected"] as? Int)
        let near = try #require(expected["near_cutoff"] as? [String: Any])
        #expect(result.nearCutoffCandidates == near["candidates"] as? Int)
        #expect(result.nearCutoffSelected == near["selected"] as? Int)
        let cutoff = try #require(expected["entropy_cutoff"] as? Double)
        #expect(abs(try #require(result.entropyCutoff) - cutoff) < 1e-12)
        let selected = try #require(expected["selected"] as? [String: [[Int]]])
        #expect(result.selected == selected)
        #expect(result.perLayer == (expected["per_layer"] as? [String: [Int]]))
        let neurons = try #require(expected["neurons"] as? [[String: Any]])
        #expect(neurons.count == result.neurons.count)
        for (mine, theirs) in zip(result.neurons, neurons) {
            #expect(mine.layer == theirs["layer"] as? Int && mine.neuron == theirs["neuron"] as? Int)
            #expect(mine.languages == (theirs["languages"] as? [String]))
        }
    }

    @Test("on the transformers counts of SmolLM2 and Gemma 3", arguments: fixtureModels)
    func fixtures(model: String) throws {
        let folder = TestPaths.fixture("neurons/\(model)")
        let meta = try jsonObject(folder.appendingPathComponent("counts.json"))
        let counts = try fixtureCounts(folder.appendingPathComponent("counts.safetensors"),
                                       languagesFrom: folder.appendingPathComponent("counts.json"),
                                       nLayers: try #require(meta["n_layers"] as? Int), dFFN: try #require(meta["d_ffn"] as? Int))
        let result = try LAPE.select(counts)
        try compare(result, with: folder.appendingPathComponent("expected.json"))
        #expect(result.selected["zh"]?.count == (model.hasPrefix("smollm2") ? 36 : 68))
    }

    @Test("on synthetic counts: five languages, and exact entropy ties broken by the flat index",
          arguments: [("random-5lang", 6, 400), ("ties-3lang", 4, 250)])
    func synthetic(name: String, layers: Int, width: Int) throws {
        let folder = TestPaths.fixture("neurons/synthetic")
        let counts = try fixtureCounts(folder.appendingPathComponent("\(name).safetensors"),
                                       languagesFrom: folder.appendingPathComponent("\(name).json"),
                                       nLayers: layers, dFFN: width)
        try compare(try LAPE.select(counts), with: folder.appendingPathComponent("\(name).expected.json"))
    }

    @Test("neurons.json keeps the reference's keys and round-trips the selection")
    func writtenFile() throws {
        let folder = TestPaths.fixture("neurons/synthetic")
        let counts = try fixtureCounts(folder.appendingPathComponent("random-5lang.safetensors"),
                                       languagesFrom: folder.appendingPathComponent("random-5lang.json"), nLayers: 6, dFFN: 400)
        let result = try LAPE.select(counts)
        let dir = try TestPaths.temporaryDirectory("lape")
        try result.write(to: dir, source: "random-5lang", model: nil)
        let written = try jsonObject(dir.appendingPathComponent("neurons.json"))
        let expected = try jsonObject(folder.appendingPathComponent("random-5lang.expected.json"))
        for key in expected.keys { #expect(written[key] != nil, "missing key \(key)") }
        #expect(written["selected"] as? [String: [[Int]]] == expected["selected"] as? [String: [[Int]]])
        #expect(try JSONDecoder().decode(ExpectedLAPE.self, from: Data(contentsOf: dir.appendingPathComponent("neurons.json"))).threshold
                == JSONDecoder().decode(ExpectedLAPE.self, from: Data(contentsOf: folder.appendingPathComponent("random-5lang.expected.json"))).threshold)
        let csv = try String(contentsOf: dir.appendingPathComponent("neurons.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "layer,neuron,entropy,languages,p_en,p_zh,p_ru,p_fr,p_ja")
        #expect(lines.count == result.neurons.count + 1)
        let overlap = try #require(written["overlap"] as? [[Int]])
        for (l, language) in result.languages.enumerated() { #expect(overlap[l][l] == result.selected[language]?.count) }
    }

    @Test("other quantiles and rates follow the same integer rank rules")
    func otherSettings() throws {
        let folder = TestPaths.fixture("neurons/synthetic")
        let counts = try fixtureCounts(folder.appendingPathComponent("random-5lang.safetensors"),
                                       languagesFrom: folder.appendingPathComponent("random-5lang.json"), nLayers: 6, dFFN: 400)
        let settings = LAPESettings(filterQuantile: try #require(ExactFraction("0.9")), topRate: try #require(ExactFraction("0.05")),
                                    assignQuantile: try #require(ExactFraction("0.975")))
        let result = try LAPE.select(counts, settings: settings)
        #expect(result.thresholdRank == (9 * 12_000 + 5) / 10)
        #expect(result.topCount == (5 * 2400 + 50) / 100)
        #expect(result.assignThresholdRank == (975 * 12_000 + 500) / 1000)
        #expect(result.assignThreshold >= result.threshold)
        #expect(result.neurons.count <= 120)
        #expect(result.neurons.allSatisfy { n in n.p.contains { $0 > result.threshold } })
        #expect(result.neurons.allSatisfy { n in n.languages.allSatisfy { counts.languages.contains($0) } })
    }

    @Test("bad settings and inconsistent counts are refused with a message")
    func refusals() throws {
        #expect(ExactFraction("1.5") == nil)
        #expect(ExactFraction("-0.1") == nil)
        #expect(ExactFraction("abc") == nil)
        #expect(throws: NeuronsError.self) {
            try NeuronCounts(source: "x", languages: ["en"], nLayers: 1, dFFN: 2, counts: [[3, 1]], tokens: [2])
        }
        let zero = try #require(ExactFraction("0"))
        let counts = try NeuronCounts(source: "x", languages: ["en", "de"], nLayers: 1, dFFN: 2, counts: [[1, 1], [0, 2]], tokens: [2, 2])
        #expect(throws: NeuronsError.self) {
            try LAPE.select(counts, settings: LAPESettings(filterQuantile: zero, topRate: zero, assignQuantile: zero))
        }
    }
}
