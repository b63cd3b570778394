// A checkpoint interpreted by its family: the configuration, and the tensors under canonical names with
// the family's conventions applied. Every stored tensor is read by the forward pass or skipped for a
// reason the family gives; any other tensor refuses the checkpoint.
import Checkpoints
import Foundation

/// A `Checkpoint` resolved through `FamilyRegistry`: which family, its `ModelConfig`, and its weights
/// served under canonical names (a `WeightSource`).
public final class ModelCheckpoint: WeightSource, @unchecked Sendable {
    public let checkpoint: Checkpoint
    public let family: any ModelFamily.Type
    public let config: ModelConfig
    /// Stored tensors the forward pass does not read, with the family's reason, sorted by name.
    public let skipped: [(name: String, reason: String)]
    /// Canonical name → stored name and the transform to the canonical convention.
    private let entries: [String: (stored: String, transform: TensorTransform)]

    /// Opens `url` (any format `Checkpoint.open` reads) and resolves its family.
    public static func open(_ url: URL) throws -> ModelCheckpoint {
        try ModelCheckpoint(try Checkpoint.open(url))
    }

    /// Resolves the family of `checkpoint`, reads its configuration and checks every tensor: each spec's
    /// tensor exists with its shape (`tensorNotFound` / `shapeMismatch`), and each stored tensor is read
    /// or skippable (`unusedTensor`).
    public init(_ checkpoint: Checkpoint) throws {
        self.checkpoint = checkpoint
        let family = try FamilyRegistry.family(of: checkpoint)
        self.family = family
        let config: ModelConfig
        let configFile: String
        switch checkpoint.format {
        case .huggingFaceFolder:
            guard let json = checkpoint.huggingFaceConfig else {
                throw ModelError.unsupportedArchitecture(file: checkpoint.url.path, reason: "no config.json")
            }
            config = try family.configuration(huggingFace: json)
            configFile = json.path
        case .gguf:
            let metadata = GGUFMetadata(path: checkpoint.url.path, metadata: checkpoint.metadata,
                                        architecture: checkpoint.ggufArchitecture ?? "")
            config = try family.configuration(gguf: metadata, checkpoint: checkpoint)
            configFile = checkpoint.url.path
        case .safetensors, .pytorch:
            throw ModelError.unsupportedArchitecture(
                file: checkpoint.url.path, reason: "a lone weights file has no configuration (open its Hugging Face folder)")
        }
        try DecoderCore.validate(config, file: configFile)
        self.config = config

        let file = checkpoint.url.path
        let gguf = checkpoint.format == .gguf
        var entries: [String: (stored: String, transform: TensorTransform)] = [:]
        var claimed = Set<String>()
        for spec in family.tensors(config) {
            let candidates = gguf ? (spec.gguf.map { [$0] } ?? []) : family.huggingFaceNames(spec)
            guard let stored = candidates.first(where: { checkpoint.contains($0) }) else {
                if spec.optional { continue }
                throw CheckpointError.tensorNotFound(file: file, tensor: candidates.first ?? spec.canonical)
            }
            let found = try checkpoint.info(stored).shape
            guard found == spec.shape || Self.sameVector(found, spec.shape) else {
                throw ModelError.shapeMismatch(file: file, tensor: stored, expected: spec.shape, found: found)
            }
            entries[spec.canonical] = (stored, gguf ? spec.ggufTransform : spec.huggingFaceTransform)
            claimed.insert(stored)
        }
        TiedEmbeddings.aliasHead(&entries, config: config)
        var skipped: [(name: String, reason: String)] = []
        for name in checkpoint.tensorNames where !claimed.contains(name) {
            guard let reason = family.skipReason(name, config: config, format: checkpoint.format) else {
                throw ModelError.unusedTensor(file: file, tensor: name, family: family.architecture.rawValue)
            }
            skipped.append((name, reason))
        }
        self.skipped = skipped
        self.entries = entries
    }

    /// A [n] vector stored as [1, n] or [n, 1] by some writers: only the element order matters.
    private static func sameVector(_ found: [Int], _ expected: [Int]) -> Bool {
        expected.count == 1 && found.count == 2 && found.contains(1) && found.reduce(1, *) == expected[0]
    }

    public var url: URL { checkpoint.url }
    public var format: Checkpoint.Format { checkpoint.format }
    public var metadata: [String: MetadataValue] { checkpoint.metadata }
    public var tokenizerSource: Checkpoint.TokenizerSource { checkpoint.tokenizerSource }
    public var sourcePath: String { checkpoint.url.path }

    /// Canonical names of the tensors the forward pass reads (a tied `lm_head.weight` included), sorted.
    public var tensorNames: [String] { entries.keys.sorted() }

    /// The canonical name for `name`, given either canonically or as the container's own name.
    public func canonicalName(for name: String) -> String? {
        if entries[name] != nil { return name }
        return entries.filter { $0.value.stored == name }.keys.sorted().first
    }

    /// The name a canonical tensor has in its container (e.g. `blk.0.attn_q.weight` in GGUF).
    public func sourceName(of name: String) -> String? { entries[name]?.stored }

    public func info(_ name: String) throws -> TensorInfo {
        guard let e = entries[name] else { throw CheckpointError.tensorNotFound(file: sourcePath, tensor: name) }
        return try checkpoint.info(e.stored)
    }

    public func decode(_ name: String, rows: Range<Int>? = nil, into output: UnsafeMutableBufferPointer<Float>) throws {
        guard let e = entries[name] else { throw CheckpointError.tensorNotFound(file: sourcePath, tensor: name) }
        switch e.transform {
        case .none:
            try checkpoint.decode(e.stored, rows: rows, into: output)
        case .addOne:
            try checkpoint.decode(e.stored, rows: rows, into: output)
            let info = try checkpoint.info(e.stored)
            let count = min(output.count, (rows?.count ?? info.rows) * info.rowLength)
            for i in 0..<count { output[i] += 1 }
        case let .unpermuteHeads(headDim):
            try decodeUnpermuted(e.stored, headDim: headDim, rows: rows, into: output)
        case let .groupPartsAcrossHeads(heads, parts, headDim):
            try decodeGrouped(e.stored, heads: heads, parts: parts, headDim: headDim, rows: rows, into: output)
        }
    }

    /// The whole canonical tensor `name` as a new array (inspection and tests).
    public func decodeAll(_ name: String) throws -> [Float] {
        let info = try self.info(name)
        var out = [Float](repeating: 0, count: info.elementCount)
        try out.withUnsafeMutableBufferPointer { try decode(name, into: $0) }
        return out
    }

    /// The stored row holding canonical row `row` of a tensor permuted with head dimension `headDim`:
    /// canonical row k of a head (k < hd/2: first half, else second) is stored row 2k or 2(k − hd/2) + 1.
    static func storedRow(_ row: Int, headDim: Int) -> Int {
        let half = headDim / 2, head = row / headDim, k = row % headDim
        return head * headDim + (k < half ? 2 * k : 2 * (k - half) + 1)
    }

    private func decodeUnpermuted(_ stored: String, headDim: Int, rows: Range<Int>?,
                                  into output: UnsafeMutableBufferPointer<Float>) throws {
        let info = try checkpoint.info(stored)
        let rows = rows ?? 0..<info.rows
        guard headDim >= 2, headDim % 2 == 0, info.rows % headDim == 0 else {
            throw ModelError.badConfig(file: sourcePath, reason: "\(stored) has \(info.rows) rows, not whole heads of \(headDim)")
        }
        guard rows.lowerBound >= 0, rows.upperBound <= info.rows else {
            throw CheckpointError.malformed(file: sourcePath, reason: "rows \(rows) out of range for \(stored) with \(info.rows) rows")
        }
        let n = info.rowLength
        guard output.count >= rows.count * n else {
            throw CheckpointError.malformed(file: sourcePath, reason: "output buffer of \(output.count) floats is too small for \(rows.count * n) elements of \(stored)")
        }
        for (i, row) in rows.enumerated() {
            let s = Self.storedRow(row, headDim: headDim)
            try checkpoint.decode(stored, rows: s..<(s + 1),
                                  into: UnsafeMutableBufferPointer(rebasing: output[(i * n)..<((i + 1) * n)]))
        }
    }

    /// The stored row of canonical row `row` of a per-head fused tensor (`groupPartsAcrossHeads`):
    /// canonical row r is part p = r / (heads·headDim) of head h = (r mod heads·headDim) / headDim,
    /// element k = r mod headDim; it is stored at row (h·parts + p)·headDim + k.
    static func storedRow(_ row: Int, heads: Int, parts: Int, headDim: Int) -> Int {
        let width = heads * headDim, part = row / width, head = (row % width) / headDim, k = row % headDim
        return (head * parts + part) * headDim + k
    }

    private func decodeGrouped(_ stored: String, heads: Int, parts: Int, headDim: Int, rows: Range<Int>?,
                               into output: UnsafeMutableBufferPointer<Float>) throws {
        let info = try checkpoint.info(stored)
        let rows = rows ?? 0..<info.rows
        guard heads > 0, parts > 0, headDim > 0, info.rows == heads * parts * headDim else {
            throw ModelError.badConfig(file: sourcePath, reason: "\(stored) has \(info.rows) rows, not \(heads) heads × \(parts) parts × \(headDim)")
        }
        guard rows.lowerBound >= 0, rows.upperBound <= info.rows else {
            throw CheckpointError.malformed(file: sourcePath, reason: "rows \(rows) out of range for \(stored) with \(info.rows) rows")
        }
        let n = info.rowLength
        guard output.count >= rows.count * n else {
            throw CheckpointError.malformed(file: sourcePath, reason: "output buffer of \(output.count) floats is too small for \(rows.count * n) elements of \(stored)")
        }
        // Runs of headDim consecutive canonical rows are consecutive stored rows: decode them together.
        var i = 0
        while i < rows.count {
            let row = rows.lowerBound + i
            let run = min(headDim - row % headDim, rows.count - i)
            let s = Self.storedRow(row, heads: heads, parts: parts, headDim: headDim)
            try checkpoint.decode(stored, rows: s..<(s + run),
                                  into: UnsafeMutableBufferPointer(rebasing: output[(i * n)..<((i + run) * n)]))
            i += run
        }
    }
}
