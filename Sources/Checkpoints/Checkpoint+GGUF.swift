// GGUF files as checkpoints: llama.cpp's metadata keys → ModelConfig, its tensor names → canonical names.
import Foundation

extension Checkpoint {
    /// Opens a GGUF file: metadata, typed configuration (for `general.architecture` `llama` and `gemma3`;
    /// nil otherwise), tensors under canonical names (other tensors, and every tensor of an unknown
    /// architecture, under their GGUF names).
    public static func openGGUF(_ url: URL) throws -> Checkpoint {
        let file = try GGUFFile(url: url)
        let architecture = file.metadata["general.architecture"]?.string
        let config: ModelConfig?
        switch architecture {
        case "llama": config = try GGUFConfig.llama(file)
        case "gemma3": config = try GGUFConfig.gemma3(file)
        default: config = nil
        }

        var entries: [String: (store: any TensorStore, name: String)] = [:]
        guard let config else {
            for name in file.tensorNames { entries[name] = (file, name) }
            return Checkpoint(url: url, format: .gguf, config: nil, metadata: file.metadata,
                              tokenizerSource: .gguf, entries: entries)
        }

        // llama.cpp's LLaMA converter permutes Q and K rows per head for interleaved RoPE; undo it.
        var permuted: [String: Int] = [:]
        var canonicalNames: [String: String] = [:]
        for name in file.tensorNames {
            guard let mapped = GGUFNames.canonical(name, architecture: config.architecture) else { continue }
            canonicalNames[name] = mapped.name
            guard let (layer, tensor) = mapped.layer else { continue }
            guard layer < config.nLayers else {
                throw CheckpointError.badConfig(
                    file: url.path, reason: "tensor \(name) is in layer \(layer) but block_count is \(config.nLayers)")
            }
            guard tensor == .qProj || tensor == .kProj, let info = file.tensors[name] else { continue }
            // Q and K must be whole heads, or neither the un-permutation nor attention is meaningful.
            let rows = (tensor == .qProj ? config.nHeads : config.nKVHeads) * config.headDim
            guard info.shape.count == 2, info.rows == rows else {
                throw CheckpointError.shapeMismatch(file: url.path, tensor: name, expected: [rows, config.dModel], found: info.shape)
            }
            if config.architecture == .llama {
                guard config.headDim % 2 == 0 else {
                    throw CheckpointError.badConfig(file: url.path, reason: "head dimension \(config.headDim) is odd; RoPE needs pairs")
                }
                permuted[name] = config.headDim
            }
        }
        let store = GGUFCanonicalStore(file, headPermutedRows: permuted)
        for name in file.tensorNames {
            let canonical = canonicalNames[name] ?? name
            guard entries[canonical] == nil else {
                throw CheckpointError.malformed(file: url.path, reason: "tensors \(name) and \(entries[canonical]?.name ?? "") both map to \(canonical)")
            }
            entries[canonical] = (store, name)
        }
        if entries[CanonicalName.lmHead] == nil, let embed = entries[CanonicalName.embedTokens] {
            entries[CanonicalName.lmHead] = embed   // tied embeddings: no output.weight
        }
        return Checkpoint(url: url, format: .gguf, config: config, metadata: file.metadata,
                          tokenizerSource: .gguf, entries: entries)
    }
}

// MARK: - Names

/// llama.cpp's tensor names (`gguf-py/gguf/constants.py`, `TENSOR_NAMES`) ↔ canonical names.
enum GGUFNames {
    /// The canonical name of a GGUF tensor (with its layer and kind for per-layer tensors), or nil when
    /// it has none.
    static func canonical(_ name: String, architecture: ModelConfig.Architecture)
        -> (name: String, layer: (Int, CanonicalName.LayerTensor)?)? {
        switch name {
        case "token_embd.weight": return (CanonicalName.embedTokens, nil)
        case "output_norm.weight": return (CanonicalName.finalNorm, nil)
        case "output.weight": return (CanonicalName.lmHead, nil)
        default: break
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "blk", parts[3] == "weight", let layer = Int(parts[1]), layer >= 0
        else { return nil }
        let suffix: CanonicalName.LayerTensor?
        switch (parts[2], architecture) {
        case ("attn_norm", _): suffix = .inputNorm
        case ("attn_q", _): suffix = .qProj
        case ("attn_k", _): suffix = .kProj
        case ("attn_v", _): suffix = .vProj
        case ("attn_output", _): suffix = .oProj
        case ("ffn_gate", _): suffix = .gateProj
        case ("ffn_up", _): suffix = .upProj
        case ("ffn_down", _): suffix = .downProj
        case ("ffn_norm", .llama): suffix = .postAttentionNorm
        case ("ffn_norm", .gemma3): suffix = .preFeedforwardNorm
        case ("post_attention_norm", .gemma3): suffix = .postAttentionNorm
        case ("post_ffw_norm", .gemma3): suffix = .postFeedforwardNorm
        case ("attn_q_norm", .gemma3): suffix = .qNorm
        case ("attn_k_norm", .gemma3): suffix = .kNorm
        default: suffix = nil
        }
        return suffix.map { (CanonicalName.layer(layer, $0), (layer, $0)) }
    }
}

// MARK: - Configuration

/// `ModelConfig` from llama.cpp's metadata keys (`{arch}.block_count`, `{arch}.attention.head_count`, …;
/// gguf-py `constants.py` `Keys`).
enum GGUFConfig {
    /// More layers than any published model; bounds the per-layer lists built from `block_count`.
    static let maximumLayers = 1 << 12

    static func llama(_ file: GGUFFile) throws -> ModelConfig {
        let m = Metadata(file: file, architecture: "llama")
        let nHeads = try m.int("attention.head_count")
        let dModel = try m.int("embedding_length")
        let headDim = try m.optionalInt("attention.key_length") ?? dModel / max(nHeads, 1)
        let nLayers = try m.int("block_count", atMost: maximumLayers)
        let ropeTheta = try m.optionalDouble("rope.freq_base") ?? 10_000
        var ropeScaling = try m.ropeScaling()
        if ropeScaling == nil, file.tensors["rope_freqs.weight"] != nil {
            // LLaMA 3.1+: the scaling is only recorded as per-frequency factors.
            let factors = try decodedStored(file, "rope_freqs.weight")
            let dimensions = try m.optionalInt("rope.dimension_count") ?? headDim
            ropeScaling = try GGUFRopeFactors.llama3Scaling(factors, base: ropeTheta, dimensions: dimensions, file: file.path)
        }
        return ModelConfig(
            architecture: .llama, nLayers: nLayers, dModel: dModel, nHeads: nHeads,
            nKVHeads: try m.optionalInt("attention.head_count_kv") ?? nHeads, headDim: headDim,
            dFFN: try m.int("feed_forward_length"), vocabSize: try m.vocabSize(),
            ropeTheta: ropeTheta, ropeScaling: ropeScaling,
            normEps: try m.double("attention.layer_norm_rms_epsilon"),
            contextLength: try m.int("context_length"),
            tieWordEmbeddings: file.tensors["output.weight"] == nil, activation: .silu)
    }

    static func gemma3(_ file: GGUFFile) throws -> ModelConfig {
        let m = Metadata(file: file, architecture: "gemma3")
        let nHeads = try m.int("attention.head_count")
        let dModel = try m.int("embedding_length")
        let headDim = try m.optionalInt("attention.key_length") ?? dModel / max(nHeads, 1)
        let nLayers = try m.int("block_count", atMost: maximumLayers)
        return ModelConfig(
            architecture: .gemma3, nLayers: nLayers, dModel: dModel, nHeads: nHeads,
            nKVHeads: try m.optionalInt("attention.head_count_kv") ?? nHeads, headDim: headDim,
            dFFN: try m.int("feed_forward_length"), vocabSize: try m.vocabSize(),
            ropeTheta: try m.optionalDouble("rope.freq_base") ?? 1_000_000, ropeScaling: try m.ropeScaling(),
            normEps: try m.double("attention.layer_norm_rms_epsilon"),
            contextLength: try m.int("context_length"),
            tieWordEmbeddings: file.tensors["output.weight"] == nil, activation: .geluTanh,
            // llama.cpp's Gemma 3 uses 10 000 for local layers unless the converter wrote a base.
            ropeLocalTheta: try m.optionalDouble("rope.freq_base_swa") ?? 10_000,
            slidingWindow: try m.optionalInt("attention.sliding_window"),
            layerKinds: try m.gemma3LayerKinds(nLayers: nLayers),
            queryPreAttnScalar: try m.optionalDouble("attention.query_pre_attn_scalar") ?? Double(headDim),
            // Hugging Face scales embeddings by a float32 tensor holding √d_model.
            embeddingMultiplier: Double(Float(Double(dModel).squareRoot())),
            attnLogitSoftcap: try m.optionalDouble("attn_logit_softcapping"),
            finalLogitSoftcap: try m.optionalDouble("final_logit_softcapping"))
    }

    /// A small tensor decoded whole (its size is bounded by the file's).
    static func decodedStored(_ file: GGUFFile, _ name: String) throws -> [Float] {
        guard let info = file.tensors[name] else { throw CheckpointError.tensorNotFound(file: file.path, tensor: name) }
        var out = [Float](repeating: 0, count: info.elementCount)
        try out.withUnsafeMutableBufferPointer { try file.decode(name, rows: nil, into: $0) }
        return out
    }

    /// Typed access to `{architecture}.{key}` with errors naming the file and key.
    struct Metadata {
        let file: GGUFFile
        let architecture: String

        private func value(_ key: String) -> MetadataValue? { file.metadata["\(architecture).\(key)"] }

        private func bad(_ key: String, _ what: String) -> CheckpointError {
            .badConfig(file: file.path, reason: "metadata \(architecture).\(key) \(what)")
        }

        /// Sizes above this are refused so that nothing derived from them (layer lists, products of
        /// heads and head sizes) can overflow or allocate absurdly.
        static let largestSize = 1 << 24

        func optionalInt(_ key: String, atMost limit: Int = largestSize) throws -> Int? {
            guard let v = value(key) else { return nil }
            guard let n = v.int, n > 0, n <= limit else { throw bad(key, "must be an integer in 1…\(limit)") }
            return n
        }

        func int(_ key: String, atMost limit: Int = largestSize) throws -> Int {
            guard let n = try optionalInt(key, atMost: limit) else { throw bad(key, "is missing") }
            return n
        }

        /// A float32 value is read as the shortest decimal that rounds to it (1e-5, not
        /// 9.99999975e-6): the number the converter was given, and the same Float.
        func optionalDouble(_ key: String) throws -> Double? {
            guard let v = value(key) else { return nil }
            let x: Double?
            if case let .float32(f) = v { x = Double(f.description) ?? Double(f) } else { x = v.double }
            guard let x, x.isFinite, x > 0 else { throw bad(key, "must be a positive number") }
            return x
        }

        func double(_ key: String) throws -> Double {
            guard let x = try optionalDouble(key) else { throw bad(key, "is missing") }
            return x
        }

        /// `{arch}.vocab_size`, else the embedding's rows, else the tokenizer's token count.
        func vocabSize() throws -> Int {
            if let n = try optionalInt("vocab_size") { return n }
            if let embed = file.tensors["token_embd.weight"] { return embed.rows }
            if let tokens = file.metadata["tokenizer.ggml.tokens"]?.array { return tokens.count }
            throw bad("vocab_size", "is missing and there is no token_embd.weight or tokenizer.ggml.tokens")
        }

        /// `{arch}.rope.scaling.type` "linear" with `.factor`; "none"/absent → nil.
        func ropeScaling() throws -> ModelConfig.RopeScaling? {
            guard let kind = value("rope.scaling.type")?.string, kind != "none" else { return nil }
            guard kind == "linear" else {
                throw CheckpointError.unsupported(file: file.path, reason: "RoPE scaling type \(kind)")
            }
            guard let factor = try optionalDouble("rope.scaling.factor") else { return nil }
            return factor == 1 ? nil : ModelConfig.RopeScaling(kind: .linear, factor: factor)
        }

        /// Gemma 3 alternates sliding-window and global layers. llama.cpp's pattern is 6: layer i is
        /// global when (i + 1) % 6 == 0. `attention.sliding_window_pattern` overrides it (an integer
        /// period, or one bool per layer, true = sliding).
        func gemma3LayerKinds(nLayers: Int) throws -> [ModelConfig.AttentionKind] {
            let key = "attention.sliding_window_pattern"
            if let flags = value(key)?.array {
                guard flags.count == nLayers else { throw bad(key, "has \(flags.count) entries for \(nLayers) layers") }
                return try flags.map {
                    guard let b = $0.bool else { throw bad(key, "must hold bools") }
                    return b ? .sliding : .full
                }
            }
            let period = try optionalInt(key) ?? 6
            return (0..<nLayers).map { ($0 + 1) % period == 0 ? .full : .sliding }
        }
    }
}

// MARK: - Canonical view of the tensors

/// A GGUF file's tensors under the canonical conventions: rows of LLaMA's Q and K projections are
/// returned in Hugging Face's rotate-half order.
///
/// llama.cpp's converter stores W_gguf = W_hf.reshape(n_head, 2, head_dim/2, d).swapaxes(1, 2), so
/// canonical row k of a head (k < head_dim/2: first half, else second half) is stored row
/// 2k (first half) or 2(k − head_dim/2) + 1 (second half) of the same head.
final class GGUFCanonicalStore: TensorStore {
    let file: GGUFFile
    /// Tensor name → head dimension, for tensors whose rows are permuted within each head.
    let headPermutedRows: [String: Int]

    init(_ file: GGUFFile, headPermutedRows: [String: Int]) {
        self.file = file
        self.headPermutedRows = headPermutedRows
    }

    var path: String { file.path }
    var tensors: [String: TensorInfo] { file.tensors }

    /// The stored row holding canonical row `row` of a tensor permuted with head dimension `headDim`.
    static func storedRow(_ row: Int, headDim: Int) -> Int {
        let half = headDim / 2, head = row / headDim, k = row % headDim
        return head * headDim + (k < half ? 2 * k : 2 * (k - half) + 1)
    }

    /// Row ranges of permuted tensors must cover whole heads: the bytes are then exactly those rows'
    /// (in stored order).
    func rawBytes(_ name: String, rows: Range<Int>?) throws -> UnsafeRawBufferPointer {
        if let headDim = headPermutedRows[name], let rows,
           rows.lowerBound % headDim != 0 || rows.upperBound % headDim != 0 {
            throw CheckpointError.unsupported(
                file: path, reason: "raw bytes of \(name) for rows \(rows): rows are permuted within heads of \(headDim)")
        }
        return try file.rawBytes(name, rows: rows)
    }

    func decode(_ name: String, rows: Range<Int>?, into output: UnsafeMutableBufferPointer<Float>) throws {
        guard let headDim = headPermutedRows[name] else { return try file.decode(name, rows: rows, into: output) }
        guard let info = file.tensors[name] else { throw CheckpointError.tensorNotFound(file: path, tensor: name) }
        let rows = rows ?? 0..<info.rows
        guard rows.lowerBound >= 0, rows.upperBound <= info.rows else {
            throw CheckpointError.malformed(file: path, reason: "rows \(rows) out of range for \(name) with \(info.rows) rows")
        }
        let n = info.rowLength
        if n == 0 || rows.isEmpty { return }
        guard output.count >= rows.count * n else {
            throw CheckpointError.malformed(
                file: path, reason: "output buffer of \(output.count) floats is too small for \(rows.count * n) elements of \(name)")
        }
        for (i, row) in rows.enumerated() {
            let stored = Self.storedRow(row, headDim: headDim)
            try file.decode(name, rows: stored..<(stored + 1),
                            into: UnsafeMutableBufferPointer(rebasing: output[(i * n)..<((i + 1) * n)]))
        }
    }
}
