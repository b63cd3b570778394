// Sums in Double with several SIMD accumulators: a plain `s += a[i] * b[i]` loop is a strict-order
// floating-point reduction the optimizer may not vectorize; independent partial sums let it.

/// Σᵢ aᵢbᵢ over `count` Doubles.
@inline(__always)
func sumOfProducts(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var s0 = SIMD4<Double>(repeating: 0), s1 = SIMD4<Double>(repeating: 0)
    var i = 0
    while i + 8 <= count {
        s0 += ra.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
            * rb.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
        s1 += ra.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
            * rb.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
        i += 8
    }
    var s = (s0 + s1).sum()
    while i < count {
        s += a[i] * b[i]
        i += 1
    }
    return s
}

/// Σᵢ aᵢ over `count` Doubles.
@inline(__always)
func sum(_ a: UnsafePointer<Double>, _ count: Int) -> Double {
    let ra = UnsafeRawPointer(a)
    var s0 = SIMD4<Double>(repeating: 0), s1 = SIMD4<Double>(repeating: 0)
    var i = 0
    while i + 8 <= count {
        s0 += ra.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
        s1 += ra.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
        i += 8
    }
    var s = (s0 + s1).sum()
    while i < count {
        s += a[i]
        i += 1
    }
    return s
}

/// Σᵢ aᵢbᵢ over `count` Floats, each product formed and accumulated in Double.
@inline(__always)
func sumOfProducts(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Double {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var s0 = SIMD8<Double>(repeating: 0)
    var i = 0
    while i + 8 <= count {
        s0 += SIMD8<Double>(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            * SIMD8<Double>(rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
        i += 8
    }
    var s = s0.sum()
    while i < count {
        s += Double(a[i]) * Double(b[i])
        i += 1
    }
    return s
}
