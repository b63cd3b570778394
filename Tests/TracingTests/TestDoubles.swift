// Deterministic stand-ins for a tokenizer and a model, so that the tracer's bookkeeping can be checked by
// hand: every value they produce is a simple function of token ids and positions.
import Checkpoints
import LinearAlgebra
import Models
import Tokenizers

/// One token per Unicode scalar (id = scalar value), BOS = 1, EOS = 2.
struct ScalarTokenizer: Tokenizer {
    var addsBOSByDefault = true
    var vocabularySize: Int { 0x11_0000 }
    var bosID: Int32? { 1 }
    var eosID: Int32? { 2 }

    func encode(_ text: String, addBOS: Bool) -> [Int32] {
        (addBOS ? [1] : []) + text.unicodeScalars.map { Int32($0.value) }
    }

    func decode(_ ids: [Int32]) -> String {
        String(String.UnicodeScalarView(ids.filter { $0 > 2 }.compactMap { Unicode.Scalar(UInt32($0)) }))
    }
}

/// A "model" with d = 3 whose block l maps each token's state h to h + (l+1)·c, where c is the causal
/// mean of the sentence's states so far. Attention-like (depends on earlier tokens of the same sentence
/// only), so packing mistakes change the output.
final class CausalMeanModel: DecoderModel {
    let config: ModelConfig

    init(layers: Int = 2) {
        config = ModelConfig(architecture: .llama, nLayers: layers, dModel: 3, nHeads: 1, nKVHeads: 1, headDim: 3,
                             dFFN: 4, vocabSize: 0x11_0000, ropeTheta: 10_000, normEps: 1e-5, contextLength: 4096,
                             tieWordEmbeddings: true, activation: .silu)
    }

    /// Token t at position p embeds to (id/100, p, 1).
    func embed(_ batch: PackedBatch) throws -> Matrix<Float> {
        var m = Matrix<Float>(rows: batch.tokenCount, cols: 3)
        for sequence in batch.sequences {
            for (p, row) in sequence.enumerated() {
                m[row, 0] = Float(batch.tokens[row]) / 100
                m[row, 1] = Float(p)
                m[row, 2] = 1
            }
        }
        return m
    }

    func applyBlock(_ layer: Int, to hidden: inout Matrix<Float>, batch: PackedBatch,
                    captureSubLayers: Bool) throws -> SubLayerOutputs? {
        let before = hidden
        var attention = Matrix<Float>(rows: hidden.rows, cols: 3)
        for sequence in batch.sequences {
            var sum: [Float] = [0, 0, 0]
            for (k, row) in sequence.enumerated() {
                for j in 0..<3 { sum[j] += before[row, j] }
                for j in 0..<3 { attention[row, j] = Float(layer + 1) * sum[j] / Float(k + 1) }
            }
        }
        var mlp = Matrix<Float>(rows: hidden.rows, cols: 3)
        for i in 0..<hidden.rows { for j in 0..<3 { mlp[i, j] = 0.5 } }
        for i in hidden.storage.indices { hidden.storage[i] = before.storage[i] + attention.storage[i] + mlp.storage[i] }
        return captureSubLayers ? SubLayerOutputs(attention: attention, mlp: mlp) : nil
    }

    /// Doubles every value.
    func applyFinalNorm(_ hidden: Matrix<Float>) throws -> Matrix<Float> {
        Matrix(rows: hidden.rows, cols: hidden.cols, storage: hidden.storage.map { 2 * $0 })
    }

    func logits(_ normed: Matrix<Float>, rows: [Int]) throws -> Matrix<Float> {
        Matrix(rows: rows.count, cols: 1)
    }
}
