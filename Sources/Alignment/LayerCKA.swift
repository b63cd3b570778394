// Layer × layer linear CKA (Kornblith et al. 2019, Fig. 2–5 heatmaps) without holding every layer's Gram.

import LinearAlgebra
/// A centered Gram K scaled to unit Frobenius norm and packed as its upper triangle in Float, with
/// off-diagonal entries multiplied by √2 so that the dot product of two packed kernels is ⟨K, L⟩_F /
/// (‖K‖‖L‖) = linear CKA. Costs N(N+1)/2 floats per layer (2 MB for N = 1012).
public struct PackedKernel: Sendable {
    public let values: [Float]

    public init(centeredGram k: Matrix<Double>) {
        let n = k.rows
        let norm = squaredFrobenius(k).squareRoot()
        var packed = [Float](repeating: 0, count: n * (n + 1) / 2)
        if norm > 0 {
            let s = 1 / norm, s2 = 2.0.squareRoot() / norm
            var t = 0
            for i in 0..<n {
                packed[t] = Float(k[i, i] * s)
                t += 1
                for j in (i + 1)..<max(n, i + 1) {
                    packed[t] = Float(k[i, j] * s2)
                    t += 1
                }
            }
        }
        values = packed
    }

    /// Linear CKA with another packed kernel of the same sentences (Double accumulation).
    public func cka(_ other: PackedKernel) -> Double {
        guard values.count == other.values.count else { return 0 }
        return values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                var s = 0.0
                for i in 0..<a.count { s += Double(a[i]) * Double(b[i]) }
                return s
            }
        }
    }
}
