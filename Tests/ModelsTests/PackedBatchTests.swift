// Packing sentences must not change any sentence's states; causality must hold within a sentence.
import Checkpoints
import LinearAlgebra
import Models
import Testing

func runAllLayers(_ model: any DecoderModel, _ batch: PackedBatch) throws -> [Matrix<Float>] {
    var hidden = try model.embed(batch)
    var states = [hidden]
    for layer in 0..<model.config.nLayers {
        try model.applyBlock(layer, to: &hidden, batch: batch, captureSubLayers: false)
        states.append(hidden)
    }
    states.append(try model.applyFinalNorm(hidden))
    return states
}

@Suite("A packed batch gives every sentence the states it has alone")
struct PackedBatchTests {
    static let sentences: [[Int32]] = [[1, 7, 9, 3, 4], [1, 22, 5], [1, 8, 8, 8, 30, 31, 2]]

    @Test(arguments: [TinyConfigs.llama(), TinyConfigs.llama(kvHeads: 4), TinyConfigs.gemma3()])
    func packedEqualsAlone(config: ModelConfig) throws {
        let model = try ModelLoader.load(config: config, weights: InMemoryWeights.random(config))
        var tokens: [Int32] = [], ranges: [Range<Int>] = []
        for s in Self.sentences { ranges.append(tokens.count..<(tokens.count + s.count)); tokens += s }
        let packed = try runAllLayers(model, PackedBatch(tokens: tokens, sequences: ranges))
        for (s, range) in zip(Self.sentences, ranges) {
            let alone = try runAllLayers(model, PackedBatch(tokens: s, sequences: [0..<s.count]))
            for (p, a) in zip(packed, alone) {
                let err = worstRowRelativeError(p.rows(range).storage, a.storage, cols: config.dModel)
                #expect(err < 1e-6)
            }
        }
    }

    @Test(arguments: [TinyConfigs.llama(), TinyConfigs.gemma3()])
    func laterTokensDoNotChangeEarlierStates(config: ModelConfig) throws {
        let model = try ModelLoader.load(config: config, weights: InMemoryWeights.random(config, seed: 7))
        let long: [Int32] = [1, 4, 9, 16, 25, 36]
        let full = try runAllLayers(model, PackedBatch(tokens: long, sequences: [0..<6]))
        let prefix = try runAllLayers(model, PackedBatch(tokens: Array(long[0..<3]), sequences: [0..<3]))
        for (f, p) in zip(full, prefix) {
            #expect(worstRowRelativeError(f.rows(0..<3).storage, p.storage, cols: config.dModel) < 1e-6)
        }
        // …while the last token's final state does depend on an earlier token.
        let changed = try runAllLayers(model, PackedBatch(tokens: [1, 5, 9, 16, 25, 36], sequences: [0..<6]))
        #expect(worstRowRelativeError(changed.last!.rows(5..<6).storage, full.last!.rows(5..<6).storage,
                                      cols: config.dModel) > 1e-4)
    }

    @Test func slidingLayerHidesTokensBeyondTheWindow() throws {
        // Layer 0 slides with window 3: token 5 sees tokens 3, 4, 5 only, so changing token 1 leaves its
        // state after block 0 unchanged; layer 1 is global and sees the change.
        let config = TinyConfigs.gemma3(window: 3)
        let model = try ModelLoader.load(config: config, weights: InMemoryWeights.random(config, seed: 3))
        let a = try runAllLayers(model, PackedBatch(tokens: [1, 4, 9, 16, 25, 36], sequences: [0..<6]))
        let b = try runAllLayers(model, PackedBatch(tokens: [1, 5, 9, 16, 25, 36], sequences: [0..<6]))
        #expect(a[1].rows(5..<6) == b[1].rows(5..<6))
        #expect(worstRowRelativeError(a[1].rows(3..<4).storage, b[1].rows(3..<4).storage, cols: config.dModel) > 1e-4)
        #expect(worstRowRelativeError(a[2].rows(5..<6).storage, b[2].rows(5..<6).storage, cols: config.dModel) > 1e-4)
    }

    @Test func subLayerOutputsSumToTheBlocksChange() throws {
        let config = TinyConfigs.gemma3()
        let model = try ModelLoader.load(config: config, weights: InMemoryWeights.random(config))
        let batch = PackedBatch(tokens: [1, 2, 3, 4], sequences: [0..<4])
        let before = try model.embed(batch)
        var after = before
        let parts = try #require(try model.applyBlock(0, to: &after, batch: batch, captureSubLayers: true))
        for i in 0..<before.storage.count {
            let change = after.storage[i] - before.storage[i]
            #expect(abs(change - parts.attention.storage[i] - parts.mlp.storage[i]) < 1e-4)
        }
    }
}

@Suite("Inputs a model cannot run are refused with a clear error")
struct ModelInputErrorTests {
    @Test func tokenOutsideTheVocabulary() throws {
        let config = TinyConfigs.llama()
        let model = try ModelLoader.load(config: config, weights: InMemoryWeights.random(config))
        #expect(throws: ModelError.tokenOutOfRange(file: "<memory>", token: 50, vocabulary: 50)) {
            try model.embed(PackedBatch(tokens: [1, 50], sequences: [0..<2]))
        }
    }

    @Test func sentenceOutsideThePackedTokens() throws {
        let config = TinyConfigs.llama()
        let model = try ModelLoader.load(config: config, weights: InMemoryWeights.random(config))
        #expect(throws: ModelError.self) { try model.embed(PackedBatch(tokens: [1, 2], sequences: [0..<3])) }
    }

    @Test func hiddenStatesOfTheWrongShapeOrALayerBeyondTheModel() throws {
        let config = TinyConfigs.gemma3()
        let model = try ModelLoader.load(config: config, weights: InMemoryWeights.random(config))
        let batch = PackedBatch(tokens: [1, 2, 3], sequences: [0..<3])
        var wrong = Matrix<Float>(rows: 2, cols: config.dModel)
        #expect(throws: ModelError.self) { try model.applyBlock(0, to: &wrong, batch: batch, captureSubLayers: false) }
        var hidden = try model.embed(batch)
        #expect(throws: ModelError.layerOutOfRange(layer: 2, layers: 2)) {
            try model.applyBlock(2, to: &hidden, batch: batch, captureSubLayers: false)
        }
    }

    @Test func tensorShapeDisagreeingWithTheConfig() throws {
        let config = TinyConfigs.llama()
        let weights = InMemoryWeights.random(config)
        weights.tensors[CanonicalName.layer(1, .kProj)] = ([6, 16], [Float](repeating: 0, count: 96))
        #expect(throws: ModelError.shapeMismatch(file: "<memory>", tensor: "model.layers.1.self_attn.k_proj.weight",
                                                 expected: [12, 16], found: [6, 16])) {
            try ModelLoader.load(config: config, weights: weights)
        }
    }

    @Test func headsNotAMultipleOfKeyValueHeads() throws {
        let config = TinyConfigs.llama(kvHeads: 3)
        #expect(throws: ModelError.self) { try ModelLoader.load(config: config, weights: InMemoryWeights.random(config)) }
    }
}
