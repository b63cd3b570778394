// Reusable Float storage: a model decodes each layer and runs each batch in the same few allocations.

/// A growable Float buffer that keeps its largest allocation (contents are not preserved on growth).
final class ScratchBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 0)
        pointer = .allocate(capacity: max(capacity, 1))
    }

    deinit { pointer.deallocate() }

    /// At least `count` elements; reallocates only when the buffer must grow.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        return pointer
    }

    /// Elements `offset..<offset+count` as a buffer for `WeightSource.decode`.
    func slice(_ offset: Int, _ count: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer + offset, count: count)
    }
}
