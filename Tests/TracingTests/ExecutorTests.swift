import Corpus
import Activations
import Testing
import Tracing

@Suite("The layer-major executor pools exactly the per-token states")
struct ExecutorTests {
    func plan(batchTokens: Int, bosInPool: Bool = false, pools: [Pooling] = [.mean, .last, .weighted],
              template: PromptTemplate = .raw) throws -> TracePlan {
        let corpus = try ParallelCorpus(source: "t", languages: ["en", "fr"], ids: ["1", "2", "3"],
                                     texts: [["abc", "de", "fghij"], ["u", "vw", "xyz"]])
        return try TracePlan(corpus: corpus, tokenizer: ScalarTokenizer(),
                             settings: TraceSettings(template: template, pools: pools, bosInPool: bosInPool,
                                                     tokenStates: true, subLayers: true, batchTokens: batchTokens))
    }

    @Test("pooled vectors equal the pooling of the stored token states, at every layer")
    func pooledEqualsPoolingOfStates() throws {
        let plan = try plan(batchTokens: 8)
        let model = CausalMeanModel(layers: 2)
        let executor = LayerMajorExecutor(model: model, plan: plan)
        for batch in plan.batches {
            let a = try executor.run(batch)
            let tb = batch.tokenCount, b = batch.sentenceCount
            for (i, segment) in batch.segments.enumerated() {
                let tokenized = plan.languages[segment.language]
                let firstToken = a.segmentTokens(i).lowerBound, firstRow = a.segmentRows(i).lowerBound
                for layer in 0..<3 {
                    let layerStates = Array(a.states[(layer * tb * 3)..<((layer + 1) * tb * 3)])
                    for (j, n) in segment.sentences.enumerated() {
                        let start = firstToken + tokenized.offsets[n] - segment.tokens.lowerBound
                        let span = tokenized.poolSpans[n]
                        let rows = (start + span.lowerBound)..<(start + span.upperBound)
                        for (p, pooling) in plan.settings.pools.enumerated() {
                            let expected = pooling.pool(layerStates, rows: rows, dimension: 3)
                            let offset = (layer * b + firstRow + j) * 3
                            #expect(Array(a.pooled[p][offset..<(offset + 3)]) == expected)
                        }
                    }
                }
            }
        }
        #expect(plan.batches.contains { $0.segments.count == 2 })
    }

    @Test("batches run layer by layer together give each batch's values of running it alone")
    func togetherEqualsAlone() throws {
        let plan = try plan(batchTokens: 8)
        #expect(plan.batches.count >= 3)
        let alone = try plan.batches.map { try LayerMajorExecutor(model: CausalMeanModel(layers: 2), plan: plan).run($0) }
        var layersReported: [Int] = []
        let executor = LayerMajorExecutor(model: CausalMeanModel(layers: 2), plan: plan)
        executor.afterLayer = { done, _ in layersReported.append(done) }
        let together = try executor.run(together: plan.batches)
        #expect(layersReported == [1, 2])
        #expect(together.count == alone.count)
        for (x, y) in zip(together, alone) {
            #expect(x.pooled == y.pooled && x.finalNorm == y.finalNorm && x.states == y.states)
            #expect(x.attention == y.attention && x.mlp == y.mlp)
        }
    }

    @Test("hand-computed values: embeddings and one block on 'ab' with BOS excluded")
    func handComputed() throws {
        let corpus = try ParallelCorpus(source: "t", languages: ["en"], ids: ["1"], texts: [["ab"]])
        let plan = try TracePlan(corpus: corpus, tokenizer: ScalarTokenizer(),
                                 settings: TraceSettings(pools: [.mean, .last], batchTokens: 100))
        let a = try LayerMajorExecutor(model: CausalMeanModel(layers: 1), plan: plan).run(plan.batches[0])
        // Tokens BOS(1), a(97), b(98) at positions 0, 1, 2 → embeddings (0.01,0,1), (0.97,1,1), (0.98,2,1).
        // Layer 0 mean over a, b: (0.975, 1.5, 1).
        #expect(abs(a.pooled[0][0] - 0.975) < 1e-6 && a.pooled[0][1] == 1.5 && a.pooled[0][2] == 1)
        // Block 0 on b: h + causal mean of (BOS, a, b) + 0.5 = (0.98 + 1.96/3 + 0.5, 2 + 1 + 0.5, 1 + 1 + 0.5).
        #expect(abs(a.pooled[1][3] - (0.98 + 1.96 / 3 + 0.5)) < 1e-6)
        #expect(a.pooled[1][4] == 3.5 && a.pooled[1][5] == 2.5)
        // Final norm doubles the last layer.
        #expect(a.finalNorm[1] == a.pooled[1][3..<6].map { 2 * $0 })
    }

    @Test("results do not depend on how sentences are packed: one per batch, or all languages in one batch")
    func packingInvariance() throws {
        let model = CausalMeanModel(layers: 3)
        func rowsByLanguage(_ plan: TracePlan) throws -> [[Float]] {
            let executor = LayerMajorExecutor(model: model, plan: plan)
            var byLanguage: [[Float]] = [[], []]
            for batch in plan.batches {
                let a = try executor.run(batch)
                let b = batch.sentenceCount
                // Reorder [layer, B, d] into per-sentence rows of all layers.
                for (i, segment) in batch.segments.enumerated() {
                    for k in a.segmentRows(i) {
                        for layer in 0..<4 {
                            let o = (layer * b + k) * 3
                            byLanguage[segment.language] += a.pooled[0][o..<(o + 3)]
                        }
                        byLanguage[segment.language] += a.finalNorm[0][(k * 3)..<(k * 3 + 3)]
                    }
                }
            }
            return byLanguage
        }
        let one = try plan(batchTokens: 1)
        let all = try plan(batchTokens: 1000)
        #expect(one.batches.count == 6 && all.batches.count == 1 && all.batches[0].segments.count == 2)
        #expect(try rowsByLanguage(one) == rowsByLanguage(all))
    }

    @Test("BOS joins the mean only when asked")
    func bosInPool() throws {
        let without = try plan(batchTokens: 100, pools: [.mean])
        let with = try plan(batchTokens: 100, bosInPool: true, pools: [.mean])
        #expect(with.languages[0].poolSpans[0] == 0..<4)
        #expect(without.languages[0].poolSpans[0] == 1..<4)
        let model = CausalMeanModel(layers: 1)
        let a = try LayerMajorExecutor(model: model, plan: without).run(without.batches[0])
        let b = try LayerMajorExecutor(model: model, plan: with).run(with.batches[0])
        // Layer 0, first coordinate: (0.97+0.98+0.99)/3 vs (0.01+0.97+0.98+0.99)/4.
        #expect(abs(a.pooled[0][0] - 0.98) < 1e-6)
        #expect(abs(b.pooled[0][0] - 0.7375) < 1e-6)
    }

    @Test("sub-layer outputs are pooled per block")
    func subLayers() throws {
        let plan = try plan(batchTokens: 100, pools: [.last])
        let a = try LayerMajorExecutor(model: CausalMeanModel(layers: 2), plan: plan).run(plan.batches[0])
        // Both languages' 3 sentences in one batch: [2 blocks, 6 sentences, d 3].
        #expect(a.mlp[0].count == 2 * 6 * 3)
        #expect(a.mlp[0].allSatisfy { $0 == 0.5 })
        #expect(a.attention[0].count == 2 * 6 * 3)
    }
}
