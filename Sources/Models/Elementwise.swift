// Elementwise kernels over raw Float pointers: the hot ones in CKernels (one clone per x86-64 level).
import CKernels

enum Elementwise {
    /// dst[i] += src[i] (CKernels: vectorized for the CPU's x86-64 level).
    @inline(__always)
    static func add(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        ck_add(dst, src, count)
    }

    /// dst[i] *= src[i] (CKernels).
    @inline(__always)
    static func multiply(_ dst: UnsafeMutablePointer<Float>, by src: UnsafePointer<Float>, count: Int) {
        ck_multiply(dst, src, count)
    }

    /// Copies `rows` rows of `cols` elements between buffers with different row strides.
    static func copyRows(_ src: UnsafePointer<Float>, srcStride: Int, to dst: UnsafeMutablePointer<Float>,
                         dstStride: Int, rows: Int, cols: Int) {
        for r in 0..<rows {
            (dst + r * dstStride).update(from: src + r * srcStride, count: cols)
        }
    }
}
