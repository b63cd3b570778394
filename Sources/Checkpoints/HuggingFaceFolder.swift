// Hugging Face model folders: config.json + weights (safetensors or PyTorch .bin, single or sharded) +
// tokenizer files, mapped onto canonical tensor names.
import Foundation

extension Checkpoint {
    /// Weight files of a folder, in order of preference (safetensors before .bin, an index before a single file).
    enum WeightFiles {
        case shardedSafetensors(URL), safetensors(URL), shardedTorch(URL), torch(URL)
    }

    /// Opens a Hugging Face folder.
    static func openHuggingFaceFolder(_ folder: URL) throws -> Checkpoint {
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw CheckpointError.unreadable(file: folder.path, reason: "not a Hugging Face model folder (no config.json)")
        }
        let json = try HuggingFaceJSON.object(at: configURL)
        let config = try ModelConfig.fromHuggingFace(json, file: configURL.path)

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

        let names = try canonicalNames(store)
        // Gemma's HF RMSNorm computes x̂·(1 + w): the canonical tensor is the multiplier 1 + w.
        let served: any TensorStore
        if config?.architecture == .gemma3 {
            let norms = Set(names.filter { $0.key.hasPrefix("model.") && $0.key.hasSuffix("norm.weight") }.map(\.value))
            served = NormOffsetStore(base: store, offsetNames: norms)
        } else {
            served = store
        }
        var entries: [String: (store: any TensorStore, name: String)] = [:]
        for (canonical, source) in names { entries[canonical] = (served, source) }
        return Checkpoint(url: folder, format: .huggingFaceFolder, config: config, metadata: [:],
                          tokenizerSource: tokenizerSource(in: folder), entries: entries)
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

    /// Canonical name → source name. Multimodal Gemma 3 checkpoints nest the text decoder
    /// (`model.language_model.*` in transformers ≥ 4.52, `language_model.model.*` before); other names
    /// (vision tower, projector) keep their own.
    static func canonicalNames(_ store: any TensorStore) throws -> [String: String] {
        var out: [String: String] = [:]
        for source in store.tensors.keys {
            let canonical = canonicalName(huggingFace: source)
            if let other = out[canonical] {
                throw CheckpointError.malformed(file: store.path, reason: "tensors \(other) and \(source) both map to \(canonical)")
            }
            out[canonical] = source
        }
        return out
    }

    /// The canonical name of a Hugging Face tensor name.
    public static func canonicalName(huggingFace name: String) -> String {
        for (prefix, replacement) in [("model.language_model.", "model."), ("language_model.model.", "model."),
                                      ("language_model.lm_head.", "lm_head.")] where name.hasPrefix(prefix) {
            return replacement + name.dropFirst(prefix.count)
        }
        return name
    }
}

/// Serves `base`'s tensors, adding 1 to the decoded values of `offsetNames` (Gemma's HF norm weights w,
/// applied as 1 + w). `rawBytes` still returns the stored w.
final class NormOffsetStore: TensorStore, @unchecked Sendable {
    let base: any TensorStore
    let offsetNames: Set<String>

    init(base: any TensorStore, offsetNames: Set<String>) {
        self.base = base
        self.offsetNames = offsetNames
    }

    var path: String { base.path }
    var tensors: [String: TensorInfo] { base.tensors }

    func rawBytes(_ name: String, rows: Range<Int>?) throws -> UnsafeRawBufferPointer {
        try base.rawBytes(name, rows: rows)
    }

    func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws {
        try base.decode(name, rows: rows, into: output)
        guard offsetNames.contains(name), let info = base.tensors[name] else { return }
        let count = min(output.count, (rows?.count ?? info.rows) * info.rowLength)
        for i in 0..<count { output[i] += 1 }
    }
}
