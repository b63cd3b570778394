// binary16 → binary32 widening (the f16 dtype and every block format's scales) against Swift's Float16.
import Checkpoints
import Testing

@Suite("Half-precision values widen exactly as Float(Float16) does")
struct HalfWideningTests {
    @Test("All 65,536 bit patterns: normal, subnormal, ±0, ±∞ and NaN payloads")
    func everyPattern() throws {
        let patterns = (0...UInt16.max).map { UInt16(littleEndian: $0) }
        var widened = [Float](repeating: 0, count: patterns.count)
        try patterns.withUnsafeBytes { bytes in
            try widened.withUnsafeMutableBufferPointer { out in
                try ElementDecoder.decode(.f16, bytes, count: patterns.count, into: out.baseAddress!)
            }
        }
        var wrong = 0
        for (h, value) in zip(0...UInt16.max, widened) where value.bitPattern != Float(Float16(bitPattern: h)).bitPattern {
            wrong += 1
        }
        #expect(wrong == 0)
    }
}
