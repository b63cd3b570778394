// The BLOOM, Cohere, OLMo-2 and Phi-3 fixtures (Tests/Fixtures/arch, copied from shared/fixtures/arch)
// against transformers' float32 states: every sentence, block and token, the final norm and the last
// logits within 1e-4 relative L2; plus the features each family must not silently drop.
import Checkpoints
import Foundation
import Models
import TestSupport
import Testing

@Suite("BLOOM, Cohere, OLMo-2 and Phi-3 fixtures match transformers token by token")
struct NewFamilyFixtureTests {
    static let fixtures: [(name: String, model: String, family: ModelConfig.Architecture)] = [
        ("bloom", "arch/bloom", .bloom), ("bloom-gguf", "arch/bloom-gguf/model.gguf", .bloom),
        ("cohere", "arch/cohere", .cohere), ("cohere-gguf", "arch/cohere-gguf/model.gguf", .cohere),
        ("cohere-qknorm", "arch/cohere-qknorm", .cohere), ("olmo2", "arch/olmo2", .olmo2), ("phi3", "arch/phi3", .phi3),
    ]

    @Test(arguments: fixtures.map(\.name))
    func everySentenceLayerAndTokenAndTheLastLogits(name: String) throws {
        let fixture = try #require(Self.fixtures.first { $0.name == name })
        let resolved = try ModelCheckpoint.open(TestPaths.fixture(fixture.model))
        #expect(resolved.family.architecture == fixture.family)
        #expect(resolved.skipped.allSatisfy { $0.name == "lm_head.weight" || $0.name == "output.weight" })
        let model = try ModelLoader.load(resolved)
        let states = try ReferenceStates(TestPaths.fixture("arch/\(name)/reference/states.safetensors"))
        #expect(states.sentences.count == 8)
        let worst = try worstErrors(model: model, states: states)
        #expect(worst.states.isFinite && worst.logits.isFinite)
        print("\(name) worst relative error: states \(worst.states), logits \(worst.logits)")
    }

    @Test func theFeaturesThatChangeTheMathAreReadFromTheConfigurations() throws {
        let bloom = try ModelCheckpoint.open(TestPaths.fixture("arch/bloom")).config
        #expect(bloom.nHeads == 6 && bloom.dFFN == 4 * bloom.dModel && bloom.hasQKVBias && bloom.hasMLPBias)
        #expect(bloom.tieWordEmbeddings && bloom.activation == .geluTanh)
        let cohere = try ModelCheckpoint.open(TestPaths.fixture("arch/cohere")).config
        #expect(cohere.logitScale == 0.0625 && !cohere.hasQueryKeyNorm && cohere.tieWordEmbeddings)
        let gguf = try ModelCheckpoint.open(TestPaths.fixture("arch/cohere-gguf/model.gguf")).config
        #expect(gguf.logitScale == 0.0625 && gguf.ropeTheta == 10_000)
        let plus = try ModelCheckpoint.open(TestPaths.fixture("arch/cohere-qknorm")).config
        #expect(plus.hasQueryKeyNorm && plus.ropeTheta == 75_000_000 && abs((plus.logitScale ?? 0) - 0.8333333333333334) < 1e-12)
        let phi3 = try ModelCheckpoint.open(TestPaths.fixture("arch/phi3")).config
        #expect(phi3.slidingWindow == 2047 && phi3.layerKinds.allSatisfy { $0 == .sliding } && phi3.nKVHeads == 2)
    }
}

@Suite("ALiBi slopes follow BLOOM's geometric sequence, with the odd extra powers for non-powers of 2")
struct ALiBiSlopeTests {
    @Test func powersOfTwoHeadsHaveSlopesTwoToTheMinusEightHOverN() {
        #expect(ALiBi.slopes(heads: 8) == (1...8).map { Float(1) / Float(1 << $0) })
        #expect(ALiBi.slopes(heads: 4) == [0.25, 0.0625, 0.015625, 0.00390625])
    }

    @Test func sixHeadsAreTheFourHeadSlopesThenTwoOddPowersOfOneHalf() {
        // p = 4: 2^(−2h); extra base 2^(−8/8) = 0.5, powers 1 and 3.
        #expect(ALiBi.slopes(heads: 6) == [0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125])
        #expect(ALiBi.slopes(heads: 1) == [0.00390625])
    }
}

@Suite("Interleaved RoPE rotates adjacent pairs (Cohere), rotate-half the two halves (LLaMA)")
struct InterleavedRotaryTests {
    @Test func position1RotatesPair2iAnd2iPlus1ByTheta_i() {
        // headDim 4, base 100: θ₀ = 1, θ₁ = 100^(−1/2) = 0.1.
        let x: [Float] = [1, 2, 3, 4]
        let y = RotaryEmbedding(headDim: 4, base: 100, interleaved: true).rotated(x, position: 1)
        let (c0, s0, c1, s1) = (Float(cos(1.0)), Float(sin(1.0)), Float(cos(0.1)), Float(sin(0.1)))
        let expected = [1 * c0 - 2 * s0, 2 * c0 + 1 * s0, 3 * c1 - 4 * s1, 4 * c1 + 3 * s1]
        for (a, b) in zip(y, expected) { #expect(abs(a - b) < 1e-6) }
        // Rotate-half pairs (x0, x2) and (x1, x3) instead.
        let half = RotaryEmbedding(headDim: 4, base: 100).rotated(x, position: 1)
        #expect(abs(half[0] - (1 * c0 - 3 * s0)) < 1e-6 && abs(half[1] - (2 * c1 - 4 * s1)) < 1e-6)
    }
}

@Suite("A flag the new families do not implement is refused by name")
struct NewFamilyRefusalTests {
    /// A copy of fixture `name` whose config.json has `edit` applied.
    func edited(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> URL {
        let source = TestPaths.fixture("arch/\(name)")
        let dir = try TestPaths.temporaryDirectory(name)
        for file in try FileManager.default.contentsOfDirectory(atPath: source.path) where file != "reference" {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        let url = dir.appendingPathComponent("config.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try FileManager.default.removeItem(at: url)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return dir
    }

    func refusal(_ url: URL) -> String {
        do {
            _ = try ModelCheckpoint.open(url)
            return "opened"
        } catch {
            return error.localizedDescription
        }
    }

    @Test func phi3LongRopeAndPartialRotaryAreNamed() throws {
        let longrope = try edited("phi3") {
            $0["rope_scaling"] = ["type": "longrope", "short_factor": [1.0], "long_factor": [2.0]]
        }
        #expect(refusal(longrope).contains("rope_scaling"))
        #expect(refusal(longrope).contains("longrope"))
        let partial = try edited("phi3") { $0["partial_rotary_factor"] = 0.75 }
        #expect(refusal(partial).contains("partial_rotary_factor"))
    }

    @Test func bloomResidualAfterTheNormIsNamed() throws {
        let url = try edited("bloom") { $0["apply_residual_connection_post_layernorm"] = true }
        #expect(refusal(url).contains("apply_residual_connection_post_layernorm"))
    }

    @Test func cohereQKNormWithoutItsTensorsNamesTheMissingTensor() throws {
        let url = try edited("cohere") { $0["use_qk_norm"] = true }
        #expect(refusal(url).contains("q_norm"))
    }
}

@Suite("The MLP activation hook sees BLOOM's GELU output, before the down projection")
struct BloomActivationHookTests {
    final class Recorder: MLPActivationHook {
        var calls: [(layer: Int, width: Int, tokens: Int)] = []
        var minimum = Float.infinity
        func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, tokens: Int,
                           width: Int, batch: PackedBatch) {
            calls.append((layer, width, tokens))
            for t in 0..<tokens { for i in 0..<width { minimum = min(minimum, values[t * rowStride + i]) } }
        }
    }

    @Test func everyLayerReportsFourDValuesBoundedBelowByGELUsMinimum() throws {
        let model = try ModelLoader.load(try ModelCheckpoint.open(TestPaths.fixture("arch/bloom")))
        let recorder = Recorder()
        model.mlpActivationHook = recorder
        let batch = PackedBatch(tokens: [5, 300, 1200, 77, 4000], sequences: [0..<5])
        var hidden = try model.embed(batch)
        for layer in 0..<model.config.nLayers { try model.applyBlock(layer, to: &hidden, batch: batch, captureSubLayers: false) }
        #expect(recorder.calls.map(\.layer) == [0, 1, 2])
        #expect(recorder.calls.allSatisfy { $0.width == 4 * model.config.dModel && $0.tokens == 5 })
        // GELU(x) = x·Φ(x) ≥ −0.16997 (at x ≈ −0.75); the pre-activations are not bounded so.
        #expect(recorder.minimum >= -0.1701 && recorder.minimum < 0)
    }
}
