// The schema of `alignment.json`: a public contract read by Plotting (curves, heatmaps, scatter).
// Keys are snake_case on disk (explicit CodingKeys); bump `AlignmentReport.currentFormatVersion` when a
// name, shape or meaning changes.
import Activations
import Foundation

/// Everything `interlingua align` measured on one activations file.
///
/// Layout on disk (JSON):
/// ```
/// { "format": "interlingua.alignment", "format_version": 1, "tool_version", "created",
///   "source": {…activation file attributes…}, "settings": {…}, "layers": [0…n_layers],
///   "languages": [...], "sentence_count": N, "pairs": [{"source","target"}],
///   "definitions": [{"name","scope","description","range","higher_is_better"}],
///   "pair_metrics": [{"metric","source","target","values":[{"value","ci_low","ci_high"} per layer]}],
///   "layer_metrics": [{"metric","values":[…per layer…]}],
///   "layer_cka": [{"source","target","matrix":[[…]]}],            // rows = source layers, cols = target layers
///   "projection": {"components", "explained_variance_ratio":[[…k…] per layer],
///                  "coordinates":[{"layer","language","points":[[…k…] per sentence]}]},
///   "peak": {…} }
/// ```
public struct AlignmentReport: Codable, Sendable, Equatable {
    public static let format = "interlingua.alignment"
    /// 2: `settings.normalize` (applied before every measure), `diagnostics`, `warnings`, `peaks` (every
    /// pair metric), `peak_agreement` and `controls`; version-1 files read with those absent.
    public static let currentFormatVersion = 2

    public var format: String
    public var formatVersion: Int
    public var toolVersion: String
    /// ISO 8601 time of the analysis.
    public var created: String
    /// What was analysed: the activations file and its attributes.
    public var source: SourceInfo
    public var settings: AlignmentSettings
    /// Layer indices: 0 = embeddings, i = output of block i (as in the activations file).
    public var layers: [Int]
    public var languages: [String]
    public var sentenceCount: Int
    /// Ordered language pairs; `source` is the pivot in pivot mode.
    public var pairs: [LanguagePair]
    /// What every metric name in this report means.
    public var definitions: [MetricDefinition]
    /// Per pair and layer values (with bootstrap intervals when the bootstrap ran).
    public var pairMetrics: [PairMetricSeries]
    /// Per layer values over all languages (separability, centroid accuracy).
    public var layerMetrics: [LayerMetricSeries]
    /// Layer × layer linear CKA matrices: the pivot against itself and against every other language.
    public var layerCKA: [LayerCKAMatrix]
    /// Centered PCA of all languages' sentence vectors per layer (nil when not requested).
    public var projection: ProjectionSummary?
    /// The layer maximizing the pair-averaged primary metric (nil when no pair metric was computed).
    public var peak: AlignmentPeak?
    /// The peak of every pair metric (pair-averaged), primary first.
    public var peaks: [AlignmentPeak]?
    /// Whether the pair metrics' peaks agree (span at most `PeakAgreement.toleranceLayers`).
    public var peakAgreement: PeakAgreement?
    /// Per layer: anisotropy of the raw vectors (top dimensions' shares, PC1 share).
    public var diagnostics: [LayerDiagnostics]?
    /// Warnings a reader must see (one dimension dominating the raw cosine, …); also printed on stderr.
    public var warnings: [String]?
    /// The lexical-overlap baseline and the shuffled-pairing chance level.
    public var controls: AlignmentControls?

    public init(format: String = AlignmentReport.format, formatVersion: Int = AlignmentReport.currentFormatVersion,
                toolVersion: String, created: String, source: SourceInfo, settings: AlignmentSettings,
                layers: [Int], languages: [String], sentenceCount: Int, pairs: [LanguagePair],
                definitions: [MetricDefinition], pairMetrics: [PairMetricSeries],
                layerMetrics: [LayerMetricSeries], layerCKA: [LayerCKAMatrix],
                projection: ProjectionSummary?, peak: AlignmentPeak?) {
        self.format = format
        self.formatVersion = formatVersion
        self.toolVersion = toolVersion
        self.created = created
        self.source = source
        self.settings = settings
        self.layers = layers
        self.languages = languages
        self.sentenceCount = sentenceCount
        self.pairs = pairs
        self.definitions = definitions
        self.pairMetrics = pairMetrics
        self.layerMetrics = layerMetrics
        self.layerCKA = layerCKA
        self.projection = projection
        self.peak = peak
    }

    /// The peak of `metric` among `peaks` (or the primary's `peak`).
    public func peak(of metric: String) -> AlignmentPeak? {
        peaks?.first { $0.metric == metric } ?? (peak?.metric == metric ? peak : nil)
    }

    enum CodingKeys: String, CodingKey {
        case format, source, settings, layers, languages, pairs, definitions, projection, peak, created
        case formatVersion = "format_version"
        case toolVersion = "tool_version"
        case sentenceCount = "sentence_count"
        case pairMetrics = "pair_metrics"
        case layerMetrics = "layer_metrics"
        case layerCKA = "layer_cka"
        case peaks, diagnostics, warnings, controls
        case peakAgreement = "peak_agreement"
    }

    // MARK: - Lookup helpers for readers (Plotting)

    /// The series of `metric` for the pair `source → target`, if present.
    public func series(_ metric: String, source: String, target: String) -> PairMetricSeries? {
        pairMetrics.first { $0.metric == metric && $0.source == source && $0.target == target }
    }

    /// All pair series of `metric`, in pair order.
    public func series(_ metric: String) -> [PairMetricSeries] {
        pairMetrics.filter { $0.metric == metric }
    }

    /// The per-layer series of a layer metric (e.g. `language_separability`).
    public func layerSeries(_ metric: String) -> LayerMetricSeries? {
        layerMetrics.first { $0.metric == metric }
    }

    // MARK: - Reading and writing

    /// Decodes a report written by `encoded()` / `interlingua align`.
    public static func read(from url: URL) throws -> AlignmentReport {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AlignmentError.unreadableReport(path: url.path, reason: error.localizedDescription)
        }
        let report: AlignmentReport
        do { report = try JSONDecoder().decode(AlignmentReport.self, from: data) } catch {
            throw AlignmentError.unreadableReport(path: url.path, reason: String(describing: error))
        }
        if let problem = report.consistencyProblem() {
            throw AlignmentError.unreadableReport(path: url.path, reason: "inconsistent: \(problem)")
        }
        return report
    }

    /// Pretty-printed JSON with sorted keys (stable diffs).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(self) } catch {
            throw AlignmentError.unencodableReport(reason: String(describing: error))
        }
    }
}

/// The activations file that was analysed and the attributes it carries.
public struct SourceInfo: Codable, Sendable, Equatable {
    /// Path as given on the command line.
    public var path: String
    public var model: String?
    public var architecture: String?
    public var nLayers: Int?
    public var dModel: Int?
    public var template: String?
    public var pooling: String?
    public var bosInPool: Int?
    public var toolVersion: String?
    public var created: String?
    /// Every root attribute of the activations file rendered as text (self-description).
    public var attributes: [String: String]

    public init(path: String, model: String? = nil, architecture: String? = nil, nLayers: Int? = nil,
                dModel: Int? = nil, template: String? = nil, pooling: String? = nil, bosInPool: Int? = nil,
                toolVersion: String? = nil, created: String? = nil, attributes: [String: String] = [:]) {
        self.path = path
        self.model = model
        self.architecture = architecture
        self.nLayers = nLayers
        self.dModel = dModel
        self.template = template
        self.pooling = pooling
        self.bosInPool = bosInPool
        self.toolVersion = toolVersion
        self.created = created
        self.attributes = attributes
    }

    enum CodingKeys: String, CodingKey {
        case path, model, architecture, template, pooling, created, attributes
        case nLayers = "n_layers"
        case dModel = "d_model"
        case bosInPool = "bos_in_pool"
        case toolVersion = "tool_version"
    }
}

/// Which language pairs an analysis measures.
public enum PairsMode: String, Sendable, CaseIterable, Codable {
    /// The pivot against every other language.
    case pivot
    /// Every unordered pair.
    case all
}

/// The options an analysis ran with (the CLI flags). Encoded with the enums' raw values, so the
/// `settings` object of alignment.json holds plain strings.
public struct AlignmentSettings: Codable, Sendable, Equatable {
    /// Which `/pooled/<pool>` group was read.
    public var pool: Pooling
    public var pivot: String
    public var pairs: PairsMode
    public var metrics: [MetricName]
    public var bootstrap: Int
    public var seed: UInt64
    public var primary: MetricName
    /// RBF bandwidth σ = scale × median pairwise distance.
    public var rbfScale: Double
    public var knnK: Int
    public var components: Int
    public var lsarRank: Int
    public var confidence: Double
    /// Applied to every layer's vectors before every measure (`--normalize`; absent in version-1 files = none).
    public var normalize: Normalization

    public init(pool: Pooling = .mean, pivot: String = "en", pairs: PairsMode = .pivot,
                metrics: [MetricName] = MetricName.allCases, bootstrap: Int = 1000,
                seed: UInt64 = 0, primary: MetricName = .retrievalP1, rbfScale: Double = 0.5,
                knnK: Int = 10, components: Int = 3, lsarRank: Int = 1, confidence: Double = 0.95,
                normalize: Normalization = .defaultChoice) {
        self.pool = pool
        self.pivot = pivot
        self.pairs = pairs
        self.metrics = metrics
        self.bootstrap = bootstrap
        self.seed = seed
        self.primary = primary
        self.rbfScale = rbfScale
        self.knnK = knnK
        self.components = components
        self.lsarRank = lsarRank
        self.confidence = confidence
        self.normalize = normalize
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pool = try c.decode(Pooling.self, forKey: .pool)
        pivot = try c.decode(String.self, forKey: .pivot)
        pairs = try c.decode(PairsMode.self, forKey: .pairs)
        metrics = try c.decode([MetricName].self, forKey: .metrics)
        bootstrap = try c.decode(Int.self, forKey: .bootstrap)
        seed = try c.decode(UInt64.self, forKey: .seed)
        primary = try c.decode(MetricName.self, forKey: .primary)
        rbfScale = try c.decode(Double.self, forKey: .rbfScale)
        knnK = try c.decode(Int.self, forKey: .knnK)
        components = try c.decode(Int.self, forKey: .components)
        lsarRank = try c.decode(Int.self, forKey: .lsarRank)
        confidence = try c.decode(Double.self, forKey: .confidence)
        normalize = try c.decodeIfPresent(Normalization.self, forKey: .normalize) ?? .none
    }

    enum CodingKeys: String, CodingKey {
        case pool, pivot, pairs, metrics, bootstrap, seed, primary, components, confidence, normalize
        case rbfScale = "rbf_scale"
        case knnK = "knn_k"
        case lsarRank = "lsar_rank"
    }
}

/// An ordered language pair (`source` = the pivot in pivot mode; `_fwd` metrics retrieve target from source).
public struct LanguagePair: Codable, Sendable, Hashable {
    public var source: String
    public var target: String
    public init(source: String, target: String) {
        self.source = source
        self.target = target
    }
}

/// What a metric name means: its formula in words, its range and direction.
public struct MetricDefinition: Codable, Sendable, Equatable {
    public var name: String
    /// `pair` (per language pair and layer) or `layer` (per layer over all languages).
    public var scope: String
    public var description: String
    /// Inclusive bounds of the value, e.g. [-1, 1].
    public var range: [Double]
    public var higherIsBetter: Bool

    public init(name: String, scope: String, description: String, range: [Double], higherIsBetter: Bool) {
        self.name = name
        self.scope = scope
        self.description = description
        self.range = range
        self.higherIsBetter = higherIsBetter
    }

    enum CodingKeys: String, CodingKey {
        case name, scope, description, range
        case higherIsBetter = "higher_is_better"
    }
}

/// A point estimate with its bootstrap percentile interval (nil bounds when the bootstrap was off).
public struct Estimate: Codable, Sendable, Equatable {
    public var value: Double
    public var ciLow: Double?
    public var ciHigh: Double?

    public init(value: Double, ciLow: Double? = nil, ciHigh: Double? = nil) {
        self.value = value
        self.ciLow = ciLow
        self.ciHigh = ciHigh
    }

    enum CodingKeys: String, CodingKey {
        case value
        case ciLow = "ci_low"
        case ciHigh = "ci_high"
    }
}

/// One metric for one pair across all layers: `values[i]` belongs to `AlignmentReport.layers[i]`.
public struct PairMetricSeries: Codable, Sendable, Equatable {
    public var metric: String
    public var source: String
    public var target: String
    public var values: [Estimate]

    public init(metric: String, source: String, target: String, values: [Estimate]) {
        self.metric = metric
        self.source = source
        self.target = target
        self.values = values
    }
}

/// One metric over all languages across layers: `values[i]` belongs to `AlignmentReport.layers[i]`.
public struct LayerMetricSeries: Codable, Sendable, Equatable {
    public var metric: String
    public var values: [Estimate]

    public init(metric: String, values: [Estimate]) {
        self.metric = metric
        self.values = values
    }
}

/// Linear CKA between every layer of `source` (rows) and every layer of `target` (columns).
public struct LayerCKAMatrix: Codable, Sendable, Equatable {
    public var source: String
    public var target: String
    /// `matrix[i][j]` = CKA(source at layers[i], target at layers[j]).
    public var matrix: [[Double]]

    public init(source: String, target: String, matrix: [[Double]]) {
        self.source = source
        self.target = target
        self.matrix = matrix
    }
}

/// Per-layer PCA of all languages' sentence vectors (centered by the grand mean).
public struct ProjectionSummary: Codable, Sendable, Equatable {
    public var components: Int
    /// `explainedVarianceRatio[i][c]`: share of total variance on component c at layers[i].
    public var explainedVarianceRatio: [[Double]]
    /// Coordinates per layer and language; `points[n]` is sentence n (row order of the file's `/ids`).
    public var coordinates: [ProjectedPoints]

    public init(components: Int, explainedVarianceRatio: [[Double]], coordinates: [ProjectedPoints]) {
        self.components = components
        self.explainedVarianceRatio = explainedVarianceRatio
        self.coordinates = coordinates
    }

    enum CodingKeys: String, CodingKey {
        case components, coordinates
        case explainedVarianceRatio = "explained_variance_ratio"
    }

    /// The points of `language` at `layer`, if present.
    public func points(layer: Int, language: String) -> [[Double]]? {
        coordinates.first { $0.layer == layer && $0.language == language }?.points
    }
}

/// One language's sentences projected on the first components at one layer.
public struct ProjectedPoints: Codable, Sendable, Equatable {
    public var layer: Int
    public var language: String
    public var points: [[Double]]

    public init(layer: Int, language: String, points: [[Double]]) {
        self.layer = layer
        self.language = language
        self.points = points
    }
}

/// The alignment peak: the layer where the pair-averaged primary metric is largest.
public struct AlignmentPeak: Codable, Sendable, Equatable {
    public var metric: String
    /// The peak layer (a value of `AlignmentReport.layers`).
    public var layer: Int
    /// The pair-averaged primary metric at the peak.
    public var value: Double
    /// Percentile interval of the peak layer over bootstrap replicates (nil without bootstrap).
    public var layerCILow: Int?
    public var layerCIHigh: Int?
    /// Share of bootstrap replicates whose peak fell on each layer (aligned with `layers`; empty without bootstrap).
    public var layerFrequency: [Double]
    /// The pair-averaged primary metric per layer, with intervals.
    public var curve: [Estimate]

    public init(metric: String, layer: Int, value: Double, layerCILow: Int?, layerCIHigh: Int?,
                layerFrequency: [Double], curve: [Estimate]) {
        self.metric = metric
        self.layer = layer
        self.value = value
        self.layerCILow = layerCILow
        self.layerCIHigh = layerCIHigh
        self.layerFrequency = layerFrequency
        self.curve = curve
    }

    enum CodingKeys: String, CodingKey {
        case metric, layer, value, curve
        case layerCILow = "layer_ci_low"
        case layerCIHigh = "layer_ci_high"
        case layerFrequency = "layer_frequency"
    }
}

/// Do the pair metrics locate the same layer? They disagree when their peak layers span more than
/// `toleranceLayers`; the headline then names the span instead of one layer.
public struct PeakAgreement: Codable, Sendable, Equatable {
    /// Peaks more than this many layers apart disagree.
    public static let defaultTolerance = 2

    public var metrics: [String]
    public var lowestLayer: Int
    public var highestLayer: Int
    public var toleranceLayers: Int
    public var agree: Bool

    public init(peaks: [AlignmentPeak], toleranceLayers: Int = PeakAgreement.defaultTolerance) {
        metrics = peaks.map(\.metric)
        lowestLayer = peaks.map(\.layer).min() ?? 0
        highestLayer = peaks.map(\.layer).max() ?? 0
        self.toleranceLayers = toleranceLayers
        agree = highestLayer - lowestLayer <= toleranceLayers
    }

    enum CodingKeys: String, CodingKey {
        case metrics, agree
        case lowestLayer = "lowest_layer"
        case highestLayer = "highest_layer"
        case toleranceLayers = "tolerance_layers"
    }
}
