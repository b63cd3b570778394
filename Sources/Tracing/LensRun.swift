// The logit lens (nostalgebraist 2020; Wendler et al. 2024): every layer's residual stream decoded through
// the final norm and the output head, run layer-major over packed prompts like the tracer.
import Activations
import Corpus
import Dispatch
import Foundation
import LinearAlgebra
import Models
import Tokenizers

/// What the lens computes.
public struct LensSettings: Sendable {
    /// Apply the model's final norm before the head (false: the semantic-hub variant without it).
    public var finalNorm: Bool
    /// Every prompt position instead of the last only.
    public var allPositions: Bool
    public var topK: Int
    public var tokenSetRule: LensTokenSetRule
    /// Token budget of one packed batch.
    public var batchTokens: Int
    /// Most gathered rows (of any layers) per pass of the head: the head's weights are decoded once per pass
    /// and multiplied by all its rows, one vocabulary tile at a time.
    public var headRows: Int
    /// Vocabulary ids per tile of the head.
    public var vocabularyTile: Int
    /// Most logits (rows × tile floats) each worker holds at once: its share of the rows is multiplied by a
    /// tile in blocks of `logitBudget / vocabularyTile` rows (measured on Gemma 3: one block of the whole share
    /// is faster than 128- or 512-row blocks that stay in L2, since each sgemm call packs the tile anew).
    public var logitBudget: Int

    public init(finalNorm: Bool = true, allPositions: Bool = false, topK: Int = 20, tokenSetRule: LensTokenSetRule = .full,
                batchTokens: Int = 2048, headRows: Int = 8192, vocabularyTile: Int = 2048, logitBudget: Int = 4 << 20) throws {
        guard topK >= 1 else { throw TracingError.badOption("--top-k must be at least 1") }
        guard batchTokens >= 1 else { throw TracingError.badOption("--batch-tokens must be at least 1") }
        self.finalNorm = finalNorm
        self.allPositions = allPositions
        self.topK = topK
        self.tokenSetRule = tokenSetRule
        self.batchTokens = batchTokens
        self.headRows = max(1, headRows)
        self.vocabularyTile = max(1, vocabularyTile)
        self.logitBudget = max(1, logitBudget)
    }
}

/// The tokenized prompts, their token sets, the dropped tasks and the packing — decided before any compute.
public struct LensPlan: Sendable {
    public var tasks: [LensTask]
    /// Per kept task.
    public var tokenIDs: [[Int32]]
    /// Answer languages: "en" first when present, then the others sorted.
    public var languages: [String]
    /// [language][prompt] token sets (empty when the prompt has no answer in that language).
    public var tokenSets: [[[Int32]]]
    public var dropped: [String]
    /// Per row: prompt and position.
    public var rowPrompt: [Int32]
    public var rowPosition: [Int32]
    /// Consecutive prompts per batch.
    public var batches: [Range<Int>]
    /// First row of each prompt (P + 1 entries).
    public var firstRow: [Int]
    public var settings: LensSettings

    public var tokenCount: Int { tokenIDs.reduce(0) { $0 + $1.count } }

    /// Tokenizes every task (model's BOS rule), builds the answer token sets and drops the tasks whose English
    /// and target sets intersect (or whose target set is empty), each with its reason.
    public init(tasks all: [LensTask], vocabulary: any TokenVocabulary, settings: LensSettings, source: String) throws {
        var kept: [LensTask] = []
        var ids: [[Int32]] = []
        var sets: [[String: [Int32]]] = []
        var dropped: [String] = []
        for task in all {
            let tokens = vocabulary.encode(task.prompt)
            guard !tokens.isEmpty else { throw TracingError.badCorpus(source: source, reason: "task '\(task.id)': the prompt has no tokens") }
            var taskSets: [String: [Int32]] = [:]
            for (lang, word) in task.answers { taskSets[lang] = LensTokenSets.of(word, vocabulary: vocabulary, rule: settings.tokenSetRule) }
            let target = taskSets[task.target] ?? []
            if target.isEmpty {
                dropped.append("\(task.id): the target answer '\(task.answers[task.target] ?? "")' has no token in its set")
                continue
            }
            if task.target != "en", let english = taskSets["en"] {
                let shared = Set(english).intersection(target).sorted()
                if !shared.isEmpty {
                    let pieces = shared.map { id in "\(id) '\(vocabulary.piece(id))'" }.joined(separator: ", ")
                    dropped.append("\(task.id): the English and \(task.target) token sets share \(pieces)")
                    continue
                }
            }
            kept.append(task)
            ids.append(tokens)
            sets.append(taskSets)
        }
        guard !kept.isEmpty else {
            throw TracingError.badCorpus(source: source, reason: "every task was dropped (\(dropped.first ?? ""))")
        }
        let others = Set(kept.flatMap { $0.answers.keys }).subtracting(["en"]).sorted()
        let languages = (kept.contains { $0.answers["en"] != nil } ? ["en"] : []) + others
        self.tasks = kept
        self.tokenIDs = ids
        self.languages = languages
        self.tokenSets = languages.map { lang in sets.map { $0[lang] ?? [] } }
        self.dropped = dropped
        var rowPrompt: [Int32] = []
        var rowPosition: [Int32] = []
        var firstRow = [0]
        for (p, tokens) in ids.enumerated() {
            let positions = settings.allPositions ? Array(0..<tokens.count) : [tokens.count - 1]
            for t in positions {
                rowPrompt.append(Int32(p))
                rowPosition.append(Int32(t))
            }
            firstRow.append(rowPrompt.count)
        }
        self.rowPrompt = rowPrompt
        self.rowPosition = rowPosition
        self.firstRow = firstRow
        self.batches = TracePlan.pack(lengths: ids.map(\.count), budget: settings.batchTokens)
        self.settings = settings
    }
}

/// Progress after a batch.
public struct LensProgress: Sendable {
    public var batchesDone: Int
    public var batchesTotal: Int
    public var promptsDone: Int
    public var promptsTotal: Int
    public var elapsed: Double
}

/// Where a lens run spent its time.
public struct LensOutcome: Sendable {
    public var prompts: Int
    public var rows: Int
    public var tokens: Int
    public var dropped: Int
    /// Embedding and blocks (the part a plain trace also does).
    public var forwardSeconds: Double = 0
    /// Final norm, output head sgemm (with the head's weight decoding) and the log-softmax reductions.
    public var headSeconds: Double = 0
    public var reduceSeconds: Double = 0
    public var writeSeconds: Double = 0
    public var totalSeconds: Double { forwardSeconds + headSeconds + reduceSeconds + writeSeconds }
}

/// Runs a lens plan into a lens file (not resumable: a lens is cheap to rerun; an interrupted file keeps
/// `complete = 0` and is refused by readers).
public final class LensRun {
    public let model: any DecoderModel
    public let plan: LensPlan
    public let vocabulary: any TokenVocabulary
    private let clock = ContinuousClock()

    public init(model: any DecoderModel, plan: LensPlan, vocabulary: any TokenVocabulary) {
        self.model = model
        self.plan = plan
        self.vocabulary = vocabulary
    }

    /// The file's header for this plan.
    public func header(modelName: String, tasks: String, toolVersion: String) -> LensHeader {
        let c = model.config
        return LensHeader(
            model: modelName, architecture: c.architecture.rawValue, nLayers: c.nLayers, vocabularySize: c.vocabSize,
            finalNorm: plan.settings.finalNorm, positions: plan.settings.allPositions ? "all" : "last",
            topK: plan.settings.topK, tokenSetRule: plan.settings.tokenSetRule.rawValue, tasks: tasks,
            toolVersion: toolVersion, ids: plan.tasks.map(\.id), prompts: plan.tasks.map(\.prompt),
            targets: plan.tasks.map(\.target), languages: plan.languages,
            answers: plan.languages.map { lang in plan.tasks.map { $0.answers[lang] ?? "" } },
            tokenIDs: plan.tokenIDs, rowPrompt: plan.rowPrompt, rowPosition: plan.rowPosition,
            tokenSets: plan.tokenSets, dropped: plan.dropped)
    }

    /// Refuses an existing output or a missing folder (call before loading anything).
    public static func checkOutput(_ output: URL) throws {
        if FileManager.default.fileExists(atPath: output.path) {
            throw TracingError.badOption("\(output.path) already exists; choose another --output or remove it")
        }
        var isDirectory: ObjCBool = false
        let folder = output.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TracingError.badOption("\(output.path): the output's folder does not exist")
        }
    }

    /// Computes every batch and writes the file at `output` (which must not exist).
    public func run(output: URL, modelName: String, tasks: String, toolVersion: String,
                    progress: ((LensProgress) -> Void)? = nil) throws -> LensOutcome {
        try Self.checkOutput(output)
        var outcome = LensOutcome(prompts: plan.tasks.count, rows: plan.rowPrompt.count, tokens: plan.tokenCount,
                                  dropped: plan.dropped.count)
        var start = clock.now
        let writer = try LensWriter(creating: output, header: header(modelName: modelName, tasks: tasks, toolVersion: toolVersion))
        outcome.writeSeconds += seconds(since: start)
        var done = 0, batchesDone = 0
        for group in headGroups() {
            let rows = try compute(group, outcome: &outcome)
            start = clock.now
            try writer.write(rows)
            outcome.writeSeconds += seconds(since: start)
            done += group.reduce(0) { $0 + $1.count }
            batchesDone += group.count
            progress?(LensProgress(batchesDone: batchesDone,
                                   batchesTotal: plan.batches.count, promptsDone: done,
                                   promptsTotal: plan.tasks.count, elapsed: outcome.totalSeconds))
        }
        start = clock.now
        try writer.finish()
        outcome.writeSeconds += seconds(since: start)
        return outcome
    }

    /// Consecutive batches whose lens rows (all layers) together fit one pass of the head (`headRows`; a
    /// batch with more rows is a group of its own): the head's weights are decoded once per group.
    func headGroups() -> [[Range<Int>]] {
        let layers = model.config.nLayers + 1
        var groups: [[Range<Int>]] = []
        var rows = 0
        for batch in plan.batches {
            let n = (plan.firstRow[batch.upperBound] - plan.firstRow[batch.lowerBound]) * layers
            if groups.isEmpty || rows + n > plan.settings.headRows {
                groups.append([batch])
                rows = n
            } else {
                groups[groups.count - 1].append(batch)
                rows += n
            }
        }
        return groups
    }

    /// The lens of consecutive prompts packed as one batch (see `compute(_:outcome:)`).
    public func compute(_ prompts: Range<Int>) throws -> LensRows {
        var outcome = LensOutcome(prompts: 0, rows: 0, tokens: 0, dropped: 0)
        return try compute([prompts], outcome: &outcome)
    }

    /// The lens of consecutive batches (`headGroups`): each batch's prompts packed, embedded and run through
    /// every block; after each stage the rows the lens reads (last position, or all) are copied out; all the
    /// group's gathered rows go through the head together (up to `headRows` at once), a vocabulary tile at a
    /// time, each tile's logits reduced while in cache (`LensLogSoftmax`).
    func compute(_ batches: [Range<Int>], outcome: inout LensOutcome) throws -> LensRows {
        let config = model.config
        let d = config.dModel
        let layers = config.nLayers + 1
        let settings = plan.settings
        let prompts = batches[0].lowerBound..<batches[batches.count - 1].upperBound
        let rowRange = plan.firstRow[prompts.lowerBound]..<plan.firstRow[prompts.upperBound]
        var result = LensRows(rows: rowRange, layerCount: layers, topK: settings.topK, languages: plan.languages.count)
        let passRows = max(1, min(rowRange.count * layers, settings.headRows))

        // Gathered residual rows awaiting the head: (row of the group, layer) labels and their d floats.
        var pending: [Float] = []
        pending.reserveCapacity(passRows * d)
        var labels: [(row: Int, layer: Int)] = []
        func flush() throws {
            guard !labels.isEmpty else { return }
            let start = clock.now
            var gathered = Matrix<Float>(rows: labels.count, cols: d, storage: pending)
            if settings.finalNorm {
                gathered = try model.applyFinalNorm(gathered)
                guard gathered.rows == labels.count, gathered.cols == d else {
                    throw TracingError.modelShape(stage: "final norm", expected: [labels.count, d], found: [gathered.rows, gathered.cols])
                }
            }
            try head(gathered, labels: labels, rowBase: rowRange.lowerBound, into: &result, outcome: &outcome)
            outcome.headSeconds += seconds(since: start)  // less the reductions, which `head` counts apart
            pending.removeAll(keepingCapacity: true)
            labels.removeAll(keepingCapacity: true)
        }
        for batch in batches {
            var tokens: [Int32] = []
            var sequences: [Range<Int>] = []
            var gather: [(row: Int, token: Int)] = []  // group row and batch token index of each lens row
            for p in batch {
                let begin = tokens.count
                tokens.append(contentsOf: plan.tokenIDs[p])
                sequences.append(begin..<tokens.count)
                for r in plan.firstRow[p]..<plan.firstRow[p + 1] {
                    gather.append((r - rowRange.lowerBound, begin + Int(plan.rowPosition[r])))
                }
            }
            let packed = PackedBatch(tokens: tokens, sequences: sequences)
            func collect(_ hidden: Matrix<Float>, layer: Int) throws {
                guard hidden.rows == tokens.count, hidden.cols == d else {
                    throw TracingError.modelShape(stage: "layer \(layer)", expected: [tokens.count, d], found: [hidden.rows, hidden.cols])
                }
                try hidden.storage.withUnsafeBufferPointer { h in
                    for (row, t) in gather {
                        pending.append(contentsOf: h[(t * d)..<((t + 1) * d)])
                        labels.append((row, layer))
                        if labels.count == passRows { try flush() }
                    }
                }
            }

            var start = clock.now
            var hidden = try model.embed(packed)
            outcome.forwardSeconds += seconds(since: start)
            try collect(hidden, layer: 0)
            for layer in 0..<config.nLayers {
                start = clock.now
                try model.applyBlock(layer, to: &hidden, batch: packed, captureSubLayers: false)
                outcome.forwardSeconds += seconds(since: start)
                try collect(hidden, layer: layer + 1)
            }
        }
        try flush()
        return result
    }

    /// The head over the final-normed rows `normed` (labelled (local row, layer)) and the log-softmax
    /// statistics of each (`LensLogSoftmax`): lse, entropy H = lse − Σ p z, the top-k by logit (ties: lower id
    /// first), each language's token-set mass Σ_{i∈S} exp(z_i − lse). Each worker reduces its row block of a
    /// tile right after its sgemm; that time is the log-softmax share of the head.
    private func head(_ normed: Matrix<Float>, labels: [(row: Int, layer: Int)], rowBase: Int,
                      into result: inout LensRows, outcome: inout LensOutcome) throws {
        let vocab = model.config.vocabSize
        let topK = plan.settings.topK
        let layers = result.layerCount
        let languages = plan.languages.count
        let prompts = labels.map { Int(plan.rowPrompt[rowBase + $0.row]) }
        // Each row's token-set ids, language after language (slot a·… in `setLogits`).
        let sets = prompts.map { prompt in (0..<languages).flatMap { plan.tokenSets[$0][prompt] } }
        let softmax = LensLogSoftmax(rows: labels.count, topK: topK, vocabulary: vocab, sets: sets)
        let tile = max(1, min(plan.settings.vocabularyTile, vocab))
        let block = max(1, plan.settings.logitBudget / tile)
        // Each worker's reduction time (the workers run side by side, so their mean is the wall share).
        var reduceSeconds = [Double](repeating: 0, count: RowParallel.threads)
        try reduceSeconds.withUnsafeMutableBufferPointer { perWorker in
            guard let spent = perWorker.baseAddress else { return }
            try model.logitTiles(normed, tileSize: tile, rowBlock: block) { rows, ids, z, worker in
                let start = DispatchTime.now().uptimeNanoseconds
                let n = ids.count
                for (i, row) in rows.enumerated() {
                    softmax.accumulate(row: row, z + i * n, count: n, first: ids.lowerBound)
                }
                spent[worker] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
        }
        let busy = reduceSeconds.filter { $0 > 0 }
        var reduce = busy.reduce(0, +) / Double(max(1, busy.count))
        let start = clock.now
        for (i, label) in labels.enumerated() {
            let cell = label.row * layers + label.layer
            let row = softmax.finish(row: i)
            result.logsumexp[cell] = Float(row.logsumexp)
            result.entropy[cell] = Float(row.entropy)
            for (j, entry) in row.top.enumerated() {
                result.topIDs[cell * topK + j] = entry.id
                result.topLogprobs[cell * topK + j] = entry.logprob
            }
            let top = row.top.first?.id ?? -1
            result.topText[cell] = top < 0 ? "" : vocabulary.unspelled(vocabulary.piece(top))
            var slot = 0
            for a in 0..<languages {
                let count = plan.tokenSets[a][prompts[i]].count
                if plan.tasks[prompts[i]].answers[plan.languages[a]] != nil {
                    var mass = 0.0
                    for q in slot..<(slot + count) where !row.setLogits[q].isNaN {
                        mass += Foundation.exp(Double(row.setLogits[q]) - row.logsumexp)
                    }
                    result.languageProbability[a][cell] = Float(mass)
                }
                slot += count
            }
        }
        reduce += seconds(since: start)
        outcome.reduceSeconds += reduce
        outcome.headSeconds -= reduce
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        (clock.now - start).seconds
    }
}
