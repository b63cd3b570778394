// Elementwise kernels over raw Float pointers, written so the optimizer vectorizes them.

enum Elementwise {
    /// dst[i] += src[i].
    @inline(__always)
    static func add(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] += src[i] }
    }

    /// dst[i] *= src[i].
    @inline(__always)
    static func multiply(_ dst: UnsafeMutablePointer<Float>, by src: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] *= src[i] }
    }

    /// Σ x[i]² with eight independent partial sums (a plain loop would not vectorize: Float addition
    /// is not reassociated without fast-math).
    @inline(__always)
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        let blocks = count / 8
        let raw = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let v = raw.loadUnaligned(fromByteOffset: b * 32, as: SIMD8<Float>.self)
            acc += v * v
        }
        var sum = acc.sum()
        for i in (blocks * 8)..<count { sum += x[i] * x[i] }
        return sum
    }

    /// Copies `rows` rows of `cols` elements between buffers with different row strides.
    static func copyRows(_ src: UnsafePointer<Float>, srcStride: Int, to dst: UnsafeMutablePointer<Float>,
                         dstStride: Int, rows: Int, cols: Int) {
        for r in 0..<rows {
            (dst + r * dstStride).update(from: src + r * srcStride, count: cols)
        }
    }
}
