import Testing
import LinearAlgebra

@Suite("General and symmetric products match hand-computed values")
struct ProductsTests {
    @Test("sgemm multiplies a 2×3 by a 3×2 matrix")
    func sgemmSmall() {
        let a = Matrix<Float>([[1, 2, 3], [4, 5, 6]])
        let b = Matrix<Float>([[7, 8], [9, 10], [11, 12]])
        #expect(matmul(a, b) == Matrix<Float>([[58, 64], [139, 154]]))
    }

    @Test("transposed operands give Aᵀ·B and A·Bᵀ")
    func transposes() {
        let a = Matrix<Double>([[1, 2], [3, 4], [5, 6]])
        // Aᵀ·A = [[35, 44], [44, 56]]
        #expect(matmul(a, a, transA: .transposed) == Matrix<Double>([[35, 44], [44, 56]]))
        // A·Aᵀ first row = [5, 11, 17]
        #expect(matmul(a, a, transB: .transposed).row(0) == [5, 11, 17])
    }

    @Test("pointer-level gemm honours leading dimensions and beta")
    func leadingDimensions() {
        // A is the left 2×2 block of a 2×3 buffer; C accumulates with beta = 1.
        let a: [Float] = [1, 2, 99, 3, 4, 99]
        let b: [Float] = [1, 0, 0, 1]
        var c: [Float] = [10, 10, 10, 10]
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(.none, .none, m: 2, n: 2, k: 2, a: pa.baseAddress!, lda: 3,
                              b: pb.baseAddress!, ldb: 2, beta: 1, c: pc.baseAddress!, ldc: 2)
                }
            }
        }
        #expect(c == [11, 12, 13, 14])
    }

    @Test("syrk Gram matrices equal gemm and are symmetric")
    func syrk() {
        let a = Matrix<Double>([[1, 2, 0], [0, 1, 3], [2, 2, 2], [1, 0, 1]])
        #expect(gram(a) == matmul(a, a, transB: .transposed))
        #expect(gram(a, .transposed) == matmul(a, a, transA: .transposed))
        let g = gram(a.asFloat, .transposed)
        #expect(g[0, 1] == g[1, 0] && g[0, 1] == 6)
    }

    @Test("products with an empty inner dimension are zero matrices, not crashes")
    func emptyInner() {
        let a = Matrix<Float>(rows: 2, cols: 0)
        let b = Matrix<Float>(rows: 0, cols: 3)
        #expect(matmul(a, b) == Matrix<Float>(rows: 2, cols: 3))
        #expect(gram(Matrix<Double>(rows: 3, cols: 0)) == Matrix<Double>(rows: 3, cols: 3))
    }

    @Test("BLAS thread count can be set")
    func threads() {
        let before = BLASThreads.count
        BLASThreads.set(1)
        #expect(BLASThreads.count == 1)
        BLASThreads.set(before)
    }
}
