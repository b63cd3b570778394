// GGUF files as checkpoints: metadata and tensors under their GGUF names, plus typed access to
// llama.cpp's `{arch}.*` metadata keys (gguf-py `constants.py` `Keys`) whose errors name the key.
import Foundation

extension Checkpoint {
    /// Opens a GGUF file: metadata and tensors under their GGUF names (`blk.0.attn_q.weight` …).
    public static func openGGUF(_ url: URL) throws -> Checkpoint {
        let file = try GGUFFile(url: url)
        var entries: [String: any TensorStore] = [:]
        for name in file.tensorNames { entries[name] = file }
        return Checkpoint(url: url, format: .gguf, huggingFaceConfig: nil, metadata: file.metadata,
                          tokenizerSource: .gguf, entries: entries)
    }

    /// `general.architecture` of a GGUF file (nil for other formats).
    public var ggufArchitecture: String? { metadata["general.architecture"]?.string }
}

/// Typed access to a GGUF file's `{architecture}.{key}` metadata with errors naming the file and key.
public struct GGUFMetadata: Sendable {
    public let path: String
    public let metadata: [String: MetadataValue]
    public let architecture: String

    public init(path: String, metadata: [String: MetadataValue], architecture: String) {
        self.path = path
        self.metadata = metadata
        self.architecture = architecture
    }

    /// More layers than any published model; bounds the per-layer lists built from `block_count`.
    public static let maximumLayers = 1 << 12
    /// Sizes above this are refused so that nothing derived from them (layer lists, products of
    /// heads and head sizes) can overflow or allocate absurdly.
    public static let largestSize = 1 << 24

    /// The value of `{architecture}.{key}`.
    public func value(_ key: String) -> MetadataValue? { metadata["\(architecture).\(key)"] }

    public func bad(_ key: String, _ what: String) -> CheckpointError {
        .badConfig(file: path, reason: "metadata \(architecture).\(key) \(what)")
    }

    public func optionalInt(_ key: String, atMost limit: Int = largestSize) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard let n = v.int, n > 0, n <= limit else { throw bad(key, "must be an integer in 1…\(limit)") }
        return n
    }

    public func int(_ key: String, atMost limit: Int = largestSize) throws -> Int {
        guard let n = try optionalInt(key, atMost: limit) else { throw bad(key, "is missing") }
        return n
    }

    /// A float32 value is read as the shortest decimal that rounds to it (1e-5, not
    /// 9.99999975e-6): the number the converter was given, and the same Float.
    public func optionalDouble(_ key: String) throws -> Double? {
        guard let v = value(key) else { return nil }
        let x: Double?
        if case let .float32(f) = v { x = Double(f.description) ?? Double(f) } else { x = v.double }
        guard let x, x.isFinite, x > 0 else { throw bad(key, "must be a positive number") }
        return x
    }

    public func double(_ key: String) throws -> Double {
        guard let x = try optionalDouble(key) else { throw bad(key, "is missing") }
        return x
    }

    public func optionalBool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else { throw bad(key, "must be a bool") }
        return b
    }

    public func optionalString(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw bad(key, "must be a string") }
        return s
    }

    /// `{arch}.vocab_size`, else the rows of `embeddingRows` (the embedding tensor), else the tokenizer's
    /// token count.
    public func vocabSize(embeddingRows: Int?) throws -> Int {
        if let n = try optionalInt("vocab_size") { return n }
        if let embeddingRows { return embeddingRows }
        if let tokens = metadata["tokenizer.ggml.tokens"]?.array { return tokens.count }
        throw bad("vocab_size", "is missing and there is no embedding tensor or tokenizer.ggml.tokens")
    }
}
