import Models
import Testing
import Tracing

@Suite("The counting and deactivation hooks do exactly what they say on a hand-made batch")
struct HookTests {
    /// Two sentences packed as rows 0..<3 and 3..<5, width 4, row stride 6 (gate and up interleaved like
    /// the model's buffer); a[r][j] = (r − j) so the signs are known.
    func values() -> [Float] {
        var v = [Float](repeating: 9, count: 5 * 6)
        for r in 0..<5 { for j in 0..<4 { v[r * 6 + j] = Float(r - j) } }
        return v
    }
    let batch = PackedBatch(tokens: [1, 10, 11, 1, 12], sequences: [0..<3, 3..<5])

    @Test("counts a > 0 per layer and neuron over the counted rows, BOS rows left out")
    func counting() {
        let counter = NeuronActivationCounter(layers: 2, width: 4)
        let rows = NeuronActivationCounter.countedRows(sequences: batch.sequences, startsWithBOS: [true, true], countBOS: false)
        #expect(rows == [1..<3, 4..<5])
        counter.begin(rows: rows)
        var v = values()
        v.withUnsafeMutableBufferPointer { p in
            counter.mlpActivation(layer: 1, values: p.baseAddress!, rowStride: 6, tokens: 5, width: 4, batch: batch)
        }
        // Rows 1, 2, 4: a > 0 where r > j → neuron 0: 3 rows, 1: rows 2, 4, 2: row 4, 3: row 4.
        #expect(Array(counter.counts[4..<8]) == [3, 2, 1, 1])
        #expect(Array(counter.counts[0..<4]) == [0, 0, 0, 0])
        #expect(counter.countedTokens == [3])
        let all = NeuronActivationCounter.countedRows(sequences: batch.sequences, startsWithBOS: [true, true], countBOS: true)
        #expect(all == [0..<3, 3..<5])
        #expect(NeuronActivationCounter.countedRows(sequences: batch.sequences, startsWithBOS: [], countBOS: false) == [0..<3, 3..<5])
    }

    @Test("deactivation zeroes its neurons in its layers at every row and nothing else; counting after it sees zeros")
    func deactivation() {
        let spec = NeuronDeactivation(source: "x", languages: ["zh"], nLayers: 2, dFFN: 4,
                                      neurons: [NeuronIndex(layer: 1, index: 0), NeuronIndex(layer: 1, index: 2)])
        let counter = NeuronActivationCounter(layers: 2, width: 4)
        counter.begin(rows: batch.sequences)
        let chain = MLPHookChain([spec.hook(), counter])
        var v = values()
        v.withUnsafeMutableBufferPointer { p in
            chain.mlpActivation(layer: 0, values: p.baseAddress!, rowStride: 6, tokens: 5, width: 4, batch: batch)
        }
        #expect(v == values())
        v.withUnsafeMutableBufferPointer { p in
            chain.mlpActivation(layer: 1, values: p.baseAddress!, rowStride: 6, tokens: 5, width: 4, batch: batch)
        }
        for r in 0..<5 {
            #expect(v[r * 6 + 0] == 0 && v[r * 6 + 2] == 0)
            #expect(v[r * 6 + 1] == Float(r - 1) && v[r * 6 + 3] == Float(r - 3))
            #expect(v[r * 6 + 4] == 9 && v[r * 6 + 5] == 9)
        }
        #expect(Array(counter.counts[4..<8]) == [0, 3, 0, 1])
    }

    @Test("row chunks on worker slots (the MLP's fused pass) count and zero exactly what the whole-batch call does")
    func rowChunks() {
        let spec = NeuronDeactivation(source: "x", languages: ["zh"], nLayers: 2, dFFN: 4,
                                      neurons: [NeuronIndex(layer: 1, index: 0), NeuronIndex(layer: 1, index: 2)])
        let rows = NeuronActivationCounter.countedRows(sequences: batch.sequences, startsWithBOS: [true, true], countBOS: false)
        let whole = NeuronActivationCounter(layers: 2, width: 4), chunked = NeuronActivationCounter(layers: 2, width: 4)
        whole.begin(groups: [[rows[0]], [rows[1]]])
        chunked.begin(groups: [[rows[0]], [rows[1]]])
        let wholeChain = MLPHookChain([spec.hook(), whole]), chunkedChain = MLPHookChain([spec.hook(), chunked])
        #expect(chunkedChain.handlesRowChunks && !MLPHookChain([spec.hook(), Opaque()]).handlesRowChunks)
        let second = min(1, RowParallel.threads - 1)
        var a = values(), b = values()
        for layer in 0..<2 {
            a.withUnsafeMutableBufferPointer { p in
                wholeChain.mlpActivation(layer: layer, values: p.baseAddress!, rowStride: 6, tokens: 5, width: 4, batch: batch)
            }
            b.withUnsafeMutableBufferPointer { p in
                // Rows split 0..<2 | 2..<5, the second chunk on another worker slot when there are two.
                chunkedChain.mlpActivation(layer: layer, values: p.baseAddress!, rowStride: 6, rows: 0..<2, width: 4,
                                           batch: batch, worker: 0)
                chunkedChain.mlpActivation(layer: layer, values: p.baseAddress!, rowStride: 6, rows: 2..<5, width: 4,
                                           batch: batch, worker: second)
            }
        }
        #expect(a == b)
        #expect(chunked.counts == whole.counts)
        #expect(chunked.counts(group: 0) == whole.counts(group: 0) && chunked.counts(group: 1) == whole.counts(group: 1))
        #expect(chunked.counts(group: 0) == [2, 1, 0, 0, 0, 1, 0, 0] && chunked.counts(group: 1) == [1, 1, 1, 1, 0, 1, 0, 1])
    }

    /// A hook that needs the whole batch at once (the default).
    final class Opaque: MLPActivationHook {
        func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, tokens: Int,
                           width: Int, batch: PackedBatch) {}
    }
}
