// Elementary functions on SIMD lanes, for the elementwise kernels that libm would run one value at a time.

enum VectorMath {
    /// e^x in each lane: Cephes' `expf` (S. L. Moshier, Cephes Math Library): x = n·ln 2 + r with ln 2
    /// split in two parts (C1 + C2) so the reduction is exact, e^r by its degree-5 minimax polynomial on
    /// |r| ≤ ½ln 2, and 2ⁿ built from exponent bits. Relative error ≤ 2 ulp; inputs are clamped to
    /// [−87.34, 88] (n ≤ 127), so the result is a normal float (≈1.2e−38 … 1.7e38), never 0, a subnormal or inf.
    /// Plain multiplies and adds (no FMA, no rounding instruction): the same bits on any x86-64 or ARM CPU.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let v = pointwiseMax(pointwiseMin(x, SIMD8(repeating: 88.0)), SIMD8(repeating: -87.336_544_750_4))
        // n = round(v·log₂e) to nearest: adding 1.5·2²³ leaves n in the low mantissa bits.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let t = v * 1.442_695_040_888_963_4 + magic
        let n = t - magic
        var r = v - n * 0.693_359_375
        r = r - n * -2.121_944_400_546_905_8e-4
        var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * (r * r) + r + 1
        let exponent = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self)
        return y * scale
    }
}
