// The interface every container reader (GGUF, safetensors, PyTorch zip) implements.

/// One container of named tensors, memory-mapped. Names here are the container's own; `Checkpoint`
/// maps canonical names onto them.
public protocol TensorStore: AnyObject, Sendable {
    /// The file (or, for a sharded checkpoint, the index) this store reads.
    var path: String { get }
    /// Tensors by their name in this container.
    var tensors: [String: TensorInfo] { get }
    /// The stored bytes of rows `rows` (outermost dimension) of `name`, in place in the memory map.
    func rawBytes(_ name: String, rows: Range<Int>?) throws -> UnsafeRawBufferPointer
    /// Decodes rows `rows` (all when nil) of `name` to Float into `output`
    /// (count = rows.count × info.rowLength), touching only those rows' bytes.
    func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws
}
