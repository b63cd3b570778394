// The latent-language curves of a lens file (Wendler et al. 2024, Fig. 2): per layer, the mean over prompts
// of each answer language's token-set probability and of the entropy, with percentile-bootstrap bands.
// Reads only the lens file (never runs a model), so curves of several runs can be overlaid.
import Activations
import Foundation

/// A mean over prompts at one layer and its bootstrap interval.
public struct LensEstimate: Sendable, Equatable, Codable {
    public var mean: Double
    public var low: Double
    public var high: Double

    public init(mean: Double, low: Double, high: Double) {
        self.mean = mean
        self.low = low
        self.high = high
    }
}

/// One language's curve over layers 0…n.
public struct LensCurve: Sendable, Equatable, Codable {
    public var language: String
    public var values: [LensEstimate]
}

/// The prompts of one target language and their curves.
public struct LensGroup: Sendable, Equatable, Codable {
    public var target: String
    /// Indices into the file's prompts.
    public var prompts: [Int]
    /// English first, then the target, then any other answer language of these prompts.
    public var curves: [LensCurve]
    /// Mean entropy (nats) per layer.
    public var entropy: [LensEstimate]
}

/// Everything the Wendler figure draws.
public struct LensCurves: Sendable, Equatable, Codable {
    public var model: String
    public var layers: [Int]
    public var finalNorm: Bool
    public var tokenSets: String
    public var bootstrap: Int
    public var confidence: Double
    public var dropped: Int
    public var groups: [LensGroup]

    /// Per target language (in order of first appearance), the mean of `lang_prob` at the last position
    /// over the group's prompts, per layer, with a percentile bootstrap interval: `resamples` draws of the
    /// prompts with replacement (one draw shared by all layers and languages, so bands are coherent), the
    /// `(1 − confidence)/2` and `(1 + confidence)/2` quantiles (linear interpolation) of the resampled means.
    public init(_ file: LensFile, resamples: Int = 1000, confidence: Double = 0.95, seed: UInt64 = 0) {
        model = file.model
        layers = Array(0...file.nLayers)
        finalNorm = file.finalNorm
        tokenSets = file.tokenSetRule
        bootstrap = resamples
        self.confidence = confidence
        dropped = file.dropped.count
        let layerCount = file.layerCount
        var order: [String] = []
        for t in file.targets where !order.contains(t) { order.append(t) }
        var generator = BootstrapGenerator(seed: seed)
        groups = order.map { target in
            let prompts = file.targets.indices.filter { file.targets[$0] == target }
            let rows = prompts.compactMap { file.lastRow(ofPrompt: $0) }
            let answered = file.languages.filter { lang in prompts.contains { file.answers[lang]?[$0].isEmpty == false } }
            let ordered = (answered.contains("en") ? ["en"] : []) + (target != "en" ? [target] : [])
                + answered.filter { $0 != "en" && $0 != target }
            let draws = (0..<resamples).map { _ in (0..<rows.count).map { _ in Int(generator.next() % UInt64(max(1, rows.count))) } }
            func curve(_ values: [Float]) -> [LensEstimate] {
                (0..<layerCount).map { l in
                    let column = rows.map { Double(values[$0 * layerCount + l]) }
                    return Self.estimate(column, draws: draws, confidence: confidence)
                }
            }
            let curves = ordered.compactMap { lang in
                file.languageProbability[lang].map { LensCurve(language: lang, values: curve($0)) }
            }
            return LensGroup(target: target, prompts: prompts, curves: curves, entropy: curve(file.entropy))
        }
    }

    /// Mean of the finite values and the percentile interval of the means over `draws`.
    static func estimate(_ values: [Double], draws: [[Int]], confidence: Double) -> LensEstimate {
        func mean(_ indices: [Int]) -> Double {
            var s = 0.0, n = 0
            for i in indices where values[i].isFinite { s += values[i]; n += 1 }
            return n > 0 ? s / Double(n) : .nan
        }
        let m = mean(Array(values.indices))
        let means = draws.map(mean).filter(\.isFinite).sorted()
        guard !means.isEmpty else { return LensEstimate(mean: m, low: m, high: m) }
        return LensEstimate(mean: m, low: quantile(means, (1 - confidence) / 2), high: quantile(means, (1 + confidence) / 2))
    }

    /// Linear-interpolation quantile of sorted values (NumPy's default, `method="linear"`).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        let t = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * t
    }

    /// The curves as JSON (sorted keys), e.g. `lens-curves.json` next to the figures.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014) for the bootstrap draws: the same bands on every platform.
struct BootstrapGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
