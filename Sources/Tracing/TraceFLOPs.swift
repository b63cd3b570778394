// Floating-point operation counts of a forward pass, for GFLOP/s figures.
import Checkpoints

/// Multiply-add counts (2 FLOPs each) of one decoder block, from the architecture's shapes.
public enum TraceFLOPs {
    /// FLOPs of the block projections for `tokens` tokens: q, k, v, o and the gated MLP's gate, up, down,
    /// i.e. 2·T·(d·(H+2·Hkv)·hd + H·hd·d + 3·d·d_ffn) per block, times n_layers.
    public static func blockMatmuls(_ c: ModelConfig, tokens: Int) -> Double {
        let d = Double(c.dModel), hd = Double(c.headDim)
        let perToken = d * Double(c.nHeads + 2 * c.nKVHeads) * hd + Double(c.nHeads) * hd * d + 3 * d * Double(c.dFFN)
        return 2 * Double(tokens) * perToken * Double(c.nLayers)
    }

    /// FLOPs of causal attention (scores and weighted values) over sequences of the given lengths:
    /// 2·2·H·hd·T(T+1)/2 per sequence per block (sliding windows ignored: an upper bound).
    public static func attention(_ c: ModelConfig, sequenceLengths: [Int]) -> Double {
        let pairs = sequenceLengths.reduce(0.0) { $0 + Double($1) * Double($1 + 1) / 2 }
        return 4 * Double(c.nHeads * c.headDim) * pairs * Double(c.nLayers)
    }
}
