// A model stored in float16 or bfloat16 computes in float32 exactly as its weights widened to float32 do.
import Checkpoints
import Foundation
import LinearAlgebra
import Models
import TestSupport
import Testing

@Suite("Half-precision checkpoints trace like their float32 widening")
struct StoredDTypeTests {
    enum Half: String, CaseIterable { case f16 = "F16", bf16 = "BF16" }

    /// bfloat16 by round-to-nearest-even of the float32 bits (as torch's `.to(torch.bfloat16)`).
    static func bfloat16Bits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    static func halfBits(_ x: Float, _ half: Half) -> UInt16 {
        half == .f16 ? Float16(x).bitPattern : bfloat16Bits(x)
    }

    static func widen(_ bits: UInt16, _ half: Half) -> Float {
        half == .f16 ? Float(Float16(bitPattern: bits)) : Float(bitPattern: UInt32(bits) << 16)
    }

    /// Writes tiny-mllama's weights as one `model.safetensors` in `half` beside its config.json; returns the
    /// folder and the same weights widened back to float32 in memory.
    static func halfCopy(_ half: Half) throws -> (URL, InMemoryWeights) {
        let source = try Checkpoint.open(TestPaths.fixture("tiny-mllama"))
        let folder = try TestPaths.temporaryDirectory("models-\(half.rawValue)")
        try FileManager.default.copyItem(at: TestPaths.fixture("tiny-mllama/config.json"),
                                         to: folder.appendingPathComponent("config.json"))
        let widened = InMemoryWeights()
        var header: [String: Any] = [:]
        var body = Data()
        for name in source.tensorNames {
            let info = try source.info(name)
            let bits = try source.decodeAll(name).map { halfBits($0, half) }
            header[name] = ["dtype": half.rawValue, "shape": info.shape, "data_offsets": [body.count, body.count + 2 * bits.count]]
            for b in bits { body.append(UInt8(b & 0xFF)); body.append(UInt8(b >> 8)) }
            widened.tensors[name] = (info.shape, bits.map { widen($0, half) })
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        try file.write(to: folder.appendingPathComponent("model.safetensors"))
        return (folder, widened)
    }

    @Test(arguments: Half.allCases)
    func halfWeightsMatchTheirFloat32Widening(_ half: Half) throws {
        let (folder, widened) = try Self.halfCopy(half)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try Checkpoint.open(folder)
        #expect(try checkpoint.info(CanonicalName.layer(0, .qProj)).dtype.rawValue == half.rawValue)
        let model = try ModelLoader.load(checkpoint)
        let float32 = try ModelLoader.load(config: model.config, weights: widened)
        let states = try ReferenceStates(TestPaths.fixture("tiny-mllama/reference/states.safetensors"))
        let d = model.config.dModel
        var worstVsWidened = 0.0, worstVsTransformers = 0.0
        for k in states.sentences {
            let ids = try #require(states.ids["s\(k).ids"])
            let batch = PackedBatch(tokens: ids, sequences: [0..<ids.count])
            let ours = try runAllLayers(model, batch)
            let reference = try runAllLayers(float32, batch)
            let last = try #require(states.tensors["s\(k).final_norm"])
            for (a, b) in zip(ours, reference) {
                worstVsWidened = max(worstVsWidened, worstRowRelativeError(a.storage, b.storage, cols: d))
            }
            worstVsTransformers = max(worstVsTransformers,
                                      worstRowRelativeError(try #require(ours.last).storage, last.values, cols: d))
        }
        #expect(worstVsWidened <= 1e-4)
        // Rounding the weights to 11 (f16) or 8 (bf16) mantissa bits moves the states by about that much:
        // still the same model as transformers' float32 run, not a different one.
        #expect(worstVsTransformers < (half == .f16 ? 1e-2 : 5e-2))
        print("tiny-mllama \(half.rawValue): worst relative error vs float32 widening \(worstVsWidened), vs transformers float32 \(worstVsTransformers)")
    }
}
