// The architecture facts a forward pass needs, one typed struct whatever the checkpoint's source.

/// Architecture configuration of a decoder-only model, filled from Hugging Face `config.json` or GGUF
/// metadata. Swift names are readable; `CodingKeys` use the snake_case names that `inspect --json`
/// and the activation files use.
public struct ModelConfig: Codable, Sendable, Equatable {
    public enum Architecture: String, Codable, Sendable {
        /// LLaMA 1/2/3 and LLaMA-shaped models (m-LLaMA, x-LLaMA, Alpaca, SmolLM2).
        case llama
        /// Gemma 3 text decoder.
        case gemma3
    }

    /// Whether a layer attends to every earlier token or to a sliding window of them.
    public enum AttentionKind: String, Codable, Sendable {
        case full, sliding
    }

    /// The gated MLP's activation.
    public enum Activation: String, Codable, Sendable {
        /// SiLU (LLaMA).
        case silu
        /// GELU with the tanh approximation (Gemma 3's `gelu_pytorch_tanh`).
        case geluTanh = "gelu_tanh"
    }

    /// RoPE frequency scaling (`rope_scaling` in config.json).
    public struct RopeScaling: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case linear, llama3 }
        public var kind: Kind
        public var factor: Double
        /// llama3 only (Meta's published defaults: 1, 4, 8192).
        public var lowFreqFactor: Double?
        public var highFreqFactor: Double?
        public var originalContextLength: Int?

        public init(kind: Kind, factor: Double, lowFreqFactor: Double? = nil, highFreqFactor: Double? = nil,
                    originalContextLength: Int? = nil) {
            self.kind = kind
            self.factor = factor
            self.lowFreqFactor = lowFreqFactor
            self.highFreqFactor = highFreqFactor
            self.originalContextLength = originalContextLength
        }

        enum CodingKeys: String, CodingKey {
            case kind = "type", factor, lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
            case originalContextLength = "original_max_position_embeddings"
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

    // MARK: Gemma 3 (nil / defaults for LLaMA)
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

    public init(architecture: Architecture, nLayers: Int, dModel: Int, nHeads: Int, nKVHeads: Int, headDim: Int,
                dFFN: Int, vocabSize: Int, ropeTheta: Double, ropeScaling: RopeScaling? = nil, normEps: Double,
                contextLength: Int, tieWordEmbeddings: Bool, activation: Activation,
                ropeLocalTheta: Double? = nil, slidingWindow: Int? = nil, layerKinds: [AttentionKind]? = nil,
                queryPreAttnScalar: Double? = nil, embeddingMultiplier: Double? = nil,
                attnLogitSoftcap: Double? = nil, finalLogitSoftcap: Double? = nil) {
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
    }

    enum CodingKeys: String, CodingKey {
        case architecture, nLayers = "n_layers", dModel = "d_model", nHeads = "n_heads", nKVHeads = "n_kv_heads"
        case headDim = "head_dim", dFFN = "d_ffn", vocabSize = "vocab_size", ropeTheta = "rope_theta"
        case ropeScaling = "rope_scaling", normEps = "norm_eps", contextLength = "context_length"
        case tieWordEmbeddings = "tie_word_embeddings", activation
        case ropeLocalTheta = "rope_local_theta", slidingWindow = "sliding_window", layerKinds = "layer_kinds"
        case queryPreAttnScalar = "query_pre_attn_scalar", embeddingMultiplier = "embedding_multiplier"
        case attnLogitSoftcap = "attn_logit_softcap", finalLogitSoftcap = "final_logit_softcap"
    }
}
