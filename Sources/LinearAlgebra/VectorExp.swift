// The one vectorized exponential of the package: SiLU / GELU-tanh (Models) and the lens's online
// log-softmax (Tracing) both evaluate e^x eight lanes at a time with it.

/// Exponentials of SIMD lanes, in plain SIMD arithmetic (adds, multiplies, compares, bit operations), so the
/// optimizer vectorizes them for whatever instruction set the build targets.
public enum VectorExp {
    /// e^x lane by lane (Cephes `expf`, S. L. Moshier: x = n·ln 2 + r with n = round(x·log₂e) and ln 2
    /// split in two so that r is exact, e^r by Cephes's degree-7 polynomial, 2ⁿ applied as two exact
    /// powers of two built in the exponent bits so that every n of the range stays representable):
    /// within 2 ulp of the correctly rounded value, subnormal results included; +∞ above 88.72, 0 below
    /// −103.97, NaN for NaN. Plain SIMD arithmetic, so it vectorizes on any SIMD instruction set, and a
    /// value gets the same bits in whichever lane or row position it sits.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        // Clamped by compare-and-select (SIMD `clamped` is a scalar loop): NaN lanes stay NaN.
        let low = V(repeating: -103.972_08), high = V(repeating: 88.722_839)
        var v = x
        v.replace(with: low, where: x .< low)
        v.replace(with: high, where: x .> high)
        // Round to nearest by the 1.5·2²³ shifter: n's integer value sits in the low mantissa bits of t.
        let shifter = SIMD8<Float>(repeating: 12_582_912)
        let t = v * V(repeating: 1.442_695_04) + shifter
        let n = t - shifter
        var r = v - n * V(repeating: 0.693_359_375)
        r = r - n * V(repeating: -2.121_944_4e-4)
        var p = V(repeating: 1.987_569_15e-4)
        p = p * r + V(repeating: 1.398_199_950_7e-3)
        p = p * r + V(repeating: 8.333_451_907_3e-3)
        p = p * r + V(repeating: 4.166_579_589_4e-2)
        p = p * r + V(repeating: 1.666_666_545_9e-1)
        p = p * r + V(repeating: 5.000_000_120_1e-1)
        let y = p * (r * r) + r + V(repeating: 1)
        let integer = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(shifter, to: SIMD8<Int32>.self)
        let half = integer &>> 1, rest = integer &- half   // both in [−75, 64]: normal powers of two
        let first = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
        let second = unsafeBitCast((rest &+ 127) &<< 23, to: SIMD8<Float>.self)
        var e = (y * first) * second
        e.replace(with: Float.infinity, where: x .> high)
        e.replace(with: Float(0), where: x .< low)
        e.replace(with: x, where: x .!= x)
        return e
    }
}
