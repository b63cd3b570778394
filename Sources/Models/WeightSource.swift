// Where a model's weights come from: a checkpoint, or (in tests and tools) any store of named tensors.
import Checkpoints

/// Tensors by canonical name (see `CanonicalName`), decoded to Float on demand.
/// `Checkpoint` is the production source; the protocol lets tools and tests run hand-built weights.
///
/// Contract: `info` and `decode` may be called from several threads at once (the lens decodes vocabulary
/// tiles of the output head on every worker, `DecoderModel.logitTiles`), so a conforming type must be safe
/// for concurrent reads — the memory-mapped checkpoints are, and `DecodedWeights` takes its lock.
public protocol WeightSource: DecodableTensors {
    /// The file the weights come from, for error messages (the checkpoint's path).
    var sourcePath: String { get }
    /// The tensor's shape in canonical layout.
    func info(_ name: String) throws -> TensorInfo
    /// Decodes rows `rows` (all when nil) of tensor `name` to Float into `output`
    /// (count = rows.count × info.rowLength).
    func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws
    /// The whole tensor `name` already decoded to Float in memory that lives as long as the source, for
    /// reading in place, or nil (the default) when the source keeps no such copy; the values are those
    /// `decode` writes.
    func decodedFloats(_ name: String) throws -> UnsafeBufferPointer<Float>?
}

extension WeightSource {
    public func decodedFloats(_ name: String) throws -> UnsafeBufferPointer<Float>? { nil }
}

extension Checkpoint: WeightSource {
    public var sourcePath: String { url.path }
}
