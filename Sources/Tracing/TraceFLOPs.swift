// Floating-point operation counts of a forward pass, for GFLOP/s figures.
import Checkpoints
import Models

/// Multiply-add counts (2 FLOPs each) of attention, from the architecture's shapes (the projections'
/// count is the model's own `matmulFLOPs`).
public enum TraceFLOPs {
    /// FLOPs of causal attention (scores and weighted values) over sequences of the given lengths:
    /// 2·2·H·hd·T(T+1)/2 per sequence per block (sliding windows ignored: an upper bound).
    public static func attention(_ c: ModelConfig, sequenceLengths: [Int]) -> Double {
        let pairs = sequenceLengths.reduce(0.0) { $0 + Double($1) * Double($1 + 1) / 2 }
        return 4 * Double(c.nHeads * c.headDim) * pairs * Double(c.nLayers)
    }
}
