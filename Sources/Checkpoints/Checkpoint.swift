// One checkpoint abstraction over a Hugging Face folder, a safetensors file or a GGUF file.
import Foundation

/// A model checkpoint opened for reading, family-agnostic: the raw configuration (a Hugging Face folder's
/// config.json, a GGUF file's metadata), the tokenizer source and the tensors under their stored names.
/// Which family a checkpoint is, and what its keys and tensors mean, is the Models module's business
/// (`ModelCheckpoint`, the family files). Weights stay memory-mapped in their stored dtype; `decode`
/// converts a tensor (or some of its rows) to Float into the caller's buffer.
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
    /// A Hugging Face folder's config.json (nil for other formats).
    public let huggingFaceConfig: HuggingFaceConfig?
    /// GGUF metadata (empty for other formats).
    public let metadata: [String: MetadataValue]
    public let tokenizerSource: TokenizerSource
    /// Stored name → the store holding it.
    let entries: [String: any TensorStore]

    init(url: URL, format: Format, huggingFaceConfig: HuggingFaceConfig?, metadata: [String: MetadataValue],
         tokenizerSource: TokenizerSource, entries: [String: any TensorStore]) {
        self.url = url
        self.format = format
        self.huggingFaceConfig = huggingFaceConfig
        self.metadata = metadata
        self.tokenizerSource = tokenizerSource
        self.entries = entries
    }

    /// Opens a `.gguf` file, a `.safetensors` file, a PyTorch `.bin` (torch.save zip) or a Hugging Face
    /// folder. Files are recognised by their magic (`GGUF`, `PK\3\4`), else by extension.
    public static func open(_ url: URL) throws -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CheckpointError.unreadable(file: url.path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            return try openHuggingFaceFolder(url)
        } else {
            let file = try MappedFile(url)
            let magic = file.count >= 4 ? Array(try file.bytes(at: 0, count: 4)) : []
            let ext = url.pathExtension.lowercased()
            if magic == Array("GGUF".utf8) || ext == "gguf" {
                return try openGGUF(url)
            } else if magic == [0x50, 0x4B, 0x03, 0x04] || ext == "bin" || ext == "pt" || ext == "pth" {
                return single(url, format: .pytorch, store: try TorchStore.open(url))
            } else if ext == "safetensors" {
                return single(url, format: .safetensors, store: try SafetensorsStore.open(url))
            } else {
                throw CheckpointError.unsupported(file: url.path, reason: "not a GGUF, safetensors or PyTorch zip file, nor a folder")
            }
        }
    }

    /// A lone weights file: tensors under their own names, no configuration.
    private static func single(_ url: URL, format: Format, store: any TensorStore) -> Checkpoint {
        Checkpoint(url: url, format: format, huggingFaceConfig: nil, metadata: [:], tokenizerSource: .none,
                   entries: store.tensors.mapValues { _ in store })
    }

    /// Stored names of all tensors, sorted.
    public var tensorNames: [String] { entries.keys.sorted() }

    /// Whether the checkpoint stores a tensor named `name`.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The stored tensor's description.
    public func info(_ name: String) throws -> TensorInfo {
        guard let store = entries[name], let info = store.tensors[name] else {
            throw CheckpointError.tensorNotFound(file: url.path, tensor: name)
        }
        return info
    }

    /// The stored bytes of rows `rows` of `name`, in place in the memory map.
    public func rawBytes(_ name: String, rows: Range<Int>? = nil) throws -> UnsafeRawBufferPointer {
        guard let store = entries[name] else { throw CheckpointError.tensorNotFound(file: url.path, tensor: name) }
        return try store.rawBytes(name, rows: rows)
    }

    /// Decodes rows `rows` (outermost dimension; all when nil) of the stored tensor `name` to Float into
    /// `output`. A large tensor's mapped pages are given back afterwards.
    public func decode(_ name: String, rows: Range<Int>? = nil, into output: UnsafeMutableBufferPointer<Float>) throws {
        guard let store = entries[name] else { throw CheckpointError.tensorNotFound(file: url.path, tensor: name) }
        try store.decode(name, rows: rows, into: output)
        if let raw = try? store.rawBytes(name, rows: rows), raw.count >= MappedFile.releaseThreshold {
            MappedFile.release(raw)
        }
    }

    /// Decodes the whole stored tensor `name` into a new array (for inspection and tests; forward
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
