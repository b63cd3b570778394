// One checkpoint abstraction over a Hugging Face folder, a safetensors file or a GGUF file.
import Foundation

/// A model checkpoint opened for reading: configuration, tokenizer sources and tensors by canonical name.
/// Weights stay memory-mapped in their stored dtype; `decode` converts a tensor (or some of its rows)
/// to Float into the caller's buffer.
///
public final class Checkpoint: @unchecked Sendable {
    public enum Format: String, Sendable {
        case huggingFaceFolder = "hf-folder", safetensors, gguf
        /// A single `torch.save` zip (`pytorch_model.bin`) opened on its own.
        case pytorch
    }

    /// What the tokenizer can be built from.
    public enum TokenizerSource: Sendable {
        /// A SentencePiece `tokenizer.model`, plus HF's `added_tokens.json` / `tokenizer_config.json` /
        /// `special_tokens_map.json` when present in the same folder.
        case sentencePiece(model: URL, folder: URL)
        /// A Hugging Face `tokenizer.json` (and its folder's configs).
        case huggingFaceJSON(URL, folder: URL)
        /// GGUF metadata (`tokenizer.ggml.*`).
        case gguf
        case none
    }

    public let url: URL
    public let format: Format
    /// nil when the architecture is not one Interlingua runs (inspect still lists tensors).
    public let config: ModelConfig?
    /// GGUF metadata (empty for other formats).
    public let metadata: [String: MetadataValue]
    public let tokenizerSource: TokenizerSource
    /// Canonical name → (store, name in that store).
    let entries: [String: (store: any TensorStore, name: String)]

    init(url: URL, format: Format, config: ModelConfig?, metadata: [String: MetadataValue],
         tokenizerSource: TokenizerSource, entries: [String: (store: any TensorStore, name: String)]) {
        self.url = url
        self.format = format
        self.config = config
        self.metadata = metadata
        self.tokenizerSource = tokenizerSource
        self.entries = entries
    }

    /// Opens a `.gguf` file, a `.safetensors` file, a PyTorch `.bin` (torch.save zip) or a Hugging Face
    /// folder. Files are recognised by their magic (`GGUF`, `PK\3\4`), else by extension. When the
    /// architecture is known the checkpoint is validated: every tensor a forward pass needs is present with
    /// the shape the configuration implies (`tensorNotFound` / `shapeMismatch`), and tied embeddings serve
    /// `lm_head.weight` from `model.embed_tokens.weight`.
    public static func open(_ url: URL) throws -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CheckpointError.unreadable(file: url.path, reason: "no such file or folder")
        }
        let opened: Checkpoint
        if isDirectory.boolValue {
            opened = try openHuggingFaceFolder(url)
        } else {
            let file = try MappedFile(url)
            let magic = file.count >= 4 ? Array(try file.bytes(at: 0, count: 4)) : []
            let ext = url.pathExtension.lowercased()
            if magic == Array("GGUF".utf8) || ext == "gguf" {
                opened = try openGGUF(url)
            } else if magic == [0x50, 0x4B, 0x03, 0x04] || ext == "bin" || ext == "pt" || ext == "pth" {
                opened = try single(url, format: .pytorch, store: TorchStore.open(url))
            } else if ext == "safetensors" {
                opened = try single(url, format: .safetensors, store: SafetensorsStore.open(url))
            } else {
                throw CheckpointError.unsupported(file: url.path, reason: "not a GGUF, safetensors or PyTorch zip file, nor a folder")
            }
        }
        return try opened.validated()
    }

    /// A lone weights file: tensors under their own (canonicalised) names, no configuration.
    private static func single(_ url: URL, format: Format, store: any TensorStore) throws -> Checkpoint {
        var entries: [String: (store: any TensorStore, name: String)] = [:]
        for (canonical, source) in try canonicalNames(store) { entries[canonical] = (store, source) }
        return Checkpoint(url: url, format: format, config: nil, metadata: [:], tokenizerSource: .none, entries: entries)
    }

    /// The canonical name for `name`, given either canonically or as the container's own name.
    public func canonicalName(for name: String) -> String? {
        if entries[name] != nil { return name }
        return entries.first { $0.value.name == name }?.key
    }

    /// The name a canonical tensor has in its container (e.g. `blk.0.attn_q.weight` in GGUF).
    public func sourceName(of name: String) -> String? { entries[name]?.name }

    /// Canonical names of all tensors, sorted.
    public var tensorNames: [String] { entries.keys.sorted() }

    /// The tensor's description (shape in canonical layout).
    public func info(_ name: String) throws -> TensorInfo {
        guard let e = entries[name], let info = e.store.tensors[e.name] else {
            throw CheckpointError.tensorNotFound(file: url.path, tensor: name)
        }
        return info
    }

    /// Decodes rows `rows` (outermost dimension; all when nil) of the canonical tensor `name` to Float into
    /// `output`, applying the canonical conventions (see `CanonicalName`).
    public func decode(_ name: String, rows: Range<Int>? = nil, into output: UnsafeMutableBufferPointer<Float>) throws {
        guard let e = entries[name] else { throw CheckpointError.tensorNotFound(file: url.path, tensor: name) }
        try e.store.decode(e.name, rows: rows, into: output)
        if let raw = try? e.store.rawBytes(e.name, rows: rows), raw.count >= MappedFile.releaseThreshold {
            MappedFile.release(raw)
        }
    }

    /// Decodes the whole canonical tensor `name` into a new array (for inspection and tests; forward
    /// passes decode into reusable buffers with `decode(_:rows:into:)`).
    public func decodeAll(_ name: String) throws -> [Float] {
        let info = try self.info(name)
        guard info.byteCount <= 16 << 30 else {
            throw CheckpointError.unsupported(file: url.path, reason: "tensor \(name) is too large to decode at once")
        }
        var out = [Float](repeating: 0, count: info.elementCount)
        try out.withUnsafeMutableBufferPointer { try decode(name, into: $0) }
        return out
    }
}

/// A GGUF metadata value (every GGUF value type; arrays may nest).
public enum MetadataValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    case array([MetadataValue])

    /// Integer value of any integer case.
    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// Floating value of a float or integer case.
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return int.map(Double.init)
        }
    }

    public var string: String? { if case let .string(s) = self { return s } else { return nil } }
    public var bool: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    public var array: [MetadataValue]? { if case let .array(a) = self { return a } else { return nil } }
}
