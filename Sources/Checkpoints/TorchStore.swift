// PyTorch `.bin` files written by `torch.save` (the zip format, PyTorch ≥ 1.6): m-LLaMA's release format.
//
// Layout (torch/serialization.py, `_save`): a stored ZIP whose entries live under one folder `<prefix>/`:
// `data.pkl` (the pickled state dict, tensors as persistent-id storage references), `data/<key>` (each
// storage's raw little-endian bytes), `byteorder`, `version`/`.format_version`. A tensor is a view
// `_rebuild_tensor_v2(storage, offset, size, stride)` of its storage.
import Foundation

enum TorchStore {
    /// The pickle is read into memory; real state dicts are a few hundred KB, so this bounds absurd entries.
    static let maxPickleBytes = 256 << 20

    /// Opens one `torch.save` zip: every tensor of its state dict, validated against its storage entry.
    static func open(_ url: URL) throws -> MappedTensorStore {
        let path = url.path
        let archive: ZipArchive
        do {
            archive = try ZipArchive(url)
        } catch CheckpointError.badMagic {
            throw CheckpointError.badMagic(file: path, expected: "PyTorch zip (torch.save)")
        }
        let pickles = archive.entries.filter { $0.name.hasSuffix("/data.pkl") || $0.name == "data.pkl" }
        guard pickles.count == 1, let pickleEntry = pickles.first else {
            throw CheckpointError.malformed(file: path, reason: pickles.isEmpty
                ? "no data.pkl entry (not a torch.save zip, or a legacy pre-1.6 file)"
                : "\(pickles.count) data.pkl entries")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let order = archive.entry(prefix + "byteorder") {
            let bytes = try archive.data(of: order)
            if String(decoding: bytes, as: UTF8.self) != "little" {
                throw CheckpointError.unsupported(file: path, reason: "big-endian tensors (byteorder entry is not \"little\")")
            }
        }
        guard pickleEntry.uncompressedSize <= maxPickleBytes else {
            throw CheckpointError.malformed(file: path, reason: "data.pkl of \(pickleEntry.uncompressedSize) bytes is too large")
        }
        let root = try PickleMachine.run(try archive.data(of: pickleEntry), file: path)
        guard case let .dict(pairs) = root else {
            throw CheckpointError.malformed(file: path, reason: "data.pkl does not hold a state dict")
        }

        var tensors: [String: TensorInfo] = [:]
        var offsets: [String: Int] = [:]
        for (key, value) in pairs {
            guard case let .string(name) = key else {
                throw CheckpointError.malformed(file: path, reason: "state dict key is not a string")
            }
            guard case let .tensor(t) = value else {
                throw CheckpointError.unsupported(file: path, reason: "state dict entry \(name) is not a tensor")
            }
            guard let elements = SafetensorsStore.elementCount(t.shape),
                  let bytes = t.dtype.byteCount(elements: elements) else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name) has an absurd shape \(t.shape)")
            }
            guard isContiguous(shape: t.shape, stride: t.stride) else {
                throw CheckpointError.unsupported(file: path, reason: "tensor \(name) is not contiguous (shape \(t.shape), stride \(t.stride)); save it with .contiguous()")
            }
            let (_, elementBytes) = t.dtype.blockLayout
            guard t.storageOffset <= t.storageElements, elements <= t.storageElements - t.storageOffset else {
                throw CheckpointError.malformed(file: path, reason: "tensor \(name) reaches past the end of its storage \(t.storageKey)")
            }
            guard let entry = archive.entry(prefix + "data/" + t.storageKey) else {
                throw CheckpointError.malformed(file: path, reason: "storage \(t.storageKey) of tensor \(name) has no data entry")
            }
            let (storageBytes, overflow) = t.storageElements.multipliedReportingOverflow(by: elementBytes)
            guard !overflow, entry.uncompressedSize >= storageBytes else {
                throw CheckpointError.truncated(file: path, needed: storageBytes, size: entry.uncompressedSize)
            }
            let start = try archive.dataOffset(of: entry)
            tensors[name] = TensorInfo(name: name, dtype: t.dtype, shape: t.shape, byteCount: bytes)
            offsets[name] = start + t.storageOffset * elementBytes
        }
        return MappedTensorStore(file: archive.file, tensors: tensors, offsets: offsets)
    }

    /// Row-major (C order) strides; dimensions of size 1 may carry any stride.
    static func isContiguous(shape: [Int], stride: [Int]) -> Bool {
        guard shape.count == stride.count else { return false }
        if shape.contains(0) { return true }
        var expected = 1
        for (d, s) in zip(shape, stride).reversed() {
            if d != 1, s != expected { return false }
            expected *= d
        }
        return true
    }
}
