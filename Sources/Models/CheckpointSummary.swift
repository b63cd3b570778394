// What `interlingua inspect` reports about a checkpoint, as one value both the CLI and tests use.
import Checkpoints
import Foundation

/// Model facts (when a family runs the checkpoint) and container facts of an opened checkpoint.
/// JSON keys are the ones the activation files use (`n_layers`, `d_model`, …); unknown facts are null.
public struct CheckpointSummary: Codable, Sendable, Equatable {
    public var path: String
    public var format: String
    /// The family (`llama`, `gemma3`, …), else GGUF's `general.architecture` or config.json's
    /// `model_type` (facts below are then null).
    public var architecture: String?
    /// Why no family runs the checkpoint (nil when one does).
    public var notRunnable: String?
    /// Stored tensors the forward pass does not read, with the family's reason.
    public var skippedTensors: [SkippedTensor]
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
        case notRunnable = "not_runnable", skippedTensors = "skipped_tensors"
    }

    public struct SkippedTensor: Codable, Sendable, Equatable {
        public var name: String
        public var reason: String
    }

    /// The summary of `checkpoint`, resolving its family (a checkpoint no family runs is summarized with
    /// the reason in `notRunnable`).
    public init(_ checkpoint: Checkpoint) {
        let resolved: ModelCheckpoint?
        let reason: String?
        do {
            resolved = try ModelCheckpoint(checkpoint)
            reason = nil
        } catch {
            resolved = nil
            reason = error.localizedDescription
        }
        self.init(checkpoint, resolved: resolved, notRunnable: reason)
    }

    private init(_ checkpoint: Checkpoint, resolved: ModelCheckpoint?, notRunnable: String?) {
        self.notRunnable = notRunnable
        path = checkpoint.url.path
        format = checkpoint.format.rawValue
        let c = resolved?.config
        architecture = c?.architecture.rawValue ?? checkpoint.ggufArchitecture
            ?? checkpoint.huggingFaceConfig.flatMap { $0.modelType.isEmpty ? nil : $0.modelType }
        skippedTensors = resolved?.skipped.map { SkippedTensor(name: $0.name, reason: $0.reason) } ?? []
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
        try c.encode(notRunnable, forKey: .notRunnable)
        try c.encode(skippedTensors, forKey: .skippedTensors)
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
        if let notRunnable { lines.append("not runnable    \(notRunnable)") }
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
        if nLayers != nil {
            lines.append("unused tensors  \(skippedTensors.isEmpty ? "none" : "\(skippedTensors.count), each skipped for a reason:")")
            var reasons: [String: [String]] = [:]
            for t in skippedTensors { reasons[t.reason, default: []].append(t.name) }
            for (reason, names) in reasons.sorted(by: { $0.key < $1.key }) {
                let shown = names.count <= 3 ? names.joined(separator: ", ") : "\(names[0]), … (\(names.count) tensors)"
                lines.append("  \(shown): \(reason)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

