// The interface between a model family's forward pass and the layer-major tracer.
import Checkpoints
import LinearAlgebra

/// A batch of sentences packed into one matrix of tokens without padding: sentence s occupies rows
/// `sequences[s]` of the hidden-state matrix; attention is causal within each sentence and positions
/// restart at 0 for each.
public struct PackedBatch: Sendable {
    public var tokens: [Int32]
    public var sequences: [Range<Int>]

    public init(tokens: [Int32], sequences: [Range<Int>]) {
        self.tokens = tokens
        self.sequences = sequences
    }

    public var tokenCount: Int { tokens.count }
}

/// Sub-layer outputs of one block, filled when the tracer asks for them.
public struct SubLayerOutputs: Sendable {
    /// The attention branch's output as added to the residual stream, [T, d].
    public var attention: Matrix<Float>
    /// The MLP branch's output as added to the residual stream, [T, d].
    public var mlp: Matrix<Float>

    public init(attention: Matrix<Float>, mlp: Matrix<Float>) {
        self.attention = attention
        self.mlp = mlp
    }
}

/// A decoder-only transformer run one layer at a time over a packed batch.
///
/// Layer-major: the tracer calls `embed`, then `applyBlock(0…n−1)` over the whole batch, then
/// `applyFinalNorm`. An implementation decodes a layer's weights to Float once per `applyBlock` call
/// (into reusable scratch) and applies them to all tokens with one sgemm per projection; it never holds
/// more than one layer in Float.
public protocol DecoderModel: AnyObject {
    var config: ModelConfig { get }

    /// The residual stream entering block 0 for every packed token ([T, d]): embeddings, scaled where the
    /// architecture scales them.
    func embed(_ batch: PackedBatch) throws -> Matrix<Float>

    /// Applies block `layer` in place to the residual stream `hidden` ([T, d]). Returns the sub-layer
    /// outputs when `captureSubLayers` is true.
    @discardableResult
    func applyBlock(_ layer: Int, to hidden: inout Matrix<Float>, batch: PackedBatch,
                    captureSubLayers: Bool) throws -> SubLayerOutputs?

    /// The final norm applied to `hidden` ([T, d]) as a new matrix.
    func applyFinalNorm(_ hidden: Matrix<Float>) throws -> Matrix<Float>

    /// Logits ([rows.count, vocab]) for the given rows of a final-normed hidden matrix.
    func logits(_ normed: Matrix<Float>, rows: [Int]) throws -> Matrix<Float>
}
