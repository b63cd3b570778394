// Hugging Face model folders: config.json + weights (safetensors or PyTorch .bin, single or sharded) +
// tokenizer files. What the names mean is the family's business (Models).
import Foundation

extension Checkpoint {
    /// Weight files of a folder, in order of preference (safetensors before .bin, an index before a single file).
    enum WeightFiles {
        case shardedSafetensors(URL), safetensors(URL), shardedTorch(URL), torch(URL)
    }

    /// Opens a Hugging Face folder: its config.json (read, not interpreted), its weights under their
    /// stored names and its tokenizer files.
    static func openHuggingFaceFolder(_ folder: URL) throws -> Checkpoint {
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw CheckpointError.unreadable(file: folder.path, reason: "not a Hugging Face model folder (no config.json)")
        }
        let config = HuggingFaceConfig(json: try HuggingFaceJSON.object(at: configURL), path: configURL.path)

        let store: any TensorStore
        switch try weightFiles(in: folder) {
        case let .shardedSafetensors(index):
            store = try ShardedTensorStore.open(index: index) { try SafetensorsStore.open($0) }
        case let .safetensors(url):
            store = try SafetensorsStore.open(url)
        case let .shardedTorch(index):
            store = try ShardedTensorStore.open(index: index) { try TorchStore.open($0) }
        case let .torch(url):
            store = try TorchStore.open(url)
        }
        return Checkpoint(url: folder, format: .huggingFaceFolder, huggingFaceConfig: config, metadata: [:],
                          tokenizerSource: tokenizerSource(in: folder), entries: store.tensors.mapValues { _ in store })
    }

    static func weightFiles(in folder: URL) throws -> WeightFiles {
        let fm = FileManager.default
        func file(_ name: String) -> URL? {
            let url = folder.appendingPathComponent(name)
            return fm.fileExists(atPath: url.path) ? url : nil
        }
        if let url = file("model.safetensors.index.json") { return .shardedSafetensors(url) }
        if let url = file("model.safetensors") { return .safetensors(url) }
        if let url = file("pytorch_model.bin.index.json") { return .shardedTorch(url) }
        if let url = file("pytorch_model.bin") { return .torch(url) }
        throw CheckpointError.unreadable(file: folder.path, reason: "no weights (model.safetensors[.index.json] or pytorch_model.bin[.index.json])")
    }

    static func tokenizerSource(in folder: URL) -> TokenizerSource {
        let fm = FileManager.default
        let model = folder.appendingPathComponent("tokenizer.model")
        if fm.fileExists(atPath: model.path) { return .sentencePiece(model: model, folder: folder) }
        let json = folder.appendingPathComponent("tokenizer.json")
        if fm.fileExists(atPath: json.path) { return .huggingFaceJSON(json, folder: folder) }
        return .none
    }
}
