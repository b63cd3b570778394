import Activations
import Checkpoints
import Corpus
import Foundation
import HDF5
import Models
import Testing
import TestSupport
import Tokenizers
import Tracing

@Suite("A trace with the decoded weights kept equals one without, bit for bit", .serialized)
struct WeightCacheTraceTests {
    @Test("tiny m-LLaMA, 8 languages packed together: every stored value and the journal checksum agree",
          arguments: [true, false])
    func keptEqualsPerBatch(tokenStates: Bool) throws {
        let folder = TestPaths.fixture("tiny-mllama")
        let listing = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("reference/states.json")))
        let sentences = try #require((listing as? [String: Any])?["sentences"] as? [[String: Any]])
        let languages = sentences.compactMap { $0["lang"] as? String }
        let texts = sentences.compactMap { $0["text"] as? String }
        let corpus = try ParallelCorpus(source: "states.json", languages: languages, ids: ["0001", "0002"],
                                        texts: texts.map { [$0, String($0.reversed())] })
        // Without token states the per-lane run takes each lane's batches together; with them, one at a time.
        let settings = try TraceSettings(pools: [.mean, .last], tokenStates: tokenStates, subLayers: true, batchTokens: 64)
        let dir = try TestPaths.temporaryDirectory("weight-cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [URL] = []
        let minimumGroups = TraceRun.keptWeightsMinimumGroups
        defer { TraceRun.keptWeightsMinimumGroups = minimumGroups }
        // Per-batch decoding on one thread; kept weights with lanes; and the kept-weights policy's choice
        // of per-batch decoding in each lane for a run of few lane groups (each lane's batches layer by
        // layer together, `LayerMajorExecutor.run(together:)`).
        for (keep, groups) in [(false, 0), (true, 0), (true, Int.max)] {
            TraceRun.keptWeightsMinimumGroups = groups
            let checkpoint = try Checkpoint.open(folder)
            let model = try ModelLoader.load(checkpoint)
            model.keepsDecodedWeights = keep
            let plan = try TracePlan(corpus: corpus, tokenizer: try Tokenizers.load(for: checkpoint), settings: settings)
            // 9 batches: with per-lane decoding on 2 threads each lane runs 4 together, then one alone.
            #expect(plan.batches.count == 9 && plan.batches.contains { $0.segments.count > 1 })
            let url = dir.appendingPathComponent("kept-\(keep)-\(groups == 0 ? "always" : "never")-\(tokenStates).h5")
            let outcome = try TraceRun(model: model, plan: plan, output: url, modelName: "tiny-mllama", modelIdentity: "fixture",
                                       toolVersion: "test").run(resume: false)
            #expect(outcome.weightsKept == (keep && groups == 0))
            files.append(url)
        }
        let a = try H5File.open(files[0]).root
        for other in files.dropFirst() {
            let b = try H5File.open(other).root
            for lang in languages {
                for path in ["pooled/mean/\(lang)", "pooled/last/\(lang)", "final_norm/mean/\(lang)",
                             "sublayers/attention/mean/\(lang)", "sublayers/mlp/last/\(lang)"] + (tokenStates ? ["states/\(lang)"] : []) {
                    let x = try a.dataset(path).read(Float.self).map(\.bitPattern)
                    let y = try b.dataset(path).read(Float.self).map(\.bitPattern)
                    #expect(!x.isEmpty && x == y, "\(other.lastPathComponent): \(path)")
                }
            }
        }
    }
}
