// The activation file's layout: a public contract (README "Activation files"). Bump `formatVersion`
// whenever a name, shape or meaning here changes.

/// Names and shapes of the activations HDF5 file.
///
/// ```
/// /                      attributes: format, format_version, model, architecture, n_layers, d_model,
///                        template, pooling, bos_in_pool, tool_version, created (ISO 8601), complete (0/1)
/// /languages             string[L]
/// /ids                   string[N]            row order shared by every language
/// /text/<lang>           string[N]
/// /tokens/<lang>/ids     int32[T]
/// /tokens/<lang>/offsets int64[N+1]           sentence n = ids[offsets[n] ..< offsets[n+1]]
/// /pooled/<pool>/<lang>  float32[n_layers+1, N, d]   index 0 = embeddings (input to block 0),
///                                                     index i = output of block i (before final norm)
/// /final_norm/<pool>/<lang> float32[N, d]
/// /states/<lang>         float32[n_layers+1, T, d]   with --token-states (rows follow offsets)
/// ```
/// Additions (format_version 1, written by the tracer; readers may ignore them):
/// ```
/// /                      attributes: pool_span ("sentence" | "prompt"), run_fingerprint, instruction
/// /tokens/<lang>/pool_span int64[N, 2]        pooled tokens of sentence n: [start, end) relative to offsets[n]
/// /sublayers/<attention|mlp>/<pool>/<lang> float32[n_layers, N, d]   with --sublayers: pooled branch outputs
///                                                     of block i+1 (as added to the residual stream)
/// /batches               int64[S, 4]          the packed batches' segments in trace order: (batch index,
///                                             language index, first row, end row), a batch holding any
///                                             languages; the journal's batches_done = k means the segments of
///                                             batches 0..<k are written, so a reader of an unfinished file
///                                             knows its rows (format_version 1: int64[B, 3] without the batch)
/// /                      provenance attributes (strings): model_path, model_name, model_sha256, corpus,
///                        corpus_format, corpus_sha256, corpus_split
/// /neurons/<lang>/active_count int64[n_layers, d_ffn]  with --neurons: tokens of <lang> at which neuron j of
///                                                     block i had act(gate·x)_j > 0 (Tang et al. 2024)
/// /neurons/<lang>/tokens int64 (scalar)               tokens counted (BOS only when neurons_bos_counted = 1)
/// /neurons/<lang>/running int64[2, n_layers·d_ffn + 1] resume bookkeeping (two alternating slots of the
///                                                     running counts + tokens); readers ignore it
/// /                      attributes with --neurons: d_ffn, neurons_bos_counted (0/1);
///                        with --deactivate: deactivated ("langs (K neurons of FILE)")
/// ```
/// `--pool none` (only with --neurons) writes no /pooled and /final_norm groups.
///
/// A shard (`trace --shard I/N`, README "Running on a cluster") has `format = interlingua.activations-shard`,
/// the whole plan's /languages, /ids, /text, /tokens and /batches, and only its own rows in the row datasets:
/// ```
/// /                      attributes: shard_index (1-based), shard_count, plan_fingerprint (the run_fingerprint
///                        of the unsharded trace), plan_batches, plan_tokens, plan_settings (JSON),
///                        shard_batches int64[2] ([first, end) of the plan's batch indices, /batches column 0), shard_tokens;
///                        run_fingerprint identifies the shard's own run (for --resume)
/// /shard/rows            int64[R, 3]          runs (language index, first row, end row) of the plan's rows
///                                             the shard holds; the row datasets of <lang> hold its runs'
///                                             rows concatenated in this order, /states/<lang> their tokens
/// /pooled/<pool>/<lang>  float32[n_layers+1, n_lang, d]   n_lang = the shard's rows of <lang> (no dataset
///                                             when 0); likewise /final_norm, /sublayers, /states
/// /neurons/<lang>/…      counts over the shard's tokens (merge sums them)
/// ```
/// A merged file (`interlingua merge`) is an unsharded file dataset for dataset, except: no
/// /neurons/<lang>/running (resume bookkeeping), `created` is the merge's time, and the attributes
/// merged_shards (int) and merge_mode (`copy` | `virtual`) are added; a `virtual` file's row datasets are
/// HDF5 virtual datasets over the shards (attribute merge_sources: the shard files, relative to it).
public enum ActivationsLayout {
    public static let format = "interlingua.activations"
    /// The `format` of a shard file.
    public static let shardFormat = "interlingua.activations-shard"
    public static let formatVersion = 2

    public enum Attribute {
        public static let format = "format"
        public static let formatVersion = "format_version"
        public static let model = "model"
        public static let architecture = "architecture"
        public static let nLayers = "n_layers"
        public static let dModel = "d_model"
        public static let template = "template"
        public static let pooling = "pooling"
        public static let bosInPool = "bos_in_pool"
        public static let toolVersion = "tool_version"
        public static let created = "created"
        public static let complete = "complete"
        /// "sentence" (the sentence's own tokens inside the prompt) or "prompt" (the whole prompt).
        public static let poolSpan = "pool_span"
        /// Identifies the run's model, corpus and settings; `--resume` refuses a file whose value differs.
        public static let runFingerprint = "run_fingerprint"
        /// The prompt template's instruction text ("" for `raw`).
        public static let instruction = "instruction"

        // Provenance: what was traced, exactly enough to find and verify it again.
        /// Absolute path of the checkpoint file or folder.
        public static let modelPath = "model_path"
        /// The model's own name (GGUF `general.name`, else the folder or file name).
        public static let modelName = "model_name"
        /// SHA-256 of the checkpoint file; of a folder, SHA-256 of its `sha256sum` listing (`<sha256>  <file>`
        /// lines of the files defining the model, sorted by name).
        public static let modelSHA256 = "model_sha256"
        /// Absolute path of the corpus file or Flores folder.
        public static let corpus = "corpus"
        /// `tsv`, `jsonl` or `flores`.
        public static let corpusFormat = "corpus_format"
        /// SHA-256 of the corpus file; of a Flores folder, of the `sha256sum` listing of the split's files read.
        public static let corpusSHA256 = "corpus_sha256"
        /// The Flores split read (`dev` / `devtest`; Flores folders only).
        public static let corpusSplit = "corpus_split"
        /// FFN width, with neuron counts.
        public static let dFFN = "d_ffn"
        /// 1 when the BOS position was counted in /neurons.
        public static let neuronsBOSCounted = "neurons_bos_counted"
        /// Which neurons were switched off during the trace (absent: none).
        public static let deactivated = "deactivated"

        // Shards and merged files (see above).
        public static let shardIndex = "shard_index"
        public static let shardCount = "shard_count"
        public static let planFingerprint = "plan_fingerprint"
        public static let planBatches = "plan_batches"
        public static let planTokens = "plan_tokens"
        public static let planSettings = "plan_settings"
        public static let shardBatches = "shard_batches"
        public static let shardTokens = "shard_tokens"
        public static let mergedShards = "merged_shards"
        public static let mergeMode = "merge_mode"
        public static let mergeSources = "merge_sources"
        /// Attributes of a shard file that a merged file does not carry.
        public static let shardOnly: Set<String> = [shardIndex, shardCount, planFingerprint, planBatches, planTokens,
                                                    planSettings, shardBatches, shardTokens]
    }

    public static let shardRows = "/shard/rows"

    public static let languages = "/languages"
    public static let batches = "/batches"
    public static let ids = "/ids"
    public static func text(_ lang: String) -> String { "/text/\(lang)" }
    public static func tokenIDs(_ lang: String) -> String { "/tokens/\(lang)/ids" }
    public static func tokenOffsets(_ lang: String) -> String { "/tokens/\(lang)/offsets" }
    public static func pooled(_ pool: Pooling, _ lang: String) -> String { "/pooled/\(pool.rawValue)/\(lang)" }
    public static func finalNorm(_ pool: Pooling, _ lang: String) -> String { "/final_norm/\(pool.rawValue)/\(lang)" }
    public static func states(_ lang: String) -> String { "/states/\(lang)" }
    public static func tokenPoolSpans(_ lang: String) -> String { "/tokens/\(lang)/pool_span" }
    public static let neurons = "/neurons"
    public static func neuronActiveCount(_ lang: String) -> String { "/neurons/\(lang)/active_count" }
    public static func neuronTokens(_ lang: String) -> String { "/neurons/\(lang)/tokens" }
    public static func neuronRunning(_ lang: String) -> String { "/neurons/\(lang)/running" }
    public static func subLayer(_ branch: SubLayerBranch, _ pool: Pooling, _ lang: String) -> String {
        "/sublayers/\(branch.rawValue)/\(pool.rawValue)/\(lang)"
    }
}

/// A block's residual branch whose output `--sublayers` keeps.
public enum SubLayerBranch: String, Sendable, CaseIterable, Codable {
    case attention, mlp
}

/// How a sentence's token states become one vector.
public enum Pooling: String, Sendable, CaseIterable, Codable {
    /// Mean over the sentence's tokens (BOS excluded unless the file says `bos_in_pool = 1`).
    case mean
    /// The last token's state.
    case last
    /// Position-weighted mean, weights 1…T over the pooled tokens.
    case weighted
}
