import Testing
import LinearAlgebra

@Suite("SVD and symmetric eigendecomposition satisfy their identities")
struct DecompositionsTests {
    /// A deterministic pseudo-random matrix (LCG) so failures reproduce.
    func sample(_ m: Int, _ n: Int, seed: UInt64 = 7) -> Matrix<Double> {
        var s = seed
        var out = Matrix<Double>(rows: m, cols: n)
        for i in 0..<(m * n) {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            out.storage[i] = Double(Int64(bitPattern: s >> 11) % 1000) / 500.0
        }
        return out
    }

    @Test("singular values of a diagonal matrix are its sorted absolute entries")
    func diagonal() throws {
        let a = Matrix<Double>([[0, 0, 0], [0, -5, 0], [0, 0, 2], [3, 0, 0]])
        let d = try svd(a)
        #expect(d.singularValues.count == 3)
        for (got, want) in zip(d.singularValues, [5.0, 3.0, 2.0]) { #expect(abs(got - want) < 1e-12) }
    }

    @Test("A = UΣVᵀ with orthonormal U and V, tall and wide", arguments: [(7, 4), (4, 9), (5, 5)])
    func reconstruction(shape: (Int, Int)) throws {
        let a = sample(shape.0, shape.1)
        let d = try svd(a)
        let r = min(shape.0, shape.1)
        var us = d.u
        for i in 0..<us.rows { for j in 0..<r { us[i, j] *= d.singularValues[j] } }
        let back = matmul(us, d.vt)
        for (x, y) in zip(back.storage, a.storage) { #expect(abs(x - y) < 1e-10) }
        let utu = matmul(d.u, d.u, transA: .transposed)
        let vvt = matmul(d.vt, d.vt, transB: .transposed)
        for i in 0..<r { for j in 0..<r {
            #expect(abs(utu[i, j] - (i == j ? 1 : 0)) < 1e-10)
            #expect(abs(vvt[i, j] - (i == j ? 1 : 0)) < 1e-10)
        } }
        #expect(zip(d.singularValues, d.singularValues.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test("Float SVD of [[3, 0], [4, 5]] has singular values √45 and √5")
    func floatKnown() throws {
        let d = try svd(Matrix<Float>([[3, 0], [4, 5]]))
        #expect(abs(d.singularValues[0] - 45.0.squareRoot().f) < 1e-5)
        #expect(abs(d.singularValues[1] - 5.0.squareRoot().f) < 1e-5)
    }

    @Test("eigenvalues of [[2, 1], [1, 2]] are 1 and 3 with eigenvectors (1, ∓1)/√2")
    func eigenKnown() throws {
        let e = try symmetricEigen(Matrix<Double>([[2, 1], [1, 2]]))
        #expect(abs(e.values[0] - 1) < 1e-12 && abs(e.values[1] - 3) < 1e-12)
        // Column 1 (λ = 3) is ±(1, 1)/√2.
        #expect(abs(abs(e.vectors[0, 1]) - 0.5.squareRoot()) < 1e-12)
        #expect(abs(e.vectors[0, 1] - e.vectors[1, 1]) < 1e-12)
    }

    @Test("A·V = V·Λ for a random symmetric matrix")
    func eigenIdentity() throws {
        let x = sample(6, 6, seed: 3)
        let a = gram(x)
        let e = try symmetricEigen(a)
        let av = matmul(a, e.vectors)
        for i in 0..<6 { for j in 0..<6 { #expect(abs(av[i, j] - e.vectors[i, j] * e.values[j]) < 1e-9) } }
    }

    @Test("non-finite input is refused with an error, not a crash")
    func nonFinite() {
        #expect(throws: LinearAlgebraError.self) { try svd(Matrix<Double>([[1, .nan], [0, 1]])) }
    }
}

private extension Double { var f: Float { Float(self) } }
