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
    /// Most logits (rows × vocabulary floats) held at once; the head is applied to that many gathered rows
    /// (of any layers) per call, so the output matrix is decoded once per call, not once per layer.
    public var logitBudget: Int

    public init(finalNorm: Bool = true, allPositions: Bool = false, topK: Int = 20, tokenSetRule: LensTokenSetRule = .full,
                batchTokens: Int = 2048, logitBudget: Int = 64 << 20) throws {
        guard topK >= 1 else { throw TracingError.badOption("--top-k must be at least 1") }
        guard batchTokens >= 1 else { throw TracingError.badOption("--batch-tokens must be at least 1") }
        self.finalNorm = finalNorm
        self.allPositions = allPositions
        self.topK = topK
        self.tokenSetRule = tokenSetRule
        self.batchTokens = batchTokens
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
        var done = 0
        for (b, prompts) in plan.batches.enumerated() {
            let rows = try compute(prompts, outcome: &outcome)
            start = clock.now
            try writer.write(rows)
            outcome.writeSeconds += seconds(since: start)
            done += prompts.count
            progress?(LensProgress(batchesDone: b + 1, batchesTotal: plan.batches.count, promptsDone: done,
                                   promptsTotal: plan.tasks.count, elapsed: outcome.totalSeconds))
        }
        start = clock.now
        try writer.finish()
        outcome.writeSeconds += seconds(since: start)
        return outcome
    }

    /// The lens of a batch of consecutive prompts: embed, every block over all packed tokens; after each
    /// stage the rows the lens reads (last position, or all) are copied out; the head is applied to as many
    /// gathered rows as the logit budget allows at once.
    public func compute(_ prompts: Range<Int>) throws -> LensRows {
        var outcome = LensOutcome(prompts: 0, rows: 0, tokens: 0, dropped: 0)
        return try compute(prompts, outcome: &outcome)
    }

    func compute(_ prompts: Range<Int>, outcome: inout LensOutcome) throws -> LensRows {
        let config = model.config
        let d = config.dModel
        let layers = config.nLayers + 1
        let vocab = config.vocabSize
        let settings = plan.settings
        let rowRange = plan.firstRow[prompts.lowerBound]..<plan.firstRow[prompts.upperBound]
        var result = LensRows(rows: rowRange, layerCount: layers, topK: settings.topK, languages: plan.languages.count)

        var tokens: [Int32] = []
        var sequences: [Range<Int>] = []
        var gather: [Int] = []  // batch token index of each lens row, in row order
        for p in prompts {
            let begin = tokens.count
            tokens.append(contentsOf: plan.tokenIDs[p])
            sequences.append(begin..<tokens.count)
            for r in plan.firstRow[p]..<plan.firstRow[p + 1] { gather.append(begin + Int(plan.rowPosition[r])) }
        }
        let packed = PackedBatch(tokens: tokens, sequences: sequences)
        let chunkRows = max(1, min(gather.count * layers, settings.logitBudget / max(1, vocab)))

        // Gathered residual rows awaiting the head: (local row, layer) labels and their d floats.
        var pending: [Float] = []
        pending.reserveCapacity(chunkRows * d)
        var labels: [(row: Int, layer: Int)] = []

        func flush() throws {
            guard !labels.isEmpty else { return }
            var start = clock.now
            var gathered = Matrix<Float>(rows: labels.count, cols: d, storage: pending)
            if settings.finalNorm {
                gathered = try model.applyFinalNorm(gathered)
                guard gathered.rows == labels.count, gathered.cols == d else {
                    throw TracingError.modelShape(stage: "final norm", expected: [labels.count, d], found: [gathered.rows, gathered.cols])
                }
            }
            let logits = try model.logits(gathered, rows: Array(0..<labels.count))
            guard logits.rows == labels.count, logits.cols == vocab else {
                throw TracingError.modelShape(stage: "logits", expected: [labels.count, vocab], found: [logits.rows, logits.cols])
            }
            outcome.headSeconds += seconds(since: start)
            start = clock.now
            try reduce(logits, labels: labels, prompts: prompts, into: &result)
            outcome.reduceSeconds += seconds(since: start)
            pending.removeAll(keepingCapacity: true)
            labels.removeAll(keepingCapacity: true)
        }
        func collect(_ hidden: Matrix<Float>, layer: Int) throws {
            guard hidden.rows == tokens.count, hidden.cols == d else {
                throw TracingError.modelShape(stage: "layer \(layer)", expected: [tokens.count, d], found: [hidden.rows, hidden.cols])
            }
            try hidden.storage.withUnsafeBufferPointer { h in
                for (row, t) in gather.enumerated() {
                    pending.append(contentsOf: h[(t * d)..<((t + 1) * d)])
                    labels.append((row, layer))
                    if labels.count == chunkRows { try flush() }
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
        try flush()
        return result
    }

    /// Log-softmax statistics of each logit row in Double: lse = m + log Σ exp(z − m); entropy
    /// H = −Σ p log p = lse − Σ p z; the top-k by logit (ties: lower id first); each language's token-set
    /// mass Σ_{i∈S} exp(z_i − lse). Rows are independent: spread over the cores.
    private func reduce(_ logits: Matrix<Float>, labels: [(row: Int, layer: Int)], prompts: Range<Int>,
                        into result: inout LensRows) throws {
        let vocab = logits.cols
        let k = min(plan.settings.topK, vocab)
        let topK = plan.settings.topK
        let layers = result.layerCount
        let languages = plan.languages.count
        let firstRow = result.rows.lowerBound
        let count = labels.count
        let lse = SharedBuffer<Double>(count, 0), entropy = SharedBuffer<Double>(count, 0)
        let topIDs = SharedBuffer<Int32>(count * topK, -1), topLogprobs = SharedBuffer<Float>(count * topK, .nan)
        let masses = SharedBuffer<Double>(count * max(1, languages), .nan)
        defer { lse.free(); entropy.free(); topIDs.free(); topLogprobs.free(); masses.free() }
        let sets = (0..<count).map { i -> [[Int32]] in
            let prompt = Int(plan.rowPrompt[firstRow + labels[i].row])
            return (0..<languages).map { plan.tokenSets[$0][prompt] }
        }
        let hasAnswer = (0..<count).map { i -> [Bool] in
            let prompt = Int(plan.rowPrompt[firstRow + labels[i].row])
            return plan.languages.map { plan.tasks[prompt].answers[$0] != nil }
        }
        logits.storage.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        let z = ReadPointer(pointer: base)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let row = z.pointer + i * vocab
            var m = -Float.infinity
            for j in 0..<vocab where row[j] > m { m = row[j] }
            let md = Double(m)
            var s = 0.0, t = 0.0
            for j in 0..<vocab {
                let zj = Double(row[j])
                let e = Foundation.exp(zj - md)
                s += e
                t += e * zj
            }
            let logsumexp = md + Foundation.log(s)
            lse.pointer[i] = logsumexp
            entropy.pointer[i] = logsumexp - t / s
            // Top-k by insertion into a descending list (k ≪ vocab); a later equal logit never displaces.
            var values = [Float](repeating: -.infinity, count: k)
            var ids = [Int32](repeating: -1, count: k)
            var filled = 0
            for j in 0..<vocab {
                let v = row[j]
                if filled == k && !(v > values[k - 1]) { continue }
                var pos = filled == k ? k - 1 : filled
                if filled < k { filled += 1 }
                while pos > 0 && v > values[pos - 1] {
                    values[pos] = values[pos - 1]
                    ids[pos] = ids[pos - 1]
                    pos -= 1
                }
                values[pos] = v
                ids[pos] = Int32(j)
            }
            for j in 0..<filled {
                topIDs.pointer[i * topK + j] = ids[j]
                topLogprobs.pointer[i * topK + j] = Float(Double(values[j]) - logsumexp)
            }
            for a in 0..<languages where hasAnswer[i][a] {
                var mass = 0.0
                for id in sets[i][a] where id >= 0 && Int(id) < vocab {
                    mass += Foundation.exp(Double(row[Int(id)]) - logsumexp)
                }
                masses.pointer[i * languages + a] = mass
            }
        }
        }
        for (i, label) in labels.enumerated() {
            let cell = label.row * layers + label.layer
            result.logsumexp[cell] = Float(lse.pointer[i])
            result.entropy[cell] = Float(entropy.pointer[i])
            for j in 0..<topK {
                result.topIDs[cell * topK + j] = topIDs.pointer[i * topK + j]
                result.topLogprobs[cell * topK + j] = topLogprobs.pointer[i * topK + j]
            }
            let top = topIDs.pointer[i * topK]
            result.topText[cell] = top < 0 ? "" : vocabulary.unspelled(vocabulary.piece(top))
            for a in 0..<languages { result.languageProbability[a][cell] = Float(masses.pointer[i * languages + a]) }
        }
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        (clock.now - start).seconds
    }
}

/// A buffer the rows of a `concurrentPerform` write into, each at its own indices (so no two threads touch
/// the same element).
private struct SharedBuffer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>

    init(_ count: Int, _ value: T) {
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: value, count: max(1, count))
    }

    func free() { pointer.deallocate() }
}

/// Read-only access to the logits from every row's thread.
private struct ReadPointer: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
}
