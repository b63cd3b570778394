import Corpus
import Activations
import Checkpoints
import Foundation
import HDF5
import Models
import Testing
import TestSupport
import Tokenizers
import Tracing

/// The F32 / I32 tensors of a reference `states.safetensors` (8-byte header length, JSON header, data).
struct ReferenceStates {
    let floats: [String: (shape: [Int], values: [Float])]
    let ints: [String: [Int32]]

    init(_ url: URL) throws {
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        var floats: [String: (shape: [Int], values: [Float])] = [:]
        var ints: [String: [Int32]] = [:]
        for (name, entry) in header {
            guard let e = entry as? [String: Any], let dtype = e["dtype"] as? String, let shape = e["shape"] as? [Int],
                  let offsets = e["data_offsets"] as? [Int] else { continue }
            let bytes = data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
            if dtype == "F32" {
                floats[name] = (shape, bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
            } else if dtype == "I32" {
                ints[name] = bytes.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
            }
        }
        self.floats = floats
        self.ints = ints
    }
}

@Suite("A trace of tiny m-LLaMA stores the reference states and their pooling")
struct ReferenceTraceTests {
    @Test("token ids, per-token states of every layer and the pooled means match transformers")
    func tinyMLlama() throws {
        let folder = TestPaths.fixture("tiny-mllama")
        let reference = try ReferenceStates(folder.appendingPathComponent("reference/states.safetensors"))
        let listing = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("reference/states.json")))
        let sentences = try #require((listing as? [String: Any])?["sentences"] as? [[String: Any]])
        let languages = sentences.compactMap { $0["lang"] as? String }
        let texts = sentences.compactMap { $0["text"] as? String }
        #expect(languages.count == 8)

        let checkpoint = try Checkpoint.open(folder)
        let model = try ModelLoader.load(checkpoint)
        let tokenizer = try Tokenizers.load(for: checkpoint)
        // One row ("0001") in eight languages.
        let corpus = try ParallelCorpus(source: "states.json", languages: languages, ids: ["0001"], texts: texts.map { [$0] })
        let settings = try TraceSettings(pools: [.mean, .last, .weighted], tokenStates: true, batchTokens: 64)
        let plan = try TracePlan(corpus: corpus, tokenizer: tokenizer, settings: settings)
        let dir = try TestPaths.temporaryDirectory("reference")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tiny.h5")
        _ = try TraceRun(model: model, plan: plan, output: url, modelName: "tiny-mllama", modelIdentity: "fixture",
                         toolVersion: "test").run(resume: false)

        let root = try H5File.open(url).root
        let d = 64
        var worst = 0.0
        for (k, lang) in languages.enumerated() {
            let ids = try root.dataset("tokens/\(lang)/ids").read(Int32.self)
            #expect(ids == reference.ints["s\(k).ids"], "token ids of \(lang)")
            let t = ids.count
            let states = try root.dataset("states/\(lang)").read(Float.self)
            for layer in 0...4 {
                let name = layer == 0 ? "s\(k).embed" : "s\(k).layer.\(layer - 1)"
                let expected = try #require(reference.floats[name]).values
                let ours = Array(states[(layer * t * d)..<((layer + 1) * t * d)])
                for row in 0..<t {
                    var diff = 0.0, norm = 0.0
                    for j in 0..<d {
                        let e = Double(expected[row * d + j])
                        diff += (Double(ours[row * d + j]) - e) * (Double(ours[row * d + j]) - e)
                        norm += e * e
                    }
                    worst = max(worst, (diff / max(norm, 1e-30)).squareRoot())
                }
                // The stored mean (BOS excluded) is the mean of the reference rows 1..<T, to float rounding.
                let pooled = try root.dataset("pooled/mean/\(lang)").read(Float.self, offset: [layer, 0, 0], count: [1, 1, d])
                let referenceMean = Pooling.mean.pool(expected, rows: 1..<t, dimension: d)
                let scale = referenceMean.reduce(0) { max($0, abs($1)) }
                #expect(zip(pooled, referenceMean).allSatisfy { abs($0 - $1) <= 1e-4 * max(scale, 1) }, "mean of \(lang) at layer \(layer)")
                // And exactly the pooling of our own stored states.
                #expect(pooled == Pooling.mean.pool(ours, rows: 1..<t, dimension: d))
            }
            let finalNorm = try #require(reference.floats["s\(k).final_norm"]).values
            let lastFinal = try root.dataset("final_norm/last/\(lang)").read(Float.self, offset: [0, 0], count: [1, d])
            let expectedLast = Array(finalNorm[((t - 1) * d)..<(t * d)])
            #expect(zip(lastFinal, expectedLast).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }, "final norm of \(lang)")
        }
        #expect(worst <= 1e-4, "worst relative error \(worst)")
    }
}
