// The schema of `compare.json` (a public contract, read by the figures and the report page) and the two CSVs.
import Alignment
import Foundation

/// Everything `interlingua compare` computed over several align runs.
///
/// ```
/// { "format": "interlingua.compare", "format_version": 1, "tool_version", "created", "settings": {…},
///   "runs": [{"label","path","model","n_layers","sentence_count","languages","pseudo_values"}],
///   "metrics": [...], "pairs": [{"source","target"}], "left_out": ["…why…"],
///   "curves": [{"metric","run","source","target","points":[{"layer","relative_depth","value","ci_low","ci_high"}]}],
///   "peaks": [{"metric","run","layer","relative_depth","value","layer_ci_low","layer_ci_high"}],
///   "differences": [{"metric","run_a","run_b","paired","grid","points":[{"layer","relative_depth","difference",
///                    "ci_low","ci_high","excludes_zero"}],"layers_excluding_zero":[…],
///                    "peak_value":{…estimate…},"peak_relative_depth":{…estimate…}}] }
/// ```
/// Curves of the pair-averaged metric have source = target = "*". A difference is run_a − run_b.
public struct CompareReport: Codable, Sendable, Equatable {
    public static let format = "interlingua.compare"
    public static let currentFormatVersion = 1

    public var format: String = CompareReport.format
    public var formatVersion: Int = CompareReport.currentFormatVersion
    public var toolVersion: String
    public var created: String
    public var settings: CompareSettings
    public var runs: [RunSummary]
    public var metrics: [String]
    /// Language pairs every run measured (the pair means average over these).
    public var pairs: [LanguagePair]
    /// What was not compared, and why (metrics, pairs or languages not shared by every run).
    public var leftOut: [String]
    public var curves: [CompareCurve]
    public var peaks: [ComparePeak]
    public var differences: [CompareDifference]
    /// Lens runs (`interlingua lens` files) compared, when two or more were given.
    public var lens: LensComparison? = nil
    /// Responses runs (`interlingua responses` folders) compared, when two or more were given.
    public var responses: ResponsesComparison? = nil

    enum CodingKeys: String, CodingKey {
        case format, created, settings, runs, metrics, pairs, curves, peaks, differences, lens, responses
        case formatVersion = "format_version"
        case toolVersion = "tool_version"
        case leftOut = "left_out"
    }

    /// A report with no alignment part (the lens or responses parts are set by the caller).
    public static func empty(settings: CompareSettings, toolVersion: String, leftOut: [String] = []) -> CompareReport {
        var used = settings
        used.metrics = []
        return CompareReport(toolVersion: toolVersion, created: ISO8601DateFormatter().string(from: Date()),
                             settings: used, runs: [], metrics: [], pairs: [], leftOut: leftOut, curves: [], peaks: [],
                             differences: [])
    }

    /// The pair-averaged curve of `metric` for `run`.
    public func meanCurve(_ metric: String, run: String) -> CompareCurve? {
        curves.first { $0.metric == metric && $0.run == run && $0.source == "*" }
    }

    public static func read(from url: URL) throws -> CompareReport {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CompareError.inconsistentRun(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(CompareReport.self, from: data) } catch {
            throw CompareError.inconsistentRun(path: url.path, reason: "not a compare.json of this version")
        }
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// How the comparison ran.
public struct CompareSettings: Codable, Sendable, Equatable {
    public enum Depth: String, Codable, Sendable, CaseIterable {
        /// x = layer index (only meaningful when every run has the same number of blocks).
        case absolute
        /// x = layer / n_layers, 0 = embeddings, 1 = the last block.
        case relative
    }

    public var metrics: [String]
    public var depth: Depth
    public var perPair: Bool
    public var bootstrap: Int
    public var seed: UInt64
    public var confidence: Double

    public init(metrics: [String], depth: Depth, perPair: Bool = false, bootstrap: Int = 1000, seed: UInt64 = 0,
                confidence: Double = 0.95) {
        self.metrics = metrics
        self.depth = depth
        self.perPair = perPair
        self.bootstrap = bootstrap
        self.seed = seed
        self.confidence = confidence
    }

    enum CodingKeys: String, CodingKey {
        case metrics, depth, bootstrap, seed, confidence
        case perPair = "per_pair"
    }
}

public struct RunSummary: Codable, Sendable, Equatable {
    public var label: String
    public var path: String
    public var model: String?
    public var nLayers: Int
    public var sentenceCount: Int
    public var languages: [String]
    /// Whether pseudovalues.h5 was there (intervals and paired differences need it).
    public var pseudoValues: Bool

    enum CodingKeys: String, CodingKey {
        case label, path, model, languages
        case nLayers = "n_layers"
        case sentenceCount = "sentence_count"
        case pseudoValues = "pseudo_values"
    }
}

public struct CurvePoint: Codable, Sendable, Equatable {
    public var layer: Int
    public var relativeDepth: Double
    public var value: Double
    public var ciLow: Double?
    public var ciHigh: Double?

    enum CodingKeys: String, CodingKey {
        case layer, value
        case relativeDepth = "relative_depth"
        case ciLow = "ci_low"
        case ciHigh = "ci_high"
    }
}

public struct CompareCurve: Codable, Sendable, Equatable {
    public var metric: String
    public var run: String
    /// "*" for the mean over the shared pairs.
    public var source: String
    public var target: String
    public var points: [CurvePoint]
}

public struct ComparePeak: Codable, Sendable, Equatable {
    public var metric: String
    public var run: String
    public var layer: Int
    public var relativeDepth: Double
    public var value: Double
    public var layerCILow: Int?
    public var layerCIHigh: Int?

    enum CodingKeys: String, CodingKey {
        case metric, run, layer, value
        case relativeDepth = "relative_depth"
        case layerCILow = "layer_ci_low"
        case layerCIHigh = "layer_ci_high"
    }
}

public struct DifferencePoint: Codable, Sendable, Equatable {
    /// The layer of the grid run (see `CompareDifference.grid`).
    public var layer: Int
    public var relativeDepth: Double
    public var difference: Double
    public var ciLow: Double?
    public var ciHigh: Double?
    /// The interval lies entirely above or below 0.
    public var excludesZero: Bool

    enum CodingKeys: String, CodingKey {
        case layer, difference
        case relativeDepth = "relative_depth"
        case ciLow = "ci_low"
        case ciHigh = "ci_high"
        case excludesZero = "excludes_zero"
    }
}

public struct CompareDifference: Codable, Sendable, Equatable {
    public var metric: String
    public var runA: String
    public var runB: String
    /// True when both runs measured the same sentences and one resample design served both (paired bootstrap);
    /// false: independent resamples of each run (different corpora), or no interval at all without pseudo-values.
    public var paired: Bool
    /// Which layers the points sit at: "layers" (both runs have the same depth) or "relative depth of <run>" (the
    /// shallower run's layers; the deeper run linearly interpolated at the same relative depth).
    public var grid: String
    public var points: [DifferencePoint]
    public var layersExcludingZero: [Int]
    /// max over layers of A − max over layers of B (the peak values).
    public var peakValue: Estimate
    /// Peak relative depth of A − that of B.
    public var peakRelativeDepth: Estimate

    enum CodingKeys: String, CodingKey {
        case metric, paired, grid, points
        case runA = "run_a"
        case runB = "run_b"
        case layersExcludingZero = "layers_excluding_zero"
        case peakValue = "peak_value"
        case peakRelativeDepth = "peak_relative_depth"
    }
}

// MARK: - CSV

public enum CompareCSV {
    public static let curvesHeader = "metric,run,layer,relative_depth,value,ci_low,ci_high"
    public static let differencesHeader = "metric,run_a,run_b,layer,difference,ci_low,ci_high"

    static func field(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }

    static func quoted(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// compare.csv: the pair-averaged curve of every metric and run (per-pair curves carry the pair in
    /// the metric column as `metric[source-target]`).
    public static func curves(_ report: CompareReport) -> String {
        var lines = [curvesHeader]
        for curve in report.curves {
            let metric = curve.source == "*" ? curve.metric : "\(curve.metric)[\(curve.source)-\(curve.target)]"
            for p in curve.points {
                lines.append([quoted(metric), quoted(curve.run), "\(p.layer)", "\(p.relativeDepth)", field(p.value),
                              field(p.ciLow), field(p.ciHigh)].joined(separator: ","))
            }
        }
        for curve in report.lens?.curves ?? [] {
            for p in curve.points {
                lines.append([curve.metric, quoted(curve.run), "\(p.layer)", "\(p.relativeDepth)", field(p.value),
                              field(p.ciLow), field(p.ciHigh)].joined(separator: ","))
            }
        }
        // Responses: one row per run and instruction language, the language in the metric column, no layer.
        for r in report.responses?.rates ?? [] {
            lines.append(["\(ResponsesComparison.metric)[\(r.lang)]", quoted(r.run), "", "", field(r.rate),
                          field(r.ciLow), field(r.ciHigh)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// compare-differences.csv: A − B per grid layer.
    public static func differences(_ report: CompareReport) -> String {
        var lines = [differencesHeader]
        for d in report.differences {
            for p in d.points {
                lines.append([quoted(d.metric), quoted(d.runA), quoted(d.runB), "\(p.layer)", field(p.difference),
                              field(p.ciLow), field(p.ciHigh)].joined(separator: ","))
            }
        }
        for d in report.lens?.differences ?? [] {
            for p in d.points {
                lines.append([d.metric, quoted(d.runA), quoted(d.runB), "\(p.layer)", field(p.difference),
                              field(p.ciLow), field(p.ciHigh)].joined(separator: ","))
            }
        }
        for d in report.responses?.differences ?? [] {
            lines.append(["\(ResponsesComparison.metric)[\(d.lang)]", quoted(d.runA), quoted(d.runB), "", field(d.difference),
                          field(d.ciLow), field(d.ciHigh)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension CompareSettings {
    /// The resample design of `n` sentences (or prompts); runs with the same items get the same design
    /// (seedOffset 0), which makes their differences paired. nil without bootstrap or items.
    func bootstrapDesign(_ n: Int, seedOffset: UInt64) -> BootstrapDesign? {
        guard bootstrap > 0, n > 0 else { return nil }
        return BootstrapDesign(replicates: bootstrap, sentences: n, seed: seed &+ seedOffset)
    }
}
