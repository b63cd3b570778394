// After opening: the tensors a forward pass needs exist with the shapes the configuration implies.
import Foundation

extension Checkpoint {
    /// Expected canonical shapes for `config` (Hugging Face layout, projections [out, in]).
    public static func expectedShapes(_ config: ModelConfig) -> [String: [Int]] {
        let d = config.dModel, q = config.nHeads * config.headDim, kv = config.nKVHeads * config.headDim
        let f = config.dFFN
        var shapes: [String: [Int]] = [
            CanonicalName.embedTokens: [config.vocabSize, d],
            CanonicalName.finalNorm: [d],
            CanonicalName.lmHead: [config.vocabSize, d],
        ]
        for i in 0..<config.nLayers {
            var layer: [CanonicalName.LayerTensor: [Int]] = [
                .inputNorm: [d], .postAttentionNorm: [d],
                .qProj: [q, d], .kProj: [kv, d], .vProj: [kv, d], .oProj: [d, q],
                .gateProj: [f, d], .upProj: [f, d], .downProj: [d, f],
            ]
            if config.architecture == .gemma3 {
                layer[.qNorm] = [config.headDim]
                layer[.kNorm] = [config.headDim]
                layer[.preFeedforwardNorm] = [d]
                layer[.postFeedforwardNorm] = [d]
            }
            for (suffix, shape) in layer { shapes[CanonicalName.layer(i, suffix)] = shape }
        }
        return shapes
    }

    /// This checkpoint with `lm_head.weight` aliased to the embeddings when they are tied, after checking
    /// every required tensor's presence and shape. Checkpoints without a known architecture pass as they are.
    func validated() throws -> Checkpoint {
        guard let config else { return self }
        let where_ = format == .huggingFaceFolder ? url.appendingPathComponent("config.json").path : url.path
        guard config.nLayers > 0, config.dModel > 0, config.nHeads > 0, config.nKVHeads > 0, config.headDim > 0,
              config.dFFN > 0, config.vocabSize > 0, config.nHeads % config.nKVHeads == 0,
              config.layerKinds.count == config.nLayers else {
            throw CheckpointError.badConfig(file: where_, reason: "sizes are not positive or heads/KV heads/layer kinds are inconsistent")
        }
        var entries = self.entries
        if entries[CanonicalName.lmHead] == nil, config.tieWordEmbeddings, let embed = entries[CanonicalName.embedTokens] {
            entries[CanonicalName.lmHead] = embed
        }
        for (name, expected) in Self.expectedShapes(config).sorted(by: { $0.key < $1.key }) {
            guard let e = entries[name], let info = e.store.tensors[e.name] else {
                throw CheckpointError.tensorNotFound(file: url.path, tensor: name)
            }
            guard info.shape == expected else {
                throw CheckpointError.shapeMismatch(file: url.path, tensor: name, expected: expected, found: info.shape)
            }
        }
        return Checkpoint(url: url, format: format, config: config, metadata: metadata,
                          tokenizerSource: tokenizerSource, entries: entries)
    }
}
