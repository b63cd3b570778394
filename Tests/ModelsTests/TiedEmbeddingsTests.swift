// The output head of tied and untied embeddings: which tensor it reads, and how a missing or misshapen
// head of untied embeddings is refused.
import Checkpoints
import LinearAlgebra
import Models
import Testing

@Suite("The output head is the embeddings when tied and lm_head otherwise")
struct TiedEmbeddingsTests {
    static func logitsByHand(_ weights: InMemoryWeights, head: String, input: [Float], vocabulary: Int) -> [Float] {
        let table = weights.tensors[head]!.values
        let d = input.count
        return (0..<vocabulary).map { v in (0..<d).reduce(Float(0)) { $0 + input[$1] * table[v * d + $1] } }
    }

    @Test func tiedLogitsMultiplyByTheEmbeddings() throws {
        var config = TinyConfigs.llama()
        config.tieWordEmbeddings = true
        let weights = InMemoryWeights.random(config, seed: 5)
        #expect(weights.tensors[CanonicalName.lmHead] == nil)
        #expect(TiedEmbeddings.headTensor(config) == CanonicalName.embedTokens)
        let model = try ModelLoader.load(config: config, weights: weights)
        let input = (0..<config.dModel).map { Float($0 % 5) - 2 }
        let logits = try model.logits(Matrix(rows: 1, cols: config.dModel, storage: input), rows: [0])
        let expected = Self.logitsByHand(weights, head: CanonicalName.embedTokens, input: input, vocabulary: config.vocabSize)
        for (a, b) in zip(logits.storage, expected) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b))) }
    }

    @Test func untiedLogitsMultiplyByTheHead() throws {
        let config = TinyConfigs.llama()
        let weights = InMemoryWeights.random(config, seed: 6)
        #expect(TiedEmbeddings.headTensor(config) == CanonicalName.lmHead)
        let model = try ModelLoader.load(config: config, weights: weights)
        let input = (0..<config.dModel).map { Float($0 % 3) - 1 }
        let logits = try model.logits(Matrix(rows: 1, cols: config.dModel, storage: input), rows: [0])
        let expected = Self.logitsByHand(weights, head: CanonicalName.lmHead, input: input, vocabulary: config.vocabSize)
        for (a, b) in zip(logits.storage, expected) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b))) }
    }

    @Test func aMissingHeadOfUntiedEmbeddingsIsNamedAsMissing() throws {
        let config = TinyConfigs.llama()
        let weights = InMemoryWeights.random(config)
        weights.tensors[CanonicalName.lmHead] = nil
        #expect(throws: CheckpointError.tensorNotFound(file: "<memory>", tensor: CanonicalName.lmHead)) {
            _ = try ModelLoader.load(config: config, weights: weights)
        }
    }

    @Test func aMisshapenHeadIsAShapeMismatch() throws {
        let config = TinyConfigs.llama()
        let weights = InMemoryWeights.random(config)
        weights.tensors[CanonicalName.lmHead] = ([config.vocabSize - 1, config.dModel],
                                                 [Float](repeating: 0, count: (config.vocabSize - 1) * config.dModel))
        #expect(throws: ModelError.shapeMismatch(file: "<memory>", tensor: CanonicalName.lmHead,
                                                 expected: [config.vocabSize, config.dModel],
                                                 found: [config.vocabSize - 1, config.dModel])) {
            _ = try ModelLoader.load(config: config, weights: weights)
        }
    }
}
