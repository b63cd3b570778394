// The logit-lens file (`format = "interlingua.lens"`): layout, writer and reader. The tracer's lens run
// writes it; the Lens analysis and the figures read it (they never run a model). Public contract: README,
// docs/lens.md.
import Foundation
import HDF5

/// Dataset and attribute names of a lens file. R rows = one per prompt (`positions = "last"`), or one per
/// prompt token (`positions = "all"`); L = n_layers + 1 lens layers (0 = embedding output, l = block l's
/// raw output).
public enum LensLayout {
    public static let format = "interlingua.lens"
    public static let formatVersion = 1

    public enum Attribute {
        public static let format = "format"
        public static let formatVersion = "format_version"
        public static let model = "model"
        public static let architecture = "architecture"
        public static let nLayers = "n_layers"
        public static let vocabularySize = "vocab_size"
        public static let finalNorm = "final_norm"
        public static let positions = "positions"
        public static let topK = "top_k"
        public static let tokenSets = "token_sets"
        public static let tasks = "tasks"
        public static let toolVersion = "tool_version"
        public static let created = "created"
        public static let complete = "complete"
    }

    /// string[P]: task ids of the kept prompts (the prompt order of every dataset).
    public static let ids = "ids"
    /// string[P]: prompt texts.
    public static let prompts = "prompts"
    /// string[P]: each prompt's target language.
    public static let targets = "targets"
    /// string[A]: the answer languages (every language of any kept prompt's `answers`).
    public static let languages = "languages"
    /// string[P]: the answer in `lang` ("" when the prompt has none).
    public static func answers(_ lang: String) -> String { "answers/\(lang)" }
    /// int32[Σ T] and int64[P+1]: prompt token ids, ragged.
    public static let tokenIDs = "tokens/ids"
    public static let tokenOffsets = "tokens/offsets"
    /// int32[R]: the prompt (index into /ids) and token position of every row.
    public static let rowPrompt = "rows/prompt"
    public static let rowPosition = "rows/position"
    /// float32[R, L].
    public static let logsumexp = "logsumexp"
    public static let entropy = "entropy"
    /// int32[R, L, k] and float32[R, L, k], by decreasing log-probability.
    public static let topIDs = "topk/ids"
    public static let topLogprobs = "topk/logprobs"
    /// string[R·L]: the top-1 token decoded (row-major [R, L]; reshape in h5py).
    public static let topText = "topk/text"
    /// float32[R, L]: Σ p over the prompt's token set of its answer in `lang` (NaN when no answer).
    public static func languageProbability(_ lang: String) -> String { "lang_prob/\(lang)" }
    /// int32[…] and int64[P+1]: the token set of each prompt's answer in `lang`, ragged.
    public static func tokenSetIDs(_ lang: String) -> String { "token_sets/\(lang)/ids" }
    public static func tokenSetOffsets(_ lang: String) -> String { "token_sets/\(lang)/offsets" }
    /// string[D]: "<id>: <reason>" for every task left out.
    public static let dropped = "dropped"
}

/// Everything a lens file holds except the per-row results.
public struct LensHeader: Sendable {
    public var model: String
    public var architecture: String
    public var nLayers: Int
    public var vocabularySize: Int
    public var finalNorm: Bool
    /// "last" or "all".
    public var positions: String
    public var topK: Int
    /// "full" or "wendler".
    public var tokenSetRule: String
    public var tasks: String
    public var toolVersion: String
    public var ids: [String]
    public var prompts: [String]
    public var targets: [String]
    public var languages: [String]
    /// Per language: P answers.
    public var answers: [[String]]
    public var tokenIDs: [[Int32]]
    /// Per row: prompt index and token position.
    public var rowPrompt: [Int32]
    public var rowPosition: [Int32]
    /// Per language, per prompt: the token set.
    public var tokenSets: [[[Int32]]]
    public var dropped: [String]

    public init(model: String, architecture: String, nLayers: Int, vocabularySize: Int, finalNorm: Bool,
                positions: String, topK: Int, tokenSetRule: String, tasks: String, toolVersion: String,
                ids: [String], prompts: [String], targets: [String], languages: [String], answers: [[String]],
                tokenIDs: [[Int32]], rowPrompt: [Int32], rowPosition: [Int32], tokenSets: [[[Int32]]],
                dropped: [String]) {
        self.model = model
        self.architecture = architecture
        self.nLayers = nLayers
        self.vocabularySize = vocabularySize
        self.finalNorm = finalNorm
        self.positions = positions
        self.topK = topK
        self.tokenSetRule = tokenSetRule
        self.tasks = tasks
        self.toolVersion = toolVersion
        self.ids = ids
        self.prompts = prompts
        self.targets = targets
        self.languages = languages
        self.answers = answers
        self.tokenIDs = tokenIDs
        self.rowPrompt = rowPrompt
        self.rowPosition = rowPosition
        self.tokenSets = tokenSets
        self.dropped = dropped
    }
}

/// The lens results of a block of consecutive rows, layer-minor: index `(r · L + l) · k + j`.
public struct LensRows: Sendable {
    public var rows: Range<Int>
    public var layerCount: Int
    public var topK: Int
    public var logsumexp: [Float]
    public var entropy: [Float]
    public var topIDs: [Int32]
    public var topLogprobs: [Float]
    public var topText: [String]
    /// Per language of the header.
    public var languageProbability: [[Float]]

    public init(rows: Range<Int>, layerCount: Int, topK: Int, languages: Int) {
        self.rows = rows
        self.layerCount = layerCount
        self.topK = topK
        let n = rows.count * layerCount
        logsumexp = [Float](repeating: .nan, count: n)
        entropy = [Float](repeating: .nan, count: n)
        topIDs = [Int32](repeating: -1, count: n * topK)
        topLogprobs = [Float](repeating: .nan, count: n * topK)
        topText = [String](repeating: "", count: n)
        languageProbability = (0..<languages).map { _ in [Float](repeating: .nan, count: n) }
    }
}

/// Writes a lens file: the header and preallocated result datasets at creation, rows as they are
/// computed, `complete = 1` last (a reader refuses a file without it). Decoded top tokens are strings
/// (variable length), written once at the end.
public final class LensWriter {
    public let url: URL
    private let file: H5File
    private let header: LensHeader
    private var datasets: [String: H5Dataset] = [:]
    private var topText: [String]

    public init(creating url: URL, header h: LensHeader) throws {
        self.url = url
        self.header = h
        let layers = h.nLayers + 1
        let rows = h.rowPrompt.count
        topText = [String](repeating: "", count: rows * layers)
        let file = try H5File.create(url, overwrite: false)
        self.file = file
        let root = file.root
        typealias A = LensLayout.Attribute
        try root.setAttribute(A.format, .string(LensLayout.format))
        try root.setAttribute(A.formatVersion, .int(Int64(LensLayout.formatVersion)))
        try root.setAttribute(A.complete, .int(0))
        try root.setAttribute(A.model, .string(h.model))
        try root.setAttribute(A.architecture, .string(h.architecture))
        try root.setAttribute(A.nLayers, .int(Int64(h.nLayers)))
        try root.setAttribute(A.vocabularySize, .int(Int64(h.vocabularySize)))
        try root.setAttribute(A.finalNorm, .int(h.finalNorm ? 1 : 0))
        try root.setAttribute(A.positions, .string(h.positions))
        try root.setAttribute(A.topK, .int(Int64(h.topK)))
        try root.setAttribute(A.tokenSets, .string(h.tokenSetRule))
        try root.setAttribute(A.tasks, .string(h.tasks))
        try root.setAttribute(A.toolVersion, .string(h.toolVersion))
        try root.setAttribute(A.created, .string(ISO8601DateFormatter().string(from: Date())))

        _ = try root.writeStrings(LensLayout.ids, h.ids)
        _ = try root.writeStrings(LensLayout.prompts, h.prompts)
        _ = try root.writeStrings(LensLayout.targets, h.targets)
        _ = try root.writeStrings(LensLayout.languages, h.languages)
        _ = try root.writeStrings(LensLayout.dropped, h.dropped)
        for (a, lang) in h.languages.enumerated() {
            _ = try root.writeStrings(LensLayout.answers(lang), h.answers[a])
            let sets = h.tokenSets[a]
            let flat = sets.flatMap { $0 }
            var offsets: [Int64] = [0]
            for s in sets { offsets.append((offsets.last ?? 0) + Int64(s.count)) }
            _ = try root.writeDataset(LensLayout.tokenSetIDs(lang), flat, shape: [flat.count])
            _ = try root.writeDataset(LensLayout.tokenSetOffsets(lang), offsets, shape: [offsets.count])
        }
        let flatTokens = h.tokenIDs.flatMap { $0 }
        var tokenOffsets: [Int64] = [0]
        for t in h.tokenIDs { tokenOffsets.append((tokenOffsets.last ?? 0) + Int64(t.count)) }
        _ = try root.writeDataset(LensLayout.tokenIDs, flatTokens, shape: [flatTokens.count])
        _ = try root.writeDataset(LensLayout.tokenOffsets, tokenOffsets, shape: [tokenOffsets.count])
        _ = try root.writeDataset(LensLayout.rowPrompt, h.rowPrompt, shape: [rows])
        _ = try root.writeDataset(LensLayout.rowPosition, h.rowPosition, shape: [rows])

        func allocate<T: HDF5Scalar>(_ path: String, _: T.Type, _ shape: [Int]) throws {
            datasets[path] = try root.createDataset(path, of: T.self, shape: shape, allocateEarly: true)
        }
        try allocate(LensLayout.logsumexp, Float.self, [rows, layers])
        try allocate(LensLayout.entropy, Float.self, [rows, layers])
        try allocate(LensLayout.topIDs, Int32.self, [rows, layers, h.topK])
        try allocate(LensLayout.topLogprobs, Float.self, [rows, layers, h.topK])
        for lang in h.languages { try allocate(LensLayout.languageProbability(lang), Float.self, [rows, layers]) }
        try file.flush()
    }

    private func dataset(_ path: String) throws -> H5Dataset {
        guard let d = datasets[path] else {
            throw ActivationsError.badWrite(file: url.path, dataset: path, reason: "not created")
        }
        return d
    }

    /// Writes a block of rows.
    public func write(_ r: LensRows) throws {
        let layers = header.nLayers + 1
        guard r.layerCount == layers, r.topK == header.topK, r.rows.upperBound <= header.rowPrompt.count,
              r.languageProbability.count == header.languages.count else {
            throw ActivationsError.badWrite(file: url.path, dataset: "/", reason: "lens rows \(r.rows) do not match the file's shape")
        }
        let n = r.rows.count
        let start = r.rows.lowerBound
        try dataset(LensLayout.logsumexp).write(r.logsumexp, offset: [start, 0], count: [n, layers])
        try dataset(LensLayout.entropy).write(r.entropy, offset: [start, 0], count: [n, layers])
        try dataset(LensLayout.topIDs).write(r.topIDs, offset: [start, 0, 0], count: [n, layers, r.topK])
        try dataset(LensLayout.topLogprobs).write(r.topLogprobs, offset: [start, 0, 0], count: [n, layers, r.topK])
        for (a, lang) in header.languages.enumerated() {
            try dataset(LensLayout.languageProbability(lang)).write(r.languageProbability[a], offset: [start, 0], count: [n, layers])
        }
        for (i, text) in r.topText.enumerated() { topText[start * layers + i] = text }
    }

    /// Writes the decoded top tokens, then `complete = 1`, and flushes.
    public func finish() throws {
        _ = try file.root.writeStrings(LensLayout.topText, topText)
        try file.flush()
        try file.root.setAttribute(LensLayout.Attribute.complete, .int(1))
        try file.flush()
    }
}

/// A lens file read whole into memory (its size is rows × layers × k, never the vocabulary).
public struct LensFile: Sendable {
    public var url: URL
    public var model: String
    public var nLayers: Int
    public var finalNorm: Bool
    public var positions: String
    public var topK: Int
    public var tokenSetRule: String
    public var ids: [String]
    public var prompts: [String]
    public var targets: [String]
    public var languages: [String]
    public var answers: [String: [String]]
    public var tokenIDs: [[Int32]]
    public var rowPrompt: [Int]
    public var rowPosition: [Int]
    /// [R · L] each.
    public var logsumexp: [Float]
    public var entropy: [Float]
    /// [R · L · k].
    public var topIDs: [Int32]
    public var topLogprobs: [Float]
    public var topText: [String]
    public var languageProbability: [String: [Float]]
    public var tokenSets: [String: [[Int32]]]
    public var dropped: [String]

    public var layerCount: Int { nLayers + 1 }
    public var rowCount: Int { rowPrompt.count }

    /// The row holding prompt `p`'s last position.
    public func lastRow(ofPrompt p: Int) -> Int? {
        let length = tokenIDs[p].count
        return rowPrompt.indices.first { rowPrompt[$0] == p && rowPosition[$0] == length - 1 }
    }

    /// The `format` attribute of an HDF5 file, nil when it has none.
    public static func formatOf(_ url: URL) throws -> String? {
        let root = try H5File.open(url).root
        guard root.hasAttribute(LensLayout.Attribute.format),
              case let .string(s) = try root.attribute(LensLayout.Attribute.format) else { return nil }
        return s
    }

    /// Opens and validates a lens file; refuses one whose `complete` is not 1.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        func bad(_ reason: String) -> ActivationsError { .notActivations(file: path, reason: reason) }
        let file: H5File
        do { file = try H5File.open(url) } catch { throw bad("cannot open as HDF5 (\(error.localizedDescription))") }
        let root = file.root
        typealias A = LensLayout.Attribute
        func string(_ name: String) throws -> String {
            guard root.hasAttribute(name), case let .string(s) = try root.attribute(name) else { throw bad("attribute '\(name)' is missing") }
            return s
        }
        func integer(_ name: String) throws -> Int {
            guard root.hasAttribute(name), case let .int(v) = try root.attribute(name) else { throw bad("attribute '\(name)' is missing") }
            return Int(v)
        }
        guard root.hasAttribute(A.format), case let .string(format) = try root.attribute(A.format), format == LensLayout.format else {
            throw bad("attribute 'format' is not '\(LensLayout.format)'")
        }
        let version = try integer(A.formatVersion)
        guard version >= 1, version <= LensLayout.formatVersion else {
            throw bad("format_version \(version) is not supported (this build reads up to \(LensLayout.formatVersion))")
        }
        guard root.hasAttribute(A.complete) else { throw bad("attribute '\(A.complete)' is missing") }
        guard try completeFlag(try root.attribute(A.complete), file: path) == true else {
            throw bad("complete = 0: the lens run did not finish")
        }
        model = try string(A.model)
        nLayers = try integer(A.nLayers)
        finalNorm = try integer(A.finalNorm) == 1
        positions = try string(A.positions)
        topK = try integer(A.topK)
        tokenSetRule = try string(A.tokenSets)
        func strings(_ p: String) throws -> [String] {
            guard root.contains(p) else { throw bad("missing /\(p)") }
            return try root.dataset(p).readStrings()
        }
        func values<T: HDF5Scalar>(_ p: String, _: T.Type, count: Int? = nil) throws -> [T] {
            guard root.contains(p) else { throw bad("missing /\(p)") }
            let v = try root.dataset(p).read(T.self)
            if let count, v.count != count { throw bad("/\(p) has \(v.count) values, expected \(count)") }
            return v
        }
        func ragged(_ idsPath: String, _ offsetsPath: String, parts: Int) throws -> [[Int32]] {
            let flat = try values(idsPath, Int32.self)
            let offsets = try values(offsetsPath, Int64.self, count: parts + 1).map(Int.init)
            guard offsets.first == 0, offsets.last == flat.count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw bad("/\(offsetsPath) does not partition /\(idsPath)")
            }
            return (0..<parts).map { Array(flat[offsets[$0]..<offsets[$0 + 1]]) }
        }
        ids = try strings(LensLayout.ids)
        let p = ids.count
        prompts = try strings(LensLayout.prompts)
        targets = try strings(LensLayout.targets)
        guard prompts.count == p, targets.count == p else { throw bad("/prompts or /targets do not have one entry per id") }
        languages = try strings(LensLayout.languages)
        dropped = try strings(LensLayout.dropped)
        tokenIDs = try ragged(LensLayout.tokenIDs, LensLayout.tokenOffsets, parts: p)
        rowPrompt = try values(LensLayout.rowPrompt, Int32.self).map(Int.init)
        let r = rowPrompt.count
        rowPosition = try values(LensLayout.rowPosition, Int32.self, count: r).map(Int.init)
        for (i, q) in rowPrompt.enumerated() where q < 0 || q >= p || rowPosition[i] < 0 || rowPosition[i] >= tokenIDs[q].count {
            throw bad("row \(i) names prompt \(q), position \(rowPosition[i]) outside the prompts")
        }
        let l = nLayers + 1
        guard nLayers >= 0, topK >= 0 else { throw bad("negative n_layers or top_k") }
        logsumexp = try values(LensLayout.logsumexp, Float.self, count: r * l)
        entropy = try values(LensLayout.entropy, Float.self, count: r * l)
        topIDs = try values(LensLayout.topIDs, Int32.self, count: r * l * topK)
        topLogprobs = try values(LensLayout.topLogprobs, Float.self, count: r * l * topK)
        topText = try strings(LensLayout.topText)
        guard topText.count == r * l else { throw bad("/\(LensLayout.topText) has \(topText.count) strings, expected \(r * l)") }
        var answers: [String: [String]] = [:]
        var probabilities: [String: [Float]] = [:]
        var sets: [String: [[Int32]]] = [:]
        for lang in languages {
            let a = try strings(LensLayout.answers(lang))
            guard a.count == p else { throw bad("/\(LensLayout.answers(lang)) does not have one entry per id") }
            answers[lang] = a
            probabilities[lang] = try values(LensLayout.languageProbability(lang), Float.self, count: r * l)
            sets[lang] = try ragged(LensLayout.tokenSetIDs(lang), LensLayout.tokenSetOffsets(lang), parts: p)
        }
        self.answers = answers
        self.languageProbability = probabilities
        self.tokenSets = sets
    }
}
