// q/k norms that are not one [headDim] weight shared by every head: a weight per head (Cohere's
// `use_qk_norm`), or one norm over the whole projection (OLMo-2).
import Dispatch

extension DecoderCore {
    /// Each query and key head normalized with its own weights (rows of `query` [nHeads, headDim] and
    /// `key` [nKVHeads, headDim]): Cohere / Command R+'s `q_norm` / `k_norm` (a LayerNorm over the last
    /// dimension with per-head weights).
    func normalizeEachHead(query: NormWeights, key: NormWeights, tokens: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        let hd = config.headDim
        for (norm, offset, heads) in [(query, 0, config.nHeads), (key, qDim, config.nKVHeads)] {
            norm.weight.withUnsafeBufferPointer { w in
                (norm.bias ?? []).withUnsafeBufferPointer { b in
                    guard let wb = w.baseAddress, w.count >= heads * hd else { return }
                    let bias = norm.bias == nil ? nil : b.baseAddress
                    let base = qkv.pointer, qkvDim = self.qkvDim, epsilon = self.epsilon
                    RowParallel.forEach(rows: tokens, work: heads * hd) { rows in
                        for t in rows {
                            let row = base + t * qkvDim + offset
                            for h in 0..<heads {
                                let x = row + h * hd
                                switch norm.kind {
                                case .rms:
                                    RMSNorm.normalize(x, count: hd, weight: wb + h * hd, epsilon: epsilon, into: x)
                                case .layerNorm:
                                    LayerNorm.normalize(x, count: hd, weight: wb + h * hd, bias: bias.map { $0 + h * hd },
                                                        epsilon: epsilon, into: x)
                                }
                            }
                        }
                    }
                }
            }
        }
        timings.elementwiseSeconds += seconds(since: start)
    }

    /// The queries and the keys each normalized as one vector over all their heads (OLMo-2's `q_norm`
    /// [nHeads·headDim] and `k_norm` [nKVHeads·headDim], applied to the projections before the head split).
    func normalizeProjections(query: NormWeights, key: NormWeights, tokens: Int) {
        let q = qkv.pointer
        normalizeRows(q, stride: qkvDim, into: q, stride: qkvDim, rows: tokens, count: qDim, query)
        normalizeRows(q + qDim, stride: qkvDim, into: q + qDim, stride: qkvDim, rows: tokens, count: kvDim, key)
    }
}
