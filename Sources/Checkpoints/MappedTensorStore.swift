// Tensors stored contiguously at known offsets of one memory-mapped file (safetensors, PyTorch zip entries).
import Foundation

/// A `TensorStore` over one mapped file where each tensor is a contiguous, row-major run of plain
/// elements at a validated byte offset. Reading rows touches only those rows' pages.
final class MappedTensorStore: TensorStore, @unchecked Sendable {
    let path: String
    let file: MappedFile
    let tensors: [String: TensorInfo]
    /// Absolute byte offset of each tensor's first element; `offset + byteCount ≤ file.count` was checked.
    private let offsets: [String: Int]

    init(file: MappedFile, tensors: [String: TensorInfo], offsets: [String: Int]) {
        self.path = file.url.path
        self.file = file
        self.tensors = tensors
        self.offsets = offsets
    }

    func rawBytes(_ name: String, rows: Range<Int>?) throws -> UnsafeRawBufferPointer {
        guard let info = tensors[name], let offset = offsets[name] else {
            throw CheckpointError.tensorNotFound(file: path, tensor: name)
        }
        guard let rows else { return try file.bytes(at: offset, count: info.byteCount) }
        guard rows.lowerBound >= 0, rows.upperBound <= info.rows else {
            throw CheckpointError.malformed(file: path, reason: "rows \(rows) of \(name) are outside 0..<\(info.rows)")
        }
        guard let rowBytes = info.dtype.byteCount(elements: info.rowLength) else {
            throw CheckpointError.malformed(file: path, reason: "rows of \(name) are not whole blocks of \(info.dtype.rawValue)")
        }
        return try file.bytes(at: offset + rows.lowerBound * rowBytes, count: rows.count * rowBytes)
    }

    func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws {
        guard let info = tensors[name] else { throw CheckpointError.tensorNotFound(file: path, tensor: name) }
        let count = (rows?.count ?? info.rows) * info.rowLength
        guard output.count >= count, let dst = output.baseAddress else {
            if count == 0 { return }
            throw CheckpointError.malformed(file: path, reason: "output buffer of \(output.count) floats is too small for \(count) elements of \(name)")
        }
        let src = try rawBytes(name, rows: rows)
        try ElementDecoder.decode(info.dtype, src, count: count, into: dst)
    }
}

/// A `TensorStore` over the shards of one checkpoint, as listed by a Hugging Face
/// `*.index.json` (`{"weight_map": {tensor: shard file}}`); each name is served by its shard.
final class ShardedTensorStore: TensorStore, @unchecked Sendable {
    let path: String
    let tensors: [String: TensorInfo]
    private let owner: [String: any TensorStore]

    init(path: String, shards: [any TensorStore]) throws {
        self.path = path
        var tensors: [String: TensorInfo] = [:]
        var owner: [String: any TensorStore] = [:]
        for shard in shards {
            for (name, info) in shard.tensors {
                guard owner[name] == nil else {
                    throw CheckpointError.malformed(file: path, reason: "tensor \(name) appears in two shards")
                }
                tensors[name] = info
                owner[name] = shard
            }
        }
        self.tensors = tensors
        self.owner = owner
    }

    func rawBytes(_ name: String, rows: Range<Int>?) throws -> UnsafeRawBufferPointer {
        guard let store = owner[name] else { throw CheckpointError.tensorNotFound(file: path, tensor: name) }
        return try store.rawBytes(name, rows: rows)
    }

    func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws {
        guard let store = owner[name] else { throw CheckpointError.tensorNotFound(file: path, tensor: name) }
        try store.decode(name, rows: rows, into: output)
    }

    /// Opens the shards named by the index at `indexURL`, each with `openShard`.
    /// A shard named but absent → `missingShard`; a tensor the index maps to a shard that lacks it →
    /// `tensorNotFound` naming the shard.
    static func open(index indexURL: URL, openShard: (URL) throws -> any TensorStore) throws -> ShardedTensorStore {
        let path = indexURL.path
        let json = try HuggingFaceJSON.object(at: indexURL)
        guard let map = json["weight_map"] as? [String: Any] else {
            throw CheckpointError.malformed(file: path, reason: "no \"weight_map\" object")
        }
        var byShard: [String: [String]] = [:]
        for (tensor, shard) in map {
            guard let shard = shard as? String, !shard.isEmpty, !shard.contains("/"), shard != ".", shard != ".." else {
                throw CheckpointError.malformed(file: path, reason: "weight_map entry for \(tensor) is not a shard file name")
            }
            byShard[shard, default: []].append(tensor)
        }
        let folder = indexURL.deletingLastPathComponent()
        var shards: [any TensorStore] = []
        for (shard, names) in byShard.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(shard)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw CheckpointError.missingShard(index: path, shard: shard)
            }
            let store = try openShard(url)
            for name in names where store.tensors[name] == nil {
                throw CheckpointError.tensorNotFound(file: url.path, tensor: name)
            }
            shards.append(store)
        }
        return try ShardedTensorStore(path: path, shards: shards)
    }
}
