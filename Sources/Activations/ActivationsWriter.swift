// Writes an activation file (layout in ActivationsLayout.swift) so that a kill at any moment leaves it
// resumable.
import Foundation
import HDF5

/// Everything fixed before the first batch: the file's attributes, strings, tokens and dataset shapes.
public struct ActivationsHeader: Sendable {
    public var model: String
    public var architecture: String
    public var nLayers: Int
    public var dModel: Int
    public var template: String
    public var instruction: String
    public var pools: [Pooling]
    public var bosInPool: Bool
    /// "sentence" or "prompt".
    public var poolSpan: String
    public var toolVersion: String
    public var runFingerprint: String
    public var languages: [String]
    public var ids: [String]
    /// Per language: N texts.
    public var texts: [[String]]
    /// Per language: concatenated prompt token ids.
    public var tokenIDs: [[Int32]]
    /// Per language: N+1 offsets into `tokenIDs`.
    public var tokenOffsets: [[Int]]
    /// Per language: N pooled spans relative to the sentence's first token.
    public var poolSpans: [[Range<Int>]]
    public var tokenStates: Bool
    public var subLayers: Bool
    /// Provenance attributes (`ActivationsLayout.Attribute.modelPath` …), written as root string attributes.
    public var provenance: [String: String]
    /// The batches' segments in trace order: batch index, language index and rows (`/batches`).
    public var batches: [(batch: Int, language: Int, rows: Range<Int>)]
    /// FFN width when neuron activations are counted (nil: not counted).
    public var neuronWidth: Int?
    public var neuronsBOSCounted: Bool = false
    /// The `deactivated` attribute (nil: nothing switched off).
    public var deactivated: String?
    /// A shard's place in its plan (nil: the file holds every row).
    public var shard: ShardHeader?
    /// Whether to preallocate the row datasets (/pooled, /final_norm, /sublayers, /states); a virtual merge
    /// creates them itself.
    public var preallocatesRowData = true
    /// Whether to create `/neurons/<lang>/running` (resume bookkeeping; not in a merged file).
    public var keepsResumeState = true

    public init(model: String, architecture: String, nLayers: Int, dModel: Int, template: String,
                instruction: String, pools: [Pooling], bosInPool: Bool, poolSpan: String, toolVersion: String,
                runFingerprint: String, languages: [String], ids: [String], texts: [[String]],
                tokenIDs: [[Int32]], tokenOffsets: [[Int]], poolSpans: [[Range<Int>]],
                tokenStates: Bool, subLayers: Bool, provenance: [String: String] = [:],
                batches: [(batch: Int, language: Int, rows: Range<Int>)] = [], neuronWidth: Int? = nil,
                neuronsBOSCounted: Bool = false, deactivated: String? = nil) {
        self.model = model
        self.architecture = architecture
        self.nLayers = nLayers
        self.dModel = dModel
        self.template = template
        self.instruction = instruction
        self.pools = pools
        self.bosInPool = bosInPool
        self.poolSpan = poolSpan
        self.toolVersion = toolVersion
        self.runFingerprint = runFingerprint
        self.languages = languages
        self.ids = ids
        self.texts = texts
        self.tokenIDs = tokenIDs
        self.tokenOffsets = tokenOffsets
        self.poolSpans = poolSpans
        self.tokenStates = tokenStates
        self.subLayers = subLayers
        self.provenance = provenance
        self.batches = batches
        self.neuronWidth = neuronWidth
        self.neuronsBOSCounted = neuronsBOSCounted
        self.deactivated = deactivated
    }
}

/// Writes activations into a file whose every dataset was created, allocated and flushed up front.
///
/// Storage choice: float datasets are **contiguous, uncompressed and allocated at creation**
/// (`H5D_ALLOC_TIME_EARLY`). The access patterns suit it: a reader takes one layer of one language
/// (`[i, :, :]`, one contiguous run of N·d floats) and a batch writes all layers for a block of rows
/// (n_layers+1 contiguous runs of B·d floats). No chunk index and no compression means later writes are
/// raw data at fixed offsets that never touch HDF5 metadata, so a `kill -9` mid-write cannot corrupt the
/// file's structure: the interrupted batch is simply rewritten on resume. The only metadata write after
/// creation is the final `complete = 1`.
///
/// Locking policy: the writer opens the file **without HDF5's file lock**, so h5py and `interlingua align`
/// can open the file read-only while a trace runs (HDF5's exclusive lock made them fail with "unable to lock
/// the file"). This is safe because of the layout above: every dataset exists and is flushed before the first
/// batch, so a reader sees complete metadata, and the rows of finished batches (the progress journal says
/// which) hold their final values. Only one writer may run per file; `trace` refuses an existing output
/// without `--resume`, and the journal guards resumption. (HDF5's SWMR mode was not used: it needs the
/// latest file format and readers that pass `swmr=True`.)
public final class ActivationsWriter {
    public let url: URL
    let file: H5File
    private let nLayers: Int
    private let dModel: Int
    private let sentenceCount: Int
    private var datasets: [String: H5Dataset] = [:]

    private init(url: URL, file: H5File, nLayers: Int, dModel: Int, sentenceCount: Int) {
        self.url = url
        self.file = file
        self.nLayers = nLayers
        self.dModel = dModel
        self.sentenceCount = sentenceCount
    }

    /// Creates the file (replacing an existing one only when `overwrite`), writes the header and
    /// preallocates every float dataset, then flushes.
    public static func create(at url: URL, header h: ActivationsHeader, overwrite: Bool = false) throws -> ActivationsWriter {
        let file = try H5File.create(url, overwrite: overwrite, fileLocking: false)
        let root = file.root
        typealias A = ActivationsLayout.Attribute
        try root.setAttribute(A.format, .string(h.shard == nil ? ActivationsLayout.format : ActivationsLayout.shardFormat))
        try root.setAttribute(A.formatVersion, .int(Int64(ActivationsLayout.formatVersion)))
        try root.setAttribute(A.model, .string(h.model))
        try root.setAttribute(A.architecture, .string(h.architecture))
        try root.setAttribute(A.nLayers, .int(Int64(h.nLayers)))
        try root.setAttribute(A.dModel, .int(Int64(h.dModel)))
        try root.setAttribute(A.template, .string(h.template))
        try root.setAttribute(A.instruction, .string(h.instruction))
        try root.setAttribute(A.pooling, .string(h.pools.map(\.rawValue).joined(separator: ",")))
        try root.setAttribute(A.bosInPool, .int(h.bosInPool ? 1 : 0))
        try root.setAttribute(A.poolSpan, .string(h.poolSpan))
        try root.setAttribute(A.toolVersion, .string(h.toolVersion))
        try root.setAttribute(A.created, .string(ISO8601DateFormatter().string(from: Date())))
        try root.setAttribute(A.runFingerprint, .string(h.runFingerprint))
        for (name, value) in h.provenance.sorted(by: { $0.key < $1.key }) { try root.setAttribute(name, .string(value)) }
        try root.setAttribute(A.complete, .int(0))
        if let width = h.neuronWidth {
            try root.setAttribute(A.dFFN, .int(Int64(width)))
            try root.setAttribute(A.neuronsBOSCounted, .int(h.neuronsBOSCounted ? 1 : 0))
        }
        if let deactivated = h.deactivated { try root.setAttribute(A.deactivated, .string(deactivated)) }
        if let shard = h.shard {
            try root.setAttribute(A.shardIndex, .int(Int64(shard.index)))
            try root.setAttribute(A.shardCount, .int(Int64(shard.count)))
            try root.setAttribute(A.planFingerprint, .string(shard.planFingerprint))
            try root.setAttribute(A.planBatches, .int(Int64(shard.planBatches)))
            try root.setAttribute(A.planTokens, .int(Int64(shard.planTokens)))
            try root.setAttribute(A.planSettings, .string(shard.planSettings))
            try root.setAttribute(A.shardBatches, .ints([Int64(shard.batches.lowerBound), Int64(shard.batches.upperBound)]))
            try root.setAttribute(A.shardTokens, .int(Int64(shard.tokens)))
        }

        let n = h.ids.count
        let d = h.dModel
        let layers = h.nLayers + 1
        _ = try root.writeStrings(ActivationsLayout.languages, h.languages)
        _ = try root.writeStrings(ActivationsLayout.ids, h.ids)
        if !h.batches.isEmpty {
            _ = try root.writeDataset(ActivationsLayout.batches,
                                      h.batches.flatMap { [Int64($0.batch), Int64($0.language), Int64($0.rows.lowerBound),
                                                           Int64($0.rows.upperBound)] },
                                      shape: [h.batches.count, 4])
        }
        if let shard = h.shard, !shard.rows.runs.isEmpty {
            _ = try root.writeDataset(ActivationsLayout.shardRows, shard.rows.flattened, shape: [shard.rows.runs.count, 3])
        }
        let writer = ActivationsWriter(url: url, file: file, nLayers: h.nLayers, dModel: d, sentenceCount: n)
        for (l, lang) in h.languages.enumerated() {
            _ = try root.writeStrings(ActivationsLayout.text(lang), h.texts[l])
            _ = try root.writeDataset(ActivationsLayout.tokenIDs(lang), h.tokenIDs[l], shape: [h.tokenIDs[l].count])
            _ = try root.writeDataset(ActivationsLayout.tokenOffsets(lang), h.tokenOffsets[l].map { Int64($0) },
                                      shape: [n + 1])
            _ = try root.writeDataset(ActivationsLayout.tokenPoolSpans(lang),
                                      h.poolSpans[l].flatMap { [Int64($0.lowerBound), Int64($0.upperBound)] },
                                      shape: [n, 2])
            // A shard holds only its rows of each language (none: no row datasets).
            let rows = h.shard?.rows.rowCount(language: l) ?? n
            let tokens = h.shard?.rows.tokenCount(language: l, offsets: h.tokenOffsets[l]) ?? h.tokenIDs[l].count
            for pool in h.pools where h.preallocatesRowData && rows > 0 {
                try writer.preallocate(ActivationsLayout.pooled(pool, lang), shape: [layers, rows, d])
                try writer.preallocate(ActivationsLayout.finalNorm(pool, lang), shape: [rows, d])
                if h.subLayers {
                    for branch in SubLayerBranch.allCases {
                        try writer.preallocate(ActivationsLayout.subLayer(branch, pool, lang), shape: [h.nLayers, rows, d])
                    }
                }
            }
            if h.tokenStates && h.preallocatesRowData && rows > 0 {
                try writer.preallocate(ActivationsLayout.states(lang), shape: [layers, tokens, d])
            }
            if let width = h.neuronWidth {
                let counts = h.nLayers * width
                writer.datasets[ActivationsLayout.neuronActiveCount(lang)] = try root.createDataset(
                    ActivationsLayout.neuronActiveCount(lang), of: Int64.self, shape: [h.nLayers, width], allocateEarly: true)
                writer.datasets[ActivationsLayout.neuronTokens(lang)] = try root.createDataset(
                    ActivationsLayout.neuronTokens(lang), of: Int64.self, shape: [], allocateEarly: true)
                // Zeros in both slots: a language whose first batch was interrupted resumes from nothing.
                if h.keepsResumeState {
                    writer.datasets[ActivationsLayout.neuronRunning(lang)] = try root.writeDataset(
                        ActivationsLayout.neuronRunning(lang), [Int64](repeating: 0, count: 2 * (counts + 1)), shape: [2, counts + 1])
                }
            }
        }
        try file.flush()
        return writer
    }

    /// Reopens a file created by `create` for the run `runFingerprint`, checking that it is one.
    public static func reopen(at url: URL, runFingerprint: String) throws -> ActivationsWriter {
        let file = try H5File.open(url, writable: true, fileLocking: false)
        let root = file.root
        typealias A = ActivationsLayout.Attribute
        guard case .string(let format)? = try? root.attribute(A.format),
              format == ActivationsLayout.format || format == ActivationsLayout.shardFormat else {
            throw ActivationsError.notActivations(file: url.path, reason: "no format = \(ActivationsLayout.format) attribute")
        }
        guard case .string(let found)? = try? root.attribute(A.runFingerprint), found == runFingerprint else {
            throw ActivationsError.notActivations(file: url.path,
                reason: "it was written by a run with another model, corpus or options")
        }
        guard case .int(let layers) = try root.attribute(A.nLayers), case .int(let d) = try root.attribute(A.dModel) else {
            throw ActivationsError.notActivations(file: url.path, reason: "n_layers / d_model attributes are not integers")
        }
        let n = try root.dataset(ActivationsLayout.ids).shape.first ?? 0
        return ActivationsWriter(url: url, file: file, nLayers: Int(layers), dModel: Int(d), sentenceCount: n)
    }

    /// Whether the file's `complete` attribute is 1.
    public static func isComplete(_ url: URL) -> Bool {
        guard let file = try? H5File.open(url, fileLocking: false),
              let value = try? file.root.attribute(ActivationsLayout.Attribute.complete) else { return false }
        return (try? completeFlag(value, file: url.path)) == true
    }

    /// The run fingerprint stored in a file (nil when unreadable).
    public static func runFingerprint(of url: URL) -> String? {
        guard let file = try? H5File.open(url, fileLocking: false),
              case .string(let s)? = try? file.root.attribute(ActivationsLayout.Attribute.runFingerprint) else { return nil }
        return s
    }

    private func preallocate(_ path: String, shape: [Int]) throws {
        datasets[path] = try file.root.createDataset(path, of: Float.self, shape: shape, allocateEarly: true)
    }

    private func dataset(_ path: String) throws -> H5Dataset {
        if let ds = datasets[path] { return ds }
        let ds = try file.root.dataset(path)
        datasets[path] = ds
        return ds
    }

    // MARK: - Batch writes (raw data only)

    /// Writes `values` ([layers, rows.count, d]) into the rows `rows` of a [layers, N, d] dataset.
    public func writeLayerRows(_ path: String, rows: Range<Int>, values: [Float]) throws {
        let ds = try dataset(path)
        let shape = ds.shape
        guard shape.count == 3, shape[2] == dModel, rows.upperBound <= shape[1],
              values.count == shape[0] * rows.count * dModel else {
            throw ActivationsError.badWrite(file: url.path, dataset: path,
                reason: "\(values.count) values for rows \(rows) do not fit shape \(shape)")
        }
        try ds.write(values, offset: [0, rows.lowerBound, 0], count: [shape[0], rows.count, dModel])
    }

    /// Writes `values` ([rows.count, d]) into rows `rows` of an [N, d] dataset.
    public func writeRows(_ path: String, rows: Range<Int>, values: [Float]) throws {
        let ds = try dataset(path)
        let shape = ds.shape
        guard shape.count == 2, shape[1] == dModel, rows.upperBound <= shape[0], values.count == rows.count * dModel else {
            throw ActivationsError.badWrite(file: url.path, dataset: path,
                reason: "\(values.count) values for rows \(rows) do not fit shape \(shape)")
        }
        try ds.write(values, offset: [rows.lowerBound, 0], count: [rows.count, dModel])
    }

    /// Reads back rows `rows` of a [layers, N, d] dataset ([layers, rows.count, d] values), as written.
    public func readLayerRows(_ path: String, rows: Range<Int>) throws -> [Float] {
        let ds = try dataset(path)
        let shape = ds.shape
        guard shape.count == 3, shape[2] == dModel, rows.upperBound <= shape[1] else {
            throw ActivationsError.notActivations(file: url.path, reason: "\(path) has shape \(shape), which has no rows \(rows)")
        }
        return try ds.read(Float.self, offset: [0, rows.lowerBound, 0], count: [shape[0], rows.count, dModel])
    }

    /// Reads back rows `rows` of an [N, d] dataset.
    public func readRows(_ path: String, rows: Range<Int>) throws -> [Float] {
        let ds = try dataset(path)
        let shape = ds.shape
        guard shape.count == 2, shape[1] == dModel, rows.upperBound <= shape[0] else {
            throw ActivationsError.notActivations(file: url.path, reason: "\(path) has shape \(shape), which has no rows \(rows)")
        }
        return try ds.read(Float.self, offset: [rows.lowerBound, 0], count: [rows.count, dModel])
    }

    // MARK: - Neuron counts (resumable: two alternating slots)

    /// Writes the running counts of `lang` (n_layers·d_ffn counts, then the token count) into `slot` (0/1).
    ///
    /// The tracer writes a language's cumulative counts after its j-th batch into slot j mod 2; the slot of
    /// batch j−1 is untouched until batch j+1, so an interrupted batch j never damages the counts the
    /// journal vouches for (batch j−1's): resume reads slot (batches done) mod 2 and redoes batch j.
    public func writeNeuronRunning(_ lang: String, slot: Int, values: [Int64]) throws {
        let path = ActivationsLayout.neuronRunning(lang)
        let ds = try dataset(path)
        let shape = ds.shape
        guard shape.count == 2, shape[0] == 2, slot == 0 || slot == 1, values.count == shape[1] else {
            throw ActivationsError.badWrite(file: url.path, dataset: path, reason: "\(values.count) values for slot \(slot) do not fit shape \(shape)")
        }
        try ds.write(values, offset: [slot, 0], count: [1, shape[1]])
    }

    /// Reads slot `slot` of the running counts of `lang`.
    public func readNeuronRunning(_ lang: String, slot: Int) throws -> [Int64] {
        let path = ActivationsLayout.neuronRunning(lang)
        let ds = try dataset(path)
        let shape = ds.shape
        guard shape.count == 2, shape[0] == 2, slot == 0 || slot == 1 else {
            throw ActivationsError.notActivations(file: url.path, reason: "\(path) has shape \(shape), expected [2, n]")
        }
        return try ds.read(Int64.self, offset: [slot, 0], count: [1, shape[1]])
    }

    /// Writes the final `/neurons/<lang>/active_count` ([n_layers, d_ffn]) and `/neurons/<lang>/tokens`.
    public func writeNeuronTotals(_ lang: String, counts: [Int64], tokens: Int64) throws {
        let path = ActivationsLayout.neuronActiveCount(lang)
        let ds = try dataset(path)
        guard counts.count == ds.shape.reduce(1, *) else {
            throw ActivationsError.badWrite(file: url.path, dataset: path, reason: "\(counts.count) counts do not fit shape \(ds.shape)")
        }
        try ds.write(counts)
        try dataset(ActivationsLayout.neuronTokens(lang)).write([tokens])
    }

    /// Pushes every buffered write to the operating system (after which a process kill loses nothing).
    public func flush() throws { try file.flush() }

    /// Sets `complete = 1` and flushes: the last write of a trace.
    public func markComplete() throws {
        try file.root.setAttribute(ActivationsLayout.Attribute.complete, .int(1))
        try file.flush()
    }
}
