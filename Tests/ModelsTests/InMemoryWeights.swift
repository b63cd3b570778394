// Hand-built weights for tests: named Float tensors in memory, served through the public WeightSource.
import Checkpoints
import Models
import TestSupport

final class InMemoryWeights: WeightSource {
    var tensors: [String: (shape: [Int], values: [Float])] = [:]
    var sourcePath: String { "<memory>" }

    func info(_ name: String) throws -> TensorInfo {
        guard let t = tensors[name] else { throw CheckpointError.tensorNotFound(file: sourcePath, tensor: name) }
        return TensorInfo(name: name, dtype: .f32, shape: t.shape, byteCount: 4 * t.values.count)
    }

    func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws {
        guard let t = tensors[name] else { throw CheckpointError.tensorNotFound(file: sourcePath, tensor: name) }
        let rowLength = t.shape.count <= 1 ? 1 : t.shape.dropFirst().reduce(1, *)
        let range = rows ?? 0..<(t.shape.first ?? 1)
        let slice = t.values[(range.lowerBound * rowLength)..<(range.upperBound * rowLength)]
        guard slice.count == output.count else {
            throw CheckpointError.malformed(file: sourcePath, reason: "\(name): \(slice.count) values for a buffer of \(output.count)")
        }
        for (i, v) in slice.enumerated() { output[i] = v }
    }

    /// A random model of `config`'s shapes (weights uniform in ±scale, norm weights around 1).
    static func random(_ config: ModelConfig, seed: UInt64 = 1) -> InMemoryWeights {
        var rng = SeededGenerator(seed: seed)
        let w = InMemoryWeights()
        func put(_ name: String, _ shape: [Int], scale: Float = 0.2, around: Float = 0) {
            let n = shape.reduce(1, *)
            w.tensors[name] = (shape, (0..<n).map { _ in around + scale * (2 * rng.nextFloat() - 1) })
        }
        let d = config.dModel, hd = config.headDim, ffn = config.dFFN
        put(CanonicalName.embedTokens, [config.vocabSize, d], scale: 1)
        put(CanonicalName.finalNorm, [d], around: 1)
        if !config.tieWordEmbeddings { put(CanonicalName.lmHead, [config.vocabSize, d]) }
        for l in 0..<config.nLayers {
            func layer(_ t: CanonicalName.LayerTensor, _ shape: [Int], around: Float = 0) {
                put(CanonicalName.layer(l, t), shape, around: around)
            }
            layer(.inputNorm, [d], around: 1)
            layer(.postAttentionNorm, [d], around: 1)
            layer(.qProj, [config.nHeads * hd, d])
            layer(.kProj, [config.nKVHeads * hd, d])
            layer(.vProj, [config.nKVHeads * hd, d])
            layer(.oProj, [d, config.nHeads * hd])
            layer(.gateProj, [ffn, d])
            layer(.upProj, [ffn, d])
            layer(.downProj, [d, ffn])
            if config.architecture == .gemma3 {
                layer(.qNorm, [hd], around: 1)
                layer(.kNorm, [hd], around: 1)
                layer(.preFeedforwardNorm, [d], around: 1)
                layer(.postFeedforwardNorm, [d], around: 1)
            }
        }
        return w
    }
}


/// Small configurations with the features under test.
enum TinyConfigs {
    static func llama(kvHeads: Int = 2) -> ModelConfig {
        ModelConfig(architecture: .llama, nLayers: 2, dModel: 16, nHeads: 4, nKVHeads: kvHeads, headDim: 6,
                    dFFN: 24, vocabSize: 50, ropeTheta: 10_000, normEps: 1e-5, contextLength: 128,
                    tieWordEmbeddings: false, activation: .silu)
    }

    static func gemma3(window: Int = 3) -> ModelConfig {
        ModelConfig(architecture: .gemma3, nLayers: 2, dModel: 16, nHeads: 2, nKVHeads: 1, headDim: 8,
                    dFFN: 24, vocabSize: 50, ropeTheta: 1_000_000, normEps: 1e-6, contextLength: 128,
                    tieWordEmbeddings: true, activation: .geluTanh, ropeLocalTheta: 10_000, slidingWindow: window,
                    layerKinds: [.sliding, .full], queryPreAttnScalar: 8)
    }
}
