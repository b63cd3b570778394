// Reads an activation file (layout in ActivationsLayout.swift) one layer of one language at a time, so
// memory stays at N × d floats per read whatever the number of layers and languages.
import Foundation
import HDF5

/// An opened activation file: its attributes, languages, sentence ids and pooled datasets.
///
/// Opening checks `format` and `format_version` and refuses a file whose `complete` attribute is 0 (an
/// interrupted trace) unless `allowIncomplete`. Shapes are validated against the ids and each other
/// before any data is read.
public final class ActivationsReader: @unchecked Sendable {
    public let url: URL
    /// Every root attribute of the file.
    public let attributes: [String: H5AttributeValue]
    public let languages: [String]
    /// Sentence ids, the row order of every pooled dataset.
    public let ids: [String]
    /// The `complete` attribute (false for an interrupted trace opened with `allowIncomplete`).
    public let isComplete: Bool
    let file: H5File

    /// Largest number of floats one layer read may allocate (16 GiB): a guard against corrupt shapes.
    public static let maximumLayerElements = 1 << 32

    public init(url: URL, allowIncomplete: Bool = false) throws {
        self.url = url
        let path = url.path
        // No HDF5 file lock, like the writer (ActivationsWriter: locking policy): within one process HDF5
        // refuses to open a file twice with different locking flags.
        let file = try H5File.open(url, fileLocking: false)
        self.file = file
        let root = file.root
        var attributes: [String: H5AttributeValue] = [:]
        for name in try root.attributeNames() { attributes[name] = try root.attribute(name) }
        self.attributes = attributes

        if case let .string(format)? = attributes[ActivationsLayout.Attribute.format], format == ActivationsLayout.shardFormat {
            let place = [ActivationsLayout.Attribute.shardIndex, ActivationsLayout.Attribute.shardCount]
                .map { Self.integer(attributes[$0]).map(String.init) ?? "?" }.joined(separator: "/")
            throw ActivationsError.notActivations(file: path, reason: "it is shard \(place) of a sharded trace; merge the shards first (interlingua merge SHARD.h5… --output ALL.h5)")
        }
        guard case let .string(format)? = attributes[ActivationsLayout.Attribute.format],
              format == ActivationsLayout.format else {
            throw ActivationsError.notActivations(file: path, reason: "attribute 'format' is not '\(ActivationsLayout.format)'")
        }
        guard let version = Self.integer(attributes[ActivationsLayout.Attribute.formatVersion]) else {
            throw ActivationsError.notActivations(file: path, reason: "attribute 'format_version' is missing")
        }
        guard version >= 1, version <= ActivationsLayout.formatVersion else {
            throw ActivationsError.notActivations(file: path, reason: "format_version \(version) is not supported (this build reads up to \(ActivationsLayout.formatVersion))")
        }
        self.isComplete = try completeFlag(attributes[ActivationsLayout.Attribute.complete], file: path) ?? false
        if !isComplete && !allowIncomplete {
            throw ActivationsError.notActivations(file: path, reason: "complete = 0: the trace did not finish (resume it, or allow incomplete files to analyse what was written)")
        }
        guard root.contains(ActivationsLayout.languages), root.contains(ActivationsLayout.ids) else {
            throw ActivationsError.notActivations(file: path, reason: "missing /languages or /ids")
        }
        try ShardMerge.checkVirtualSources(of: url, attributes: attributes)
        self.languages = try root.dataset(ActivationsLayout.languages).readStrings()
        self.ids = try root.dataset(ActivationsLayout.ids).readStrings()
        guard !languages.isEmpty else { throw ActivationsError.notActivations(file: path, reason: "/languages is empty") }
        guard Set(languages).count == languages.count else {
            throw ActivationsError.notActivations(file: path, reason: "/languages repeats a language")
        }
    }

    /// Rows written per language: every row of a complete file; of an unfinished one, the rows of the batches
    /// its progress journal (`FILE.progress`) counts as flushed, mapped through `/batches`. Each language's
    /// rows are a prefix `0..<n` (batches run in row order). Throws when an unfinished file has no journal or
    /// no `/batches` (traced before it was recorded): then nothing proves which rows hold data.
    public func writtenRows() throws -> (rows: [String: Int], batchesDone: Int, batchesTotal: Int) {
        if isComplete { return (Dictionary(uniqueKeysWithValues: languages.map { ($0, ids.count) }), 0, 0) }
        guard let journal = try TraceJournal.read(for: url) else {
            throw ActivationsError.notActivations(file: url.path, reason: "complete = 0 and no progress journal (\(TraceJournal.url(for: url).lastPathComponent)) says which rows were written")
        }
        guard file.root.contains(ActivationsLayout.batches) else {
            throw ActivationsError.notActivations(file: url.path, reason: "complete = 0 and no /batches: traced by a version that did not record which rows each batch writes")
        }
        let dataset = try file.root.dataset(ActivationsLayout.batches)
        // [S, 4]: one row per segment (batch, language, first row, end row), batches packed across languages;
        // [B, 3]: one row per batch of one language (language, first row, end row), files of format_version 1.
        guard dataset.shape.count == 2, dataset.shape[1] == 3 || dataset.shape[1] == 4 else {
            throw ActivationsError.notActivations(file: url.path, reason: "/batches has shape \(dataset.shape), expected [S, 4] or [B, 3]")
        }
        let values = try dataset.read(Int64.self)
        let width = dataset.shape[1], segments = dataset.shape[0]
        let segment = { (s: Int) -> (batch: Int, language: Int, start: Int, end: Int) in
            width == 4 ? (Int(values[4 * s]), Int(values[4 * s + 1]), Int(values[4 * s + 2]), Int(values[4 * s + 3]))
                       : (s, Int(values[3 * s]), Int(values[3 * s + 1]), Int(values[3 * s + 2]))
        }
        var total = 0
        for s in 0..<segments {
            let b = segment(s).batch
            guard b == total - 1 || b == total else {
                throw ActivationsError.notActivations(file: url.path, reason: "/batches row \(s) names batch \(b) out of order")
            }
            total = b + 1
        }
        guard journal.batchesTotal == total else {
            throw ActivationsError.notActivations(file: url.path, reason: "the journal counts \(journal.batchesTotal) batches, /batches has \(total)")
        }
        var rows = Dictionary(uniqueKeysWithValues: languages.map { ($0, 0) })
        let done = journal.state == .creating ? 0 : min(journal.batchesDone, total)
        for s in 0..<segments where segment(s).batch < done {
            let (_, l, start, end) = segment(s)
            guard languages.indices.contains(l), start >= 0, start <= end, end <= ids.count else {
                throw ActivationsError.notActivations(file: url.path, reason: "/batches row \(s) = (\(l), \(start), \(end)) is outside the file's languages and rows")
            }
            // Only a contiguous prefix counts as written.
            if rows[languages[l]] == start { rows[languages[l]] = end }
        }
        return (rows, done, total)
    }

    /// The value of an integer attribute, if present.
    public func integerAttribute(_ name: String) -> Int? { Self.integer(attributes[name]) }

    /// The value of a string attribute, if present.
    public func stringAttribute(_ name: String) -> String? {
        if case let .string(s)? = attributes[name] { return s }
        return nil
    }

    /// Pooling methods with a `/pooled/<pool>` group in the file.
    public var pools: [Pooling] {
        Pooling.allCases.filter { file.root.contains("/pooled/\($0.rawValue)") }
    }

    /// Shape of `/pooled/<pool>/<language>` as [layers, N, d], validated against /ids.
    public func pooledShape(_ pool: Pooling, language: String) throws -> (layers: Int, sentences: Int, dimension: Int) {
        let path = ActivationsLayout.pooled(pool, language)
        guard languages.contains(language) else {
            throw ActivationsError.notActivations(file: url.path, reason: "no language '\(language)' (has \(languages.joined(separator: ", ")))")
        }
        guard file.root.contains(path) else {
            throw ActivationsError.notActivations(file: url.path, reason: "missing dataset \(path) (pools present: \(pools.map(\.rawValue).joined(separator: ", ")))")
        }
        let shape = try file.root.dataset(path).shape
        guard shape.count == 3, shape.allSatisfy({ $0 >= 0 }) else {
            throw ActivationsError.notActivations(file: url.path, reason: "\(path) has shape \(shape), expected [layers, N, d]")
        }
        guard shape[1] == ids.count || (!isComplete && shape[1] <= ids.count) else {
            throw ActivationsError.notActivations(file: url.path, reason: "\(path) has \(shape[1]) rows but /ids has \(ids.count)")
        }
        let (elements, overflow) = shape[1].multipliedReportingOverflow(by: shape[2])
        guard !overflow, elements <= Self.maximumLayerElements else {
            throw ActivationsError.notActivations(file: url.path, reason: "\(path) has an implausible shape \(shape)")
        }
        return (shape[0], shape[1], shape[2])
    }

    /// Layer `layer` of `/pooled/<pool>/<language>`: N × d floats, row-major (row n = sentence ids[n]).
    public func pooled(_ pool: Pooling, language: String, layer: Int) throws -> [Float] {
        let shape = try pooledShape(pool, language: language)
        guard layer >= 0, layer < shape.layers else {
            throw ActivationsError.notActivations(file: url.path, reason: "layer \(layer) is outside 0..<\(shape.layers) in \(ActivationsLayout.pooled(pool, language))")
        }
        let dataset = try file.root.dataset(ActivationsLayout.pooled(pool, language))
        return try dataset.read(Float.self, offset: [layer, 0, 0], count: [1, shape.sentences, shape.dimension])
    }

    /// Whether the file holds neuron activation counts (`trace --neurons`).
    public var hasNeuronCounts: Bool { file.root.contains(ActivationsLayout.neurons) }

    /// `/neurons/<language>/active_count` ([layers, width], row-major) and `/neurons/<language>/tokens`,
    /// validated: non-negative, no count above the token count.
    public func neuronCounts(language: String) throws -> (layers: Int, width: Int, counts: [Int64], tokens: Int64) {
        let path = ActivationsLayout.neuronActiveCount(language)
        guard languages.contains(language) else {
            throw ActivationsError.notActivations(file: url.path, reason: "no language '\(language)' (has \(languages.joined(separator: ", ")))")
        }
        guard file.root.contains(path), file.root.contains(ActivationsLayout.neuronTokens(language)) else {
            throw ActivationsError.notActivations(file: url.path, reason: "missing \(path) (trace with --neurons to count neuron activations)")
        }
        let dataset = try file.root.dataset(path)
        let shape = dataset.shape
        guard shape.count == 2, shape[0] > 0, shape[1] > 0,
              shape[0].multipliedReportingOverflow(by: shape[1]).partialValue <= Self.maximumLayerElements else {
            throw ActivationsError.notActivations(file: url.path, reason: "\(path) has shape \(shape), expected [n_layers, d_ffn]")
        }
        let counts = try dataset.read(Int64.self)
        let tokenValues = try file.root.dataset(ActivationsLayout.neuronTokens(language)).read(Int64.self)
        guard tokenValues.count == 1, let tokens = tokenValues.first, tokens >= 0 else {
            throw ActivationsError.notActivations(file: url.path, reason: "\(ActivationsLayout.neuronTokens(language)) is not one non-negative integer")
        }
        if let bad = counts.firstIndex(where: { $0 < 0 || $0 > tokens }) {
            throw ActivationsError.notActivations(file: url.path,
                reason: "\(path)[\(bad / shape[1]), \(bad % shape[1])] = \(counts[bad]) is outside 0…\(tokens) (the token count)")
        }
        return (shape[0], shape[1], counts, tokens)
    }

    private static func integer(_ value: H5AttributeValue?) -> Int? {
        switch value {
        case let .int(v)?: return Int(v)
        case let .ints(v)? where v.count == 1: return Int(v[0])
        case let .double(v)? where v == v.rounded(): return Int(v)
        default: return nil
        }
    }
}
