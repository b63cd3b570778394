// Puts the shards of a trace back together (`interlingua merge`): checks that they are one plan, complete,
// and cover it exactly once, then writes one activation file — a copy, or virtual datasets over the shards.
import Foundation
import HDF5

/// How a merge stores the row datasets.
public enum MergeMode: String, Sendable, CaseIterable {
    /// Every value copied into the merged file: one self-contained file.
    case copy
    /// HDF5 virtual datasets mapping the shards' rows (`H5Pset_virtual`): no copy; the shards must stay.
    case virtual
}

/// What a merge wrote.
public struct MergeSummary: Sendable {
    public var shards: Int
    public var languages: Int
    public var sentences: Int
    public var mode: MergeMode
    /// Row datasets written (copied or mapped).
    public var datasets: Int
    /// Float values copied (0 for a virtual merge).
    public var valuesCopied: Int
}

/// A shard file opened for merging.
struct ShardInput {
    let url: URL
    let file: H5File
    let attributes: [String: H5AttributeValue]
    let index: Int
    let count: Int
    let batches: Range<Int>
    let rows: ShardRows
    let languages: [String]
    let ids: [String]
    var place: String { "\(index)/\(count)" }
    var name: String { url.path }
}

public enum ShardMerge {
    typealias A = ActivationsLayout.Attribute

    /// Attributes that differ between the shards of one plan (or are set by the merge itself).
    static let perShard: Set<String> = [A.shardIndex, A.shardBatches, A.shardTokens, A.runFingerprint, A.created,
                                        A.complete]
    /// Plan attributes in the order a difference is reported (the most telling first); the fingerprint, which
    /// differs whenever anything does, comes last.
    static let planOrder = [A.formatVersion, A.shardCount, A.modelSHA256, A.modelPath, A.modelName, A.model, A.architecture,
                            A.nLayers, A.dModel, A.corpusSHA256, A.corpus, A.corpusFormat, A.corpusSplit, A.template,
                            A.instruction, A.pooling, A.bosInPool, A.poolSpan, A.dFFN, A.neuronsBOSCounted,
                            A.deactivated, A.toolVersion]
    /// Largest number of floats one copy step holds (64 MiB).
    static let copyStepElements = 1 << 24

    /// Merges `inputs` (shard files, any order) into `output`, which must not exist. The file is written as
    /// `.<name>.merging-<pid>` next to `output` and renamed into place only once complete; on any error it is
    /// removed, so no file at `output` ever looks complete without being so.
    public static func merge(_ inputs: [URL], into output: URL, mode: MergeMode) throws -> MergeSummary {
        guard !inputs.isEmpty else { throw ActivationsError.mergeRefused("merge needs at least one shard file") }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: output.path, isDirectory: &isDir) {
            throw ActivationsError.mergeRefused("\(output.path) already exists; remove it or choose another --output")
        }
        let folder = output.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw ActivationsError.mergeRefused("\(output.path): the output's folder does not exist")
        }
        let shards = try inputs.map(open)
        try checkOnePlan(shards)
        let ordered = try checkCoverage(shards)
        let temp = folder.appendingPathComponent(".\(output.lastPathComponent).merging-\(getpid())")
        do {
            let summary = try write(ordered, to: temp, finalFolder: folder, mode: mode)
            guard rename(temp.path, output.path) == 0 else {
                throw ActivationsError.mergeRefused("\(output.path): cannot rename the merged file into place: \(String(cString: strerror(errno)))")
            }
            return summary
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }

    // MARK: - Checks

    /// Opens a shard and checks that it is one, complete, with a readable place in its plan.
    static func open(_ url: URL) throws -> ShardInput {
        let file = try H5File.open(url, fileLocking: false)
        let root = file.root
        var attributes: [String: H5AttributeValue] = [:]
        for name in try root.attributeNames() { attributes[name] = try root.attribute(name) }
        let path = url.path
        guard case .string(let format)? = attributes[A.format] else {
            throw ActivationsError.mergeRefused("\(path): not an activation shard (no format attribute)")
        }
        if format == ActivationsLayout.format {
            throw ActivationsError.mergeRefused("\(path): not a shard but a whole activation file (traced without --shard, or already merged)")
        }
        guard format == ActivationsLayout.shardFormat else {
            throw ActivationsError.mergeRefused("\(path): not an activation shard (format = \(format))")
        }
        guard let version = integer(attributes[A.formatVersion]), version >= 1, version <= ActivationsLayout.formatVersion else {
            throw ActivationsError.mergeRefused("\(path): format_version is missing or newer than this build reads (\(ActivationsLayout.formatVersion))")
        }
        guard let index = integer(attributes[A.shardIndex]), let count = integer(attributes[A.shardCount]),
              count >= 1, (1...count).contains(index) else {
            throw ActivationsError.mergeRefused("\(path): shard_index / shard_count are missing or out of range")
        }
        if integer(attributes[A.complete]) != 1 {
            var progress = ""
            if let journal = try? TraceJournal.read(for: url) {
                progress = ", \(journal.batchesDone) of \(journal.batchesTotal) batches written"
            }
            throw ActivationsError.mergeRefused("\(path): shard \(index)/\(count) is incomplete (complete = 0\(progress)); finish it with its trace command plus --resume")
        }
        guard case .ints(let range)? = attributes[A.shardBatches], range.count == 2, range[0] >= 0, range[0] <= range[1] else {
            throw ActivationsError.mergeRefused("\(path): shard_batches is not [first, end]")
        }
        let languages = try root.dataset(ActivationsLayout.languages).readStrings()
        let ids = try root.dataset(ActivationsLayout.ids).readStrings()
        var rows = ShardRows()
        if root.contains(ActivationsLayout.shardRows) {
            let dataset = try root.dataset(ActivationsLayout.shardRows)
            guard dataset.shape.count == 2, dataset.shape[1] == 3 else {
                throw ActivationsError.mergeRefused("\(path): \(ActivationsLayout.shardRows) has shape \(dataset.shape), expected [R, 3]")
            }
            let values = try dataset.read(Int64.self)
            for r in 0..<dataset.shape[0] {
                let (l, start, end) = (Int(values[3 * r]), Int(values[3 * r + 1]), Int(values[3 * r + 2]))
                guard languages.indices.contains(l), start >= 0, start < end, end <= ids.count else {
                    throw ActivationsError.mergeRefused("\(path): \(ActivationsLayout.shardRows) row \(r) = (\(l), \(start), \(end)) is outside the plan's languages and rows")
                }
                rows.append(language: l, rows: start..<end)
            }
        }
        return ShardInput(url: url, file: file, attributes: attributes, index: index, count: count,
                          batches: Int(range[0])..<Int(range[1]), rows: rows, languages: languages, ids: ids)
    }

    /// Every shard must be of the first one's plan: the same plan attributes, languages, ids and settings.
    static func checkOnePlan(_ shards: [ShardInput]) throws {
        let first = shards[0]
        for shard in shards.dropFirst() {
            let names = Set(first.attributes.keys).union(shard.attributes.keys).subtracting(perShard)
            let rest = names.subtracting(planOrder).subtracting([A.planSettings, A.planBatches, A.planTokens, A.planFingerprint])
            func differs(_ name: String) -> Bool { first.attributes[name] != shard.attributes[name] }
            func refuse(_ what: String) -> ActivationsError {
                .mergeRefused("\(shard.name) is not of the same plan as \(first.name): \(what)")
            }
            for name in planOrder + rest.sorted() where names.contains(name) && differs(name) {
                throw refuse("\(name) differs (\(describe(first.attributes[name])) vs \(describe(shard.attributes[name])))")
            }
            if first.languages != shard.languages {
                throw refuse("the languages differ (\(first.languages.joined(separator: ",")) vs \(shard.languages.joined(separator: ",")))")
            }
            if first.ids != shard.ids { throw refuse("the sentence ids differ (\(first.ids.count) vs \(shard.ids.count) rows)") }
            if differs(A.planSettings) {
                throw refuse("the trace options differ (\(settingsDifference(first.attributes[A.planSettings], shard.attributes[A.planSettings])))")
            }
            for name in [A.planBatches, A.planTokens, A.planFingerprint] where differs(name) {
                throw refuse("\(name) differs (\(describe(first.attributes[name])) vs \(describe(shard.attributes[name]))): the tokenized corpus or the model files (path, size, modification time) differ")
            }
        }
    }

    /// The shards in index order, each index exactly once, their batches tiling the plan and their rows
    /// covering every (language, row) exactly once.
    static func checkCoverage(_ shards: [ShardInput]) throws -> [ShardInput] {
        let count = shards[0].count
        var byIndex: [Int: ShardInput] = [:]
        for shard in shards {
            if let other = byIndex[shard.index] {
                throw ActivationsError.mergeRefused("shard \(shard.place) is given twice: \(other.name) and \(shard.name)")
            }
            byIndex[shard.index] = shard
        }
        let missing = (1...count).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            let names = missing.map { "\($0)/\(count)" }
            let given = byIndex.keys.sorted().map { "\($0)/\(count)" }.joined(separator: ", ")
            throw ActivationsError.mergeRefused(missing.count == 1
                ? "shard \(names[0]) is missing (given: \(given))"
                : "shards \(names.joined(separator: ", ")) are missing (given: \(given))")
        }
        let ordered = (1...count).map { byIndex[$0]! }
        let planBatches = integer(ordered[0].attributes[A.planBatches]) ?? -1
        var next = 0
        for shard in ordered {
            guard shard.batches.lowerBound == next else {
                throw ActivationsError.mergeRefused("\(shard.name): shard \(shard.place) starts at batch \(shard.batches.lowerBound), but the shards before it end at batch \(next)")
            }
            next = shard.batches.upperBound
        }
        guard next == planBatches else {
            throw ActivationsError.mergeRefused("the shards end at batch \(next), the plan has \(planBatches)")
        }
        let first = ordered[0]
        var owner = [[Int]](repeating: [Int](repeating: 0, count: first.ids.count), count: first.languages.count)
        for shard in ordered {
            for run in shard.rows.runs {
                for row in run.rows {
                    if owner[run.language][row] != 0 {
                        throw ActivationsError.mergeRefused("row \(row) (id \(first.ids[row])) of \(first.languages[run.language]) is in both shard \(owner[run.language][row])/\(count) and \(shard.place)")
                    }
                    owner[run.language][row] = shard.index
                }
            }
        }
        for (l, rows) in owner.enumerated() {
            if let row = rows.firstIndex(of: 0) {
                throw ActivationsError.mergeRefused("row \(row) (id \(first.ids[row])) of \(first.languages[l]) is in no shard")
            }
        }
        return ordered
    }

    // MARK: - Writing

    /// The kind of each dataset a shard may hold.
    enum DatasetRole { case plan, rows, counts, dropped }

    static func role(of path: String) -> DatasetRole? {
        let parts = path.split(separator: "/").map(String.init)
        guard let top = parts.first else { return nil }
        switch (top, parts.count) {
        case ("languages", 1), ("ids", 1), ("batches", 1), ("text", 2): return .plan
        case ("tokens", 3) where ["ids", "offsets", "pool_span"].contains(parts[2]): return .plan
        case ("pooled", 3), ("final_norm", 3), ("sublayers", 4), ("states", 2): return .rows
        case ("neurons", 3) where ["active_count", "tokens"].contains(parts[2]): return .counts
        case ("neurons", 3) where parts[2] == "running": return .dropped
        case ("shard", 2) where parts[1] == "rows": return .dropped
        default: return nil
        }
    }

    /// Every dataset path of a file.
    static func datasetPaths(_ group: H5Group, prefix: String = "") throws -> [String] {
        var out: [String] = []
        for name in try group.memberNames() {
            let path = prefix + "/" + name
            if let child = try? group.group(name) { out += try datasetPaths(child, prefix: path) } else { out.append(path) }
        }
        return out
    }

    static func write(_ shards: [ShardInput], to temp: URL, finalFolder: URL, mode: MergeMode) throws -> MergeSummary {
        let first = shards[0]
        let root = first.file.root
        var hasStates = false, hasSubLayers = false
        for shard in shards {
            for path in try datasetPaths(shard.file.root) where role(of: path) == nil {
                throw ActivationsError.mergeRefused("\(shard.name): dataset \(path) is unknown to this merge (written by a newer interlingua?); nothing was written")
            }
            hasStates = hasStates || shard.file.root.contains("/states")
            hasSubLayers = hasSubLayers || shard.file.root.contains("/sublayers")
        }
        func string(_ name: String) -> String? { if case .string(let s)? = first.attributes[name] { return s }; return nil }
        let pools = (string(A.pooling) ?? "").split(separator: ",").compactMap { Pooling(rawValue: String($0)) }
        let languages = first.languages
        let n = first.ids.count
        var texts: [[String]] = [], tokenIDs: [[Int32]] = [], offsets: [[Int]] = [], spans: [[Range<Int>]] = []
        for lang in languages {
            texts.append(try root.dataset(ActivationsLayout.text(lang)).readStrings())
            tokenIDs.append(try root.dataset(ActivationsLayout.tokenIDs(lang)).read(Int32.self))
            let o = try root.dataset(ActivationsLayout.tokenOffsets(lang)).read(Int64.self).map { Int($0) }
            guard o.count == n + 1, o.first == 0, o.last == tokenIDs.last?.count, zip(o, o.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw ActivationsError.mergeRefused("\(first.name): \(ActivationsLayout.tokenOffsets(lang)) does not describe \(n) sentences")
            }
            offsets.append(o)
            let s = root.contains(ActivationsLayout.tokenPoolSpans(lang))
                ? try root.dataset(ActivationsLayout.tokenPoolSpans(lang)).read(Int64.self) : []
            spans.append(stride(from: 0, to: s.count - 1, by: 2).map { Int(s[$0])..<Int(s[$0 + 1]) })
        }
        guard let nLayers = integer(first.attributes[A.nLayers]), let d = integer(first.attributes[A.dModel]) else {
            throw ActivationsError.mergeRefused("\(first.name): n_layers / d_model are not integers")
        }
        let provenance = [A.modelPath, A.modelName, A.modelSHA256, A.corpus, A.corpusFormat, A.corpusSHA256, A.corpusSplit]
            .reduce(into: [String: String]()) { $0[$1] = string($1) }
        var header = ActivationsHeader(
            model: string(A.model) ?? "", architecture: string(A.architecture) ?? "", nLayers: nLayers, dModel: d,
            template: string(A.template) ?? "", instruction: string(A.instruction) ?? "", pools: pools,
            bosInPool: integer(first.attributes[A.bosInPool]) == 1, poolSpan: string(A.poolSpan) ?? "",
            toolVersion: string(A.toolVersion) ?? "", runFingerprint: string(A.planFingerprint) ?? "",
            languages: languages, ids: first.ids, texts: texts, tokenIDs: tokenIDs, tokenOffsets: offsets,
            poolSpans: spans, tokenStates: hasStates, subLayers: hasSubLayers, provenance: provenance, batches: [],
            neuronWidth: integer(first.attributes[A.dFFN]),
            neuronsBOSCounted: integer(first.attributes[A.neuronsBOSCounted]) == 1, deactivated: string(A.deactivated))
        header.preallocatesRowData = mode == .copy
        header.keepsResumeState = false
        if spans.contains(where: { $0.count != n }) {
            throw ActivationsError.mergeRefused("\(first.name): a /tokens/<lang>/pool_span does not have \(n) rows")
        }

        let writer = try ActivationsWriter.create(at: temp, header: header)
        let out = writer.file.root
        // Every other plan attribute as the shards have it (one the header does not know stays too).
        for (name, value) in first.attributes.sorted(by: { $0.key < $1.key })
        where !perShard.contains(name) && !A.shardOnly.contains(name) && name != A.format {
            try out.setAttribute(name, value)
        }
        // /batches as the shards hold it (the whole plan's batches, whatever their layout).
        if root.contains(ActivationsLayout.batches) {
            let batches = try root.dataset(ActivationsLayout.batches)
            _ = try out.writeDataset(ActivationsLayout.batches, try batches.read(Int64.self), shape: batches.shape)
        }

        // The row datasets, language by language.
        let layers = nLayers + 1
        var datasets = 0, copied = 0
        for (l, lang) in languages.enumerated() {
            var targets: [(path: String, layers: Int?, tokens: Bool)] = []
            for pool in pools {
                targets.append((ActivationsLayout.pooled(pool, lang), layers, false))
                targets.append((ActivationsLayout.finalNorm(pool, lang), nil, false))
                if hasSubLayers {
                    for branch in SubLayerBranch.allCases { targets.append((ActivationsLayout.subLayer(branch, pool, lang), nLayers, false)) }
                }
            }
            if hasStates { targets.append((ActivationsLayout.states(lang), layers, true)) }
            for target in targets {
                // Blocks along the row (or token) axis: (shard, first shard-local index, first plan index, count).
                var blocks: [(shard: ShardInput, local: Int, global: Int, count: Int)] = []
                for shard in shards {
                    if target.tokens {
                        for run in shard.rows.tokenRuns(language: l, offsets: offsets[l]) where !run.tokens.isEmpty {
                            blocks.append((shard, run.local, run.tokens.lowerBound, run.tokens.count))
                        }
                    } else {
                        for run in shard.rows.runs(language: l) { blocks.append((shard, run.local, run.rows.lowerBound, run.rows.count)) }
                    }
                }
                let extent = target.tokens ? tokenIDs[l].count : n
                let shape = target.layers.map { [$0, extent, d] } ?? [extent, d]
                var mappings: [H5VirtualMapping] = []
                for block in blocks {
                    let source = try block.shard.file.root.dataset(target.path)
                    let sourceExtent = target.tokens ? block.shard.rows.tokenCount(language: l, offsets: offsets[l])
                        : block.shard.rows.rowCount(language: l)
                    let expected = target.layers.map { [$0, sourceExtent, d] } ?? [sourceExtent, d]
                    guard source.shape == expected else {
                        throw ActivationsError.mergeRefused("\(block.shard.name): \(target.path) has shape \(source.shape), expected \(expected)")
                    }
                    func at(_ row: Int) -> [Int] { target.layers == nil ? [row, 0] : [0, row, 0] }
                    func span(_ rows: Int) -> [Int] { target.layers.map { [$0, rows, d] } ?? [rows, d] }
                    switch mode {
                    case .virtual:
                        mappings.append(H5VirtualMapping(
                            sourceFile: sourceName(block.shard.url, from: finalFolder), sourceDataset: target.path,
                            sourceShape: expected, sourceOffset: at(block.local), destinationOffset: at(block.global),
                            count: span(block.count)))
                    case .copy:
                        let destination = try out.dataset(target.path)
                        let perRow = (target.layers ?? 1) * d
                        let step = max(1, copyStepElements / max(1, perRow))
                        var done = 0
                        while done < block.count {
                            let rows = min(step, block.count - done)
                            let values = try source.read(Float.self, offset: at(block.local + done), count: span(rows))
                            try destination.write(values, offset: at(block.global + done), count: span(rows))
                            copied += values.count
                            done += rows
                        }
                    }
                }
                if mode == .virtual {
                    _ = try out.createVirtualDataset(target.path, of: Float.self, shape: shape, fill: .nan, mappings: mappings)
                }
                datasets += 1
            }
        }

        // Neuron counts: sums over the shards (each counted its own tokens).
        if let width = integer(first.attributes[A.dFFN]) {
            for lang in languages {
                var counts = [Int64](repeating: 0, count: nLayers * width)
                var tokens: Int64 = 0
                for shard in shards {
                    let r = shard.file.root
                    let countsPath = ActivationsLayout.neuronActiveCount(lang), tokensPath = ActivationsLayout.neuronTokens(lang)
                    guard r.contains(countsPath), r.contains(tokensPath) else {
                        throw ActivationsError.mergeRefused("\(shard.name): missing \(countsPath)")
                    }
                    let values = try r.dataset(countsPath).read(Int64.self)
                    guard values.count == counts.count else {
                        throw ActivationsError.mergeRefused("\(shard.name): \(countsPath) has \(values.count) counts, expected \(counts.count)")
                    }
                    for i in counts.indices { counts[i] += values[i] }
                    tokens += try r.dataset(tokensPath).read(Int64.self).first ?? 0
                }
                try writer.writeNeuronTotals(lang, counts: counts, tokens: tokens)
            }
        }

        try out.setAttribute(A.mergedShards, .int(Int64(shards.count)))
        try out.setAttribute(A.mergeMode, .string(mode.rawValue))
        if mode == .virtual {
            try out.setAttribute(A.mergeSources, .strings(shards.map { sourceName($0.url, from: finalFolder) }))
        }
        try writer.markComplete()
        return MergeSummary(shards: shards.count, languages: languages.count, sentences: n, mode: mode,
                            datasets: datasets, valuesCopied: copied)
    }

    /// How a virtual dataset names a shard: relative to the merged file's folder when the shard is inside
    /// it (libhdf5 resolves relative names against that folder, so the two can move together), else absolute.
    static func sourceName(_ shard: URL, from folder: URL) -> String {
        let file = shard.standardizedFileURL.resolvingSymlinksInPath().path
        let base = folder.standardizedFileURL.resolvingSymlinksInPath().path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return file.hasPrefix(prefix) ? String(file.dropFirst(prefix.count)) : file
    }

    // MARK: - Readers of virtual files

    /// Refuses a virtual merged file whose shards are gone or are no longer the ones merged: libhdf5 would
    /// read their rows as the fill value (NaN) without an error.
    public static func checkVirtualSources(of url: URL, attributes: [String: H5AttributeValue]) throws {
        guard case .string(MergeMode.virtual.rawValue)? = attributes[A.mergeMode] else { return }
        guard case .strings(let sources)? = attributes[A.mergeSources] else {
            throw ActivationsError.notActivations(file: url.path, reason: "a virtual merge without merge_sources")
        }
        let fingerprint = attributes[A.runFingerprint]
        let folder = url.deletingLastPathComponent()
        for source in sources {
            let shard = source.hasPrefix("/") ? URL(fileURLWithPath: source) : folder.appendingPathComponent(source)
            guard FileManager.default.fileExists(atPath: shard.path) else {
                throw ActivationsError.notActivations(file: url.path, reason: "its virtual datasets read shard \(source), which is missing (keep the shards next to the merged file, or merge without --virtual)")
            }
            let file = try H5File.open(shard, fileLocking: false)
            guard (try? file.root.attribute(A.planFingerprint)) == fingerprint,
                  (try? file.root.attribute(A.complete)) == .int(1) else {
                throw ActivationsError.notActivations(file: url.path, reason: "its shard \(source) is no longer a complete shard of this plan (replaced since the merge?)")
            }
        }
    }

    // MARK: - Helpers

    static func integer(_ value: H5AttributeValue?) -> Int? {
        switch value {
        case let .int(v)?: return Int(v)
        case let .ints(v)? where v.count == 1: return Int(v[0])
        default: return nil
        }
    }

    static func describe(_ value: H5AttributeValue?) -> String {
        switch value {
        case nil: return "absent"
        case let .int(v)?: return String(v)
        case let .double(v)?: return String(v)
        case let .string(s)?: return "'\(s.count > 40 ? String(s.prefix(40)) + "…" : s)'"
        case let .ints(v)?: return "\(v)"
        case let .doubles(v)?: return "\(v)"
        case let .strings(v)?: return "\(v)"
        }
    }

    /// The first option whose value differs between two `plan_settings` JSON objects.
    static func settingsDifference(_ a: H5AttributeValue?, _ b: H5AttributeValue?) -> String {
        func object(_ v: H5AttributeValue?) -> [String: Any] {
            guard case .string(let s)? = v, let o = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any] else { return [:] }
            return o
        }
        let x = object(a), y = object(b)
        for key in Set(x.keys).union(y.keys).sorted() {
            let u = x[key].map { "\($0)" } ?? "absent", v = y[key].map { "\($0)" } ?? "absent"
            if u != v { return "\(key): \(u) vs \(v)" }
        }
        return "plan_settings"
    }
}
