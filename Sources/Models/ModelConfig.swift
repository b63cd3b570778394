// The architecture facts a forward pass needs, one typed struct whatever the checkpoint's source.

/// The shared configuration of a decoder-only model, filled by its family file (Families/*.swift) from
/// Hugging Face `config.json` or GGUF metadata. Swift names are readable; `CodingKeys` use the snake_case
/// names that `inspect --json` and the activation files use. Fields a family does not use keep their
/// defaults (nil), which are left out of the JSON.
public struct ModelConfig: Codable, Sendable, Equatable {
    /// The family's name (`llama`, `gemma3`, …): the activation file's `architecture` attribute. Each
    /// family file declares its own constant (`extension ModelConfig.Architecture { static let … }`).
    public struct Architecture: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }
    }

    /// Whether a layer attends to every earlier token or to a sliding window of them.
    public enum AttentionKind: String, Codable, Sendable {
        case full, sliding
    }

    /// The MLP's activation.
    public enum Activation: String, Codable, Sendable {
        /// SiLU (LLaMA).
        case silu
        /// GELU with the tanh approximation (Gemma's `gelu_pytorch_tanh`).
        case geluTanh = "gelu_tanh"
        /// GELU with the exact erf (`gelu`).
        case gelu
    }

    /// RoPE frequency scaling (`rope_scaling` in config.json).
    public struct RopeScaling: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case linear, llama3, yarn, dynamic }
        public var kind: Kind
        public var factor: Double
        /// llama3 (Meta's published defaults: 1, 4, 8192).
        public var lowFreqFactor: Double?
        public var highFreqFactor: Double?
        /// llama3, yarn, dynamic: the context the model was trained with before scaling.
        public var originalContextLength: Int?
        /// yarn: β_fast, β_slow (defaults 32, 1), the attention factor (default 0.1·ln(factor) + 1) and
        /// whether the correction range is truncated to integers (default true).
        public var betaFast: Double?
        public var betaSlow: Double?
        public var attentionFactor: Double?
        public var truncate: Bool?

        public init(kind: Kind, factor: Double, lowFreqFactor: Double? = nil, highFreqFactor: Double? = nil,
                    originalContextLength: Int? = nil, betaFast: Double? = nil, betaSlow: Double? = nil,
                    attentionFactor: Double? = nil, truncate: Bool? = nil) {
            self.kind = kind
            self.factor = factor
            self.lowFreqFactor = lowFreqFactor
            self.highFreqFactor = highFreqFactor
            self.originalContextLength = originalContextLength
            self.betaFast = betaFast
            self.betaSlow = betaSlow
            self.attentionFactor = attentionFactor
            self.truncate = truncate
        }

        enum CodingKeys: String, CodingKey {
            case kind = "type", factor, lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
            case originalContextLength = "original_max_position_embeddings"
            case betaFast = "beta_fast", betaSlow = "beta_slow", attentionFactor = "attention_factor", truncate
        }
    }

    public var architecture: Architecture
    public var nLayers: Int
    public var dModel: Int
    public var nHeads: Int
    public var nKVHeads: Int
    public var headDim: Int
    public var dFFN: Int
    public var vocabSize: Int
    public var ropeTheta: Double
    public var ropeScaling: RopeScaling?
    public var normEps: Double
    public var contextLength: Int
    public var tieWordEmbeddings: Bool
    public var activation: Activation

    // MARK: Attention variants (nil / defaults for LLaMA)
    /// RoPE base of sliding-window layers (`rope_local_base_freq`).
    public var ropeLocalTheta: Double?
    /// Sliding window in tokens (a token sees itself and the `slidingWindow − 1` before it).
    public var slidingWindow: Int?
    /// Attention kind of every layer (count = `nLayers`; all `.full` for LLaMA).
    public var layerKinds: [AttentionKind]
    /// Attention scores are scaled by `queryPreAttnScalar^-1/2` (default: headDim).
    public var queryPreAttnScalar: Double?
    /// Embeddings are multiplied by this before block 0 (Gemma: √d_model, rounded to the compute dtype).
    public var embeddingMultiplier: Double?
    public var attnLogitSoftcap: Double?
    public var finalLogitSoftcap: Double?

    // MARK: Optional features (nil = off)
    /// Biases on the q, k and v projections (Qwen2, LLaMA `attention_bias`).
    public var qkvBias: Bool?
    /// A bias on the attention output projection (LLaMA `attention_bias`).
    public var outputBias: Bool?
    /// Biases on the MLP projections (LLaMA `mlp_bias`).
    public var mlpBias: Bool?
    /// Logits are multiplied by this (Cohere's `logit_scale`).
    public var logitScale: Double?
    /// A LayerNorm of each q and k head with its own weights (Cohere's `use_qk_norm`).
    public var queryKeyNorm: Bool?

    public var hasQKVBias: Bool { qkvBias ?? false }
    public var hasOutputBias: Bool { outputBias ?? false }
    public var hasMLPBias: Bool { mlpBias ?? false }
    public var hasQueryKeyNorm: Bool { queryKeyNorm ?? false }

    public init(architecture: Architecture, nLayers: Int, dModel: Int, nHeads: Int, nKVHeads: Int, headDim: Int,
                dFFN: Int, vocabSize: Int, ropeTheta: Double, ropeScaling: RopeScaling? = nil, normEps: Double,
                contextLength: Int, tieWordEmbeddings: Bool, activation: Activation,
                ropeLocalTheta: Double? = nil, slidingWindow: Int? = nil, layerKinds: [AttentionKind]? = nil,
                queryPreAttnScalar: Double? = nil, embeddingMultiplier: Double? = nil,
                attnLogitSoftcap: Double? = nil, finalLogitSoftcap: Double? = nil, qkvBias: Bool? = nil,
                outputBias: Bool? = nil, mlpBias: Bool? = nil, logitScale: Double? = nil, queryKeyNorm: Bool? = nil) {
        self.architecture = architecture
        self.nLayers = nLayers
        self.dModel = dModel
        self.nHeads = nHeads
        self.nKVHeads = nKVHeads
        self.headDim = headDim
        self.dFFN = dFFN
        self.vocabSize = vocabSize
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.normEps = normEps
        self.contextLength = contextLength
        self.tieWordEmbeddings = tieWordEmbeddings
        self.activation = activation
        self.ropeLocalTheta = ropeLocalTheta
        self.slidingWindow = slidingWindow
        self.layerKinds = layerKinds ?? Array(repeating: .full, count: nLayers)
        self.queryPreAttnScalar = queryPreAttnScalar
        self.embeddingMultiplier = embeddingMultiplier
        self.attnLogitSoftcap = attnLogitSoftcap
        self.finalLogitSoftcap = finalLogitSoftcap
        self.qkvBias = qkvBias
        self.outputBias = outputBias
        self.mlpBias = mlpBias
        self.logitScale = logitScale
        self.queryKeyNorm = queryKeyNorm
    }

    enum CodingKeys: String, CodingKey {
        case architecture, nLayers = "n_layers", dModel = "d_model", nHeads = "n_heads", nKVHeads = "n_kv_heads"
        case headDim = "head_dim", dFFN = "d_ffn", vocabSize = "vocab_size", ropeTheta = "rope_theta"
        case ropeScaling = "rope_scaling", normEps = "norm_eps", contextLength = "context_length"
        case tieWordEmbeddings = "tie_word_embeddings", activation
        case ropeLocalTheta = "rope_local_theta", slidingWindow = "sliding_window", layerKinds = "layer_kinds"
        case queryPreAttnScalar = "query_pre_attn_scalar", embeddingMultiplier = "embedding_multiplier"
        case attnLogitSoftcap = "attn_logit_softcap", finalLogitSoftcap = "final_logit_softcap"
        case qkvBias = "qkv_bias", outputBias = "output_bias", mlpBias = "mlp_bias", logitScale = "logit_scale"
        case queryKeyNorm = "query_key_norm"
    }
}
