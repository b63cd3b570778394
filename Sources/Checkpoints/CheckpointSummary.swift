// What `interlingua inspect` reports about a checkpoint, as one value both the CLI and tests use.
import Foundation

/// Model facts (when the architecture is known) and container facts of an opened checkpoint.
/// JSON keys are the ones the activation files use (`n_layers`, `d_model`, …); unknown facts are null.
public struct CheckpointSummary: Codable, Sendable, Equatable {
    public var path: String
    public var format: String
    /// `llama` / `gemma3`, else GGUF's `general.architecture` (facts below are then null).
    public var architecture: String?
    public var nLayers: Int?
    public var dModel: Int?
    public var nHeads: Int?
    public var nKVHeads: Int?
    public var headDim: Int?
    public var dFFN: Int?
    public var vocabSize: Int?
    public var ropeTheta: Double?
    public var ropeScaling: ModelConfig.RopeScaling?
    public var normEps: Double?
    public var contextLength: Int?
    /// Gemma 3: sliding window and how many layers use it (not in the JSON keys of the activation files).
    public var slidingWindow: Int?
    public var slidingLayers: Int?
    /// Stored tensors (an alias such as tied `lm_head.weight` is not counted twice).
    public var nTensors: Int
    /// dtype name → number of stored tensors.
    public var dtypes: [String: Int]
    /// `sentencepiece`, `hf-json`, `gguf` or `none`.
    public var tokenizer: String
    /// Bytes of all stored tensors.
    public var bytes: Int

    enum CodingKeys: String, CodingKey {
        case path, format, architecture, nLayers = "n_layers", dModel = "d_model", nHeads = "n_heads"
        case nKVHeads = "n_kv_heads", headDim = "head_dim", dFFN = "d_ffn", vocabSize = "vocab_size"
        case ropeTheta = "rope_theta", ropeScaling = "rope_scaling", normEps = "norm_eps"
        case contextLength = "context_length", slidingWindow = "sliding_window", slidingLayers = "sliding_layers"
        case nTensors = "n_tensors", dtypes, tokenizer, bytes
    }

    public init(_ checkpoint: Checkpoint) {
        path = checkpoint.url.path
        format = checkpoint.format.rawValue
        let c = checkpoint.config
        architecture = c?.architecture.rawValue ?? checkpoint.metadata["general.architecture"]?.string
        nLayers = c?.nLayers
        dModel = c?.dModel
        nHeads = c?.nHeads
        nKVHeads = c?.nKVHeads
        headDim = c?.headDim
        dFFN = c?.dFFN
        vocabSize = c?.vocabSize
        ropeTheta = c?.ropeTheta
        ropeScaling = c?.ropeScaling
        normEps = c?.normEps
        contextLength = c?.contextLength
        slidingWindow = c?.slidingWindow
        slidingLayers = c.map { $0.layerKinds.filter { $0 == .sliding }.count }
        let stored = checkpoint.storedTensors
        nTensors = stored.count
        dtypes = stored.reduce(into: [:]) { $0[$1.dtype.rawValue, default: 0] += 1 }
        bytes = stored.reduce(0) { $0 + $1.byteCount }
        switch checkpoint.tokenizerSource {
        case .sentencePiece: tokenizer = "sentencepiece"
        case .huggingFaceJSON: tokenizer = "hf-json"
        case .gguf: tokenizer = "gguf"
        case .none: tokenizer = "none"
        }
    }

    /// Every key written, unknown facts as null (scripts can rely on the keys).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(format, forKey: .format)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(nLayers, forKey: .nLayers)
        try c.encode(dModel, forKey: .dModel)
        try c.encode(nHeads, forKey: .nHeads)
        try c.encode(nKVHeads, forKey: .nKVHeads)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(dFFN, forKey: .dFFN)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(ropeScaling, forKey: .ropeScaling)
        try c.encode(normEps, forKey: .normEps)
        try c.encode(contextLength, forKey: .contextLength)
        try c.encodeIfPresent(slidingWindow, forKey: .slidingWindow)
        try c.encodeIfPresent(slidingWindow == nil ? nil : slidingLayers, forKey: .slidingLayers)
        try c.encode(nTensors, forKey: .nTensors)
        try c.encode(dtypes, forKey: .dtypes)
        try c.encode(tokenizer, forKey: .tokenizer)
        try c.encode(bytes, forKey: .bytes)
    }

    /// One JSON object, keys sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Human-readable lines.
    public var text: String {
        func show<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "unknown" }
        var lines = [
            "path            \(path)",
            "format          \(format)",
            "architecture    \(architecture ?? "unknown")\(nLayers == nil ? " (not one Interlingua runs)" : "")",
        ]
        if nLayers != nil {
            let scaling = ropeScaling.map { s in
                "\(s.kind.rawValue) ×\(s.factor)" + (s.kind == .llama3
                    ? " (low \(show(s.lowFreqFactor)), high \(show(s.highFreqFactor)), original context \(show(s.originalContextLength)))" : "")
            } ?? "none"
            lines += [
                "layers          \(show(nLayers))",
                "hidden size     \(show(dModel))",
                "heads           \(show(nHeads)) (KV heads \(show(nKVHeads)), head dim \(show(headDim)))",
                "FFN size        \(show(dFFN))",
                "vocabulary      \(show(vocabSize))",
                "RoPE            base \(show(ropeTheta)), scaling \(scaling)",
                "norm epsilon    \(show(normEps))",
                "context length  \(show(contextLength))",
            ]
            if let slidingWindow, let slidingLayers, let nLayers {
                lines.append("attention       \(slidingLayers) sliding-window layers (window \(slidingWindow)), \(nLayers - slidingLayers) full")
            }
        }
        let histogram = dtypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines += [
            "tensors         \(nTensors) (\(histogram))",
            "tokenizer       \(tokenizer)",
            "bytes           \(bytes) (\(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB)",
        ]
        return lines.joined(separator: "\n")
    }
}

extension Checkpoint {
    /// Descriptions of the stored tensors, each once even when several canonical names alias it.
    public var storedTensors: [TensorInfo] {
        struct Stored: Hashable { var store: ObjectIdentifier, name: String }
        var seen = Set<Stored>()
        var out: [TensorInfo] = []
        for (_, e) in entries.sorted(by: { $0.key < $1.key }) {
            guard seen.insert(Stored(store: ObjectIdentifier(e.store), name: e.name)).inserted, let info = e.store.tensors[e.name] else { continue }
            out.append(info)
        }
        return out
    }
}

/// Summary statistics of decoded tensor values, accumulated in Double.
public struct TensorStatistics: Sendable, Equatable {
    public var count: Int
    public var min: Float
    public var max: Float
    public var mean: Double
    /// Population standard deviation √(Σ(x − mean)² / n).
    public var std: Double
    /// Σ(x − mean)², kept so chunks combine exactly (Chan, Golub & LeVeque 1979).
    private var squaredDeviations: Double

    public init(_ values: UnsafeBufferPointer<Float>) {
        count = values.count
        var lo = Float.infinity, hi = -Float.infinity, sum = 0.0
        for v in values {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += Double(v)
        }
        let mean = values.isEmpty ? 0 : sum / Double(values.count)
        var squares = 0.0
        for v in values { let d = Double(v) - mean; squares += d * d }
        self.min = lo
        self.max = hi
        self.mean = mean
        self.squaredDeviations = squares
        self.std = values.isEmpty ? 0 : (squares / Double(values.count)).squareRoot()
    }

    public init(_ values: [Float]) {
        self = values.withUnsafeBufferPointer { TensorStatistics($0) }
    }

    /// The statistics of both sets of values: n = n_a + n_b, δ = mean_b − mean_a,
    /// mean = mean_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n.
    public func combined(with other: TensorStatistics) -> TensorStatistics {
        if other.count == 0 { return self }
        if count == 0 { return other }
        let n = Double(count + other.count), delta = other.mean - mean
        var out = self
        out.count = count + other.count
        out.min = Swift.min(min, other.min)
        out.max = Swift.max(max, other.max)
        out.mean = mean + delta * Double(other.count) / n
        out.squaredDeviations = squaredDeviations + other.squaredDeviations + delta * delta * Double(count) * Double(other.count) / n
        out.std = (out.squaredDeviations / n).squareRoot()
        return out
    }
}

extension Checkpoint {
    /// Statistics of the decoded canonical tensor `name`, decoding about `chunkElements` elements (whole
    /// rows) at a time so a large embedding matrix is never held as Float whole.
    public func statistics(of name: String, chunkElements: Int = 1 << 20) throws -> TensorStatistics {
        let info = try self.info(name)
        let rowsPerChunk = Swift.max(1, chunkElements / Swift.max(1, info.rowLength))
        var buffer = [Float](repeating: 0, count: Swift.min(info.rows, rowsPerChunk) * info.rowLength)
        var total = TensorStatistics([])
        var row = 0
        repeat {
            let rows = row..<Swift.min(info.rows, row + rowsPerChunk)
            let count = rows.count * info.rowLength
            try buffer.withUnsafeMutableBufferPointer { buffer in
                // A scalar has no rows to select: decode it whole.
                try decode(name, rows: info.shape.isEmpty ? nil : rows, into: buffer)
                total = total.combined(with: TensorStatistics(UnsafeBufferPointer(rebasing: buffer[0..<count])))
            }
            row = rows.upperBound
        } while row < info.rows
        return total
    }
}
