// Our forward pass against transformers' float32 states for the three fixture models: every sentence,
// layer and token within ‖ours − reference‖₂ ≤ 1e-4·‖reference‖₂, all sentences run as one packed batch.
import Checkpoints
import Foundation
import LinearAlgebra
import Models
import TestSupport
import Testing

/// Runs every sentence of `states` through `model` as one packed batch and returns the worst relative
/// error over all trace points (embed, every block, final norm) and over the last-position logits.
func worstErrors(model: any DecoderModel, states: ReferenceStates) throws -> (states: Double, logits: Double) {
    let d = model.config.dModel
    var tokens: [Int32] = [], ranges: [Range<Int>] = []
    for k in states.sentences {
        let ids = try #require(states.ids["s\(k).ids"])
        ranges.append(tokens.count..<(tokens.count + ids.count))
        tokens += ids
    }
    let traced = try runAllLayers(model, PackedBatch(tokens: tokens, sequences: ranges))
    let names = ["embed"] + (0..<model.config.nLayers).map { "layer.\($0)" } + ["final_norm"]
    var worstState = 0.0, worstLogits = 0.0
    for (k, range) in zip(states.sentences, ranges) {
        for (point, ours) in zip(names, traced) {
            let reference = try #require(states.tensors["s\(k).\(point)"], "s\(k).\(point) missing")
            #expect(reference.shape == [range.count, d])
            let err = worstRowRelativeError(ours.rows(range).storage, reference.values, cols: d)
            #expect(err <= 1e-4, "sentence \(k), \(point): relative error \(err)")
            worstState = max(worstState, err)
        }
        if let reference = states.tensors["s\(k).logits_last"] {
            let logits = try model.logits(try #require(traced.last), rows: [range.upperBound - 1])
            let err = worstRowRelativeError(logits.storage, reference.values, cols: reference.values.count)
            #expect(err <= 1e-4, "sentence \(k), logits: relative error \(err)")
            worstLogits = max(worstLogits, err)
        }
    }
    return (worstState, worstLogits)
}

func modelIsCached(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

@Suite("Tiny m-LLaMA (float32 .bin shards) matches transformers token by token")
struct TinyMLlamaReferenceTests {
    @Test func everySentenceLayerAndToken() throws {
        let checkpoint = try Checkpoint.open(TestPaths.fixture("tiny-mllama"))
        let model = try ModelLoader.load(checkpoint)
        let states = try ReferenceStates(TestPaths.fixture("tiny-mllama/reference/states.safetensors"))
        let worst = try worstErrors(model: model, states: states)
        print("tiny-mllama worst relative error: states \(worst.states), logits \(worst.logits)")
    }
}

// The real models live in the model cache (`make models`); without them these suites are skipped.
@Suite("SmolLM2-135M (GGUF Q4_1, GQA 9/3) matches transformers token by token",
       .enabled(if: modelIsCached(TestPaths.smolLM2)))
struct SmolLM2ReferenceTests {
    @Test func everySentenceLayerAndToken() throws {
        let model = try ModelLoader.load(try Checkpoint.open(TestPaths.smolLM2))
        #expect(model.config.nKVHeads < model.config.nHeads)
        let states = try ReferenceStates(TestPaths.fixture("smollm2-135m-instruct-q4_1/states.safetensors"))
        let worst = try worstErrors(model: model, states: states)
        print("SmolLM2-135M worst relative error: states \(worst.states), logits \(worst.logits)")
    }
}

@Suite("Gemma 3 270M (GGUF Q4_K_M) matches transformers token by token",
       .enabled(if: modelIsCached(TestPaths.gemma3)))
struct Gemma3ReferenceTests {
    @Test func everySentenceLayerAndToken() throws {
        let model = try ModelLoader.load(try Checkpoint.open(TestPaths.gemma3))
        let states = try ReferenceStates(TestPaths.fixture("gemma-3-270m-q4_k_m/states.safetensors"))
        let worst = try worstErrors(model: model, states: states)
        print("Gemma 3 270M worst relative error: states \(worst.states), logits \(worst.logits)")
    }
}
