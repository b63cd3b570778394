// Every quantized tensor of the fixture decodes to exactly gguf-py 0.19.0's dequantization.
import Checkpoints
import Foundation
import Testing
import TestSupport

@Suite("Quantized tensors decode exactly as gguf-py dequantizes them")
struct QuantizationFixtureTests {
    static let fixture = TestPaths.fixture("gguf-quants.gguf")

    /// Decodes `name` in full.
    static func decoded(_ file: GGUFFile, _ name: String) throws -> [Float] {
        let info = try #require(file.tensors[name])
        var out = [Float](repeating: .nan, count: info.elementCount)
        try out.withUnsafeMutableBufferPointer { try file.decode(name, rows: nil, into: $0) }
        return out
    }

    /// Largest |a − b|, with any bit difference in NaNs or signed zeros counted as infinite.
    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        var worst: Float = 0
        for (x, y) in zip(a, b) where x.bitPattern != y.bitPattern {
            let d = abs(x - y)
            worst = max(worst, d.isNaN || d == 0 ? .infinity : d)
        }
        return worst
    }

    @Test("every T.q and realM.*.q tensor equals its .f32 bit for bit")
    func everyQuantizedTensorMatches() throws {
        let file = try GGUFFile(url: Self.fixture)
        let quantized = file.tensorNames.filter { $0.hasSuffix(".q") }
        #expect(quantized.count >= 14)
        var worstByType: [DType: Float] = [:]
        for name in quantized {
            let reference = String(name.dropLast(2)) + ".f32"
            let q = try #require(file.tensors[name]), f = try #require(file.tensors[reference])
            #expect(f.dtype == .f32)
            #expect(q.shape == f.shape, "\(name)")
            let diff = Self.maxAbsDiff(try Self.decoded(file, name), try Self.decoded(file, reference))
            #expect(diff == 0, "\(name) (\(q.dtype.rawValue)): max abs diff \(diff)")
            worstByType[q.dtype] = max(worstByType[q.dtype] ?? 0, diff)
        }
        let summary = worstByType.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " ")
        print("max abs diff per type: \(summary)")
        let expected: Set<DType> = [.f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K,
                                    .q6_K, .iq4_nl, .iq4_xs]
        #expect(Set(worstByType.keys) == expected)
    }
}
