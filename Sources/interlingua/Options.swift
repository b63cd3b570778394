// Options shared by several subcommands, and the parsing of list options (once, validated, no duplicates).
import Activations
import Alignment
import ArgumentParser
import Models
import Tracing

/// A comma-separated list option: split, trimmed, empty items dropped, each item checked, duplicates refused.
/// Used as `@Option(transform: CommaList.parse(…))`, so a bad list is a usage error naming the item.
enum CommaList {
    /// Splits `text` into items; throws on an empty list or an item listed twice.
    static func items(_ text: String) throws -> [String] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw ValidationError("the list is empty") }
        var seen = Set<String>()
        for item in items where !seen.insert(item).inserted {
            throw ValidationError("'\(item)' is listed twice")
        }
        return items
    }

    /// Items of a closed set: each must be a raw value of `T`.
    static func choices<T: RawRepresentable & CaseIterable>(_ text: String, of _: T.Type) throws -> [T]
        where T.RawValue == String {
        try items(text).map { item in
            guard let value = T(rawValue: item) else {
                throw ValidationError("unknown value '\(item)' (choose from \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return value
        }
    }

    static func languages(_ text: String) throws -> [String] { try items(text) }
    static func pools(_ text: String) throws -> [Pooling] { try choices(text, of: Pooling.self) }
    static func metrics(_ text: String) throws -> [MetricName] { try choices(text, of: MetricName.self) }
}

/// The Flores split a Flores folder is read from (ignored for TSV and JSONL corpora).
enum FloresSplit: String, ExpressibleByArgument, CaseIterable {
    case dev, devtest
}

/// Which rows and languages of a corpus a command reads: `trace` and `tokenize`.
struct CorpusSelection: ParsableArguments {
    @Option(help: ArgumentHelp("Comma-separated languages of the corpus to use, e.g. en,de,fr (default: all).",
                               valueName: "list"),
            transform: CommaList.languages)
    var languages: [String]?

    @Option(help: ArgumentHelp("Use only the first N rows of the corpus (N sentences in each language).", valueName: "N"))
    var limit: Int?

    @Option(help: "The split of a Flores folder to read.")
    var split: FloresSplit = .devtest

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }
}

/// `--threads`, worded and checked the same way in every computing command.
struct ThreadOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Threads to compute with (default: every core).", valueName: "N"))
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}

/// `--weight-cache`: whether every layer's decoded weights stay in memory for the whole run.
struct WeightCacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Keep the decoded weights of all layers in memory when they fit: auto (at most half of MemAvailable), off (decode each layer per batch), or a size such as 2G.",
                               valueName: "auto|off|SIZE"))
    var weightCache: WeightCache = .auto

    /// Applies the policy to `model`; returns whether it keeps its weights.
    @discardableResult
    func apply(to model: any DecoderModel) -> Bool { weightCache.apply(to: model) }
}

extension WeightCache: ExpressibleByArgument {}

/// A contiguous range of layers, `LOW-HIGH` or one layer `N` (0 = embeddings).
struct LayerRange: ExpressibleByArgument, Equatable {
    var lower: Int
    var upper: Int

    init?(argument: String) {
        let bounds = argument.split(separator: "-", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard (1...2).contains(bounds.count), let low = bounds[0], let high = bounds[bounds.count - 1],
              low >= 0, low <= high else { return nil }
        (lower, upper) = (low, high)
    }

    var text: String { lower == upper ? "\(lower)" : "\(lower)-\(upper)" }
}

extension PromptTemplate: ExpressibleByArgument {}
extension Pooling: ExpressibleByArgument {}
extension MetricName: ExpressibleByArgument {}
extension PairsMode: ExpressibleByArgument {}
extension Normalization: ExpressibleByArgument {}
