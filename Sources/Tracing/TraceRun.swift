// One trace from plan to complete file: creation, batches, progress journal, resume, completion.
import Activations
import Checkpoints
import Dispatch
import Foundation
import LinearAlgebra
import Models

/// Progress after a batch (and, within a batch, after each layer), for the CLI's bar or log lines.
public struct TraceProgress: Sendable {
    public var batchesDone: Int
    public var batchesTotal: Int
    public var sentencesDone: Int
    public var sentencesTotal: Int
    public var tokensDone: Int
    public var tokensTotal: Int
    /// Seconds of compute + write spent in this process so far (excluding batches skipped by resume).
    public var elapsed: Double
    /// Tokens computed in this process so far.
    public var tokensThisRun: Int
    /// The language of the batch running (or just finished).
    public var language: String = ""
    /// Within a running batch: layers done of `layersTotal` (both 0 once the batch is written). `tokensDone`
    /// then counts the batch's tokens in proportion.
    public var layersDone: Int = 0
    public var layersTotal: Int = 0
}

/// What a finished run did and where its time went.
public struct TraceOutcome: Sendable {
    public var sentences: Int
    public var tokens: Int
    public var batches: Int
    /// Batches found finished in the file and skipped (resume).
    public var batchesSkipped: Int
    /// Tokens computed by this process.
    public var tokensComputed: Int
    /// Wall seconds of the lane groups' compute.
    public var computeSeconds: Double
    /// Wall seconds spent writing (file creation, rows, journal, completion) while no batch was computing:
    /// a group's rows are written while the next group computes, so only what outlasts it counts here.
    public var writeSeconds: Double
    /// Seconds of writing hidden under the next group's compute (not part of `writeSeconds`).
    public var overlappedWriteSeconds = 0.0
    /// FLOPs of the block projections and attention for the tokens computed.
    public var flops: Double
    public var blockMatmulFLOPs: Double
    public var timing: ExecutorTiming
    /// The model's own breakdown (weight decoding, sgemm, attention, elementwise) for this process.
    public var forward: ForwardTimings
    /// True when the output was already complete and nothing was done.
    public var alreadyComplete: Bool
    /// Whether the batches ran on decoded weights kept for the whole run (false: decoded per batch, also
    /// when the cache would keep them but the run has too few lane groups, `keptWeightsMinimumGroups`).
    public var weightsKept = false
}

/// What the lanes of `TraceRun.runAtOnce` share: each touches only its own executor (and model), batches and
/// result slot.
private struct LaneWork: @unchecked Sendable {
    let lanes: [LayerMajorExecutor]
    let batches: [[TraceBatch]]
    let slots: ResultSlots
}

/// A lane group computing on another thread while the run writes the previous group's rows.
private final class GroupInFlight: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var results: [Result<BatchActivations, any Error>] = []
    private var finished = ContinuousClock.now

    init(_ work: @escaping @Sendable () -> [Result<BatchActivations, any Error>]) {
        DispatchQueue.global().async {
            self.results = work()
            self.finished = ContinuousClock.now
            self.done.signal()
        }
    }

    /// The group's results (in batch order) and when it finished; blocks until then.
    func wait() -> ([Result<BatchActivations, any Error>], ContinuousClock.Instant) {
        done.wait()
        return (results, finished)
    }
}

/// Holds a lane's first progress report of a group until the run has reported the group written meanwhile.
private final class ReportGate: @unchecked Sendable {
    private let opened = DispatchSemaphore(value: 0)
    private var passed = false  // touched by the one lane that reports
    func open() { opened.signal() }
    func waitOnce() {
        guard !passed else { return }
        opened.wait()
        passed = true
    }
}

/// Progress reports from a lane (within a batch) and from the writing thread, one at a time.
private final class SerialProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let report: (TraceProgress) throws -> Void
    init(_ report: @escaping (TraceProgress) throws -> Void) { self.report = report }
    func callAsFunction(_ p: TraceProgress) throws {
        lock.lock()
        defer { lock.unlock() }
        try report(p)
    }
}

/// One result list per lane, each written by its lane only (before any lane has run: a placeholder failure).
private final class ResultSlots: @unchecked Sendable {
    let count: Int
    let values: UnsafeMutablePointer<Result<[BatchActivations], any Error>>
    init(_ count: Int) {
        self.count = count
        values = .allocate(capacity: count)
        values.initialize(repeating: .failure(TracingError.laneDidNotRun), count: count)
    }
    deinit {
        values.deinitialize(count: count)
        values.deallocate()
    }
}

/// Runs a plan into an activation file, resumably.
public final class TraceRun {
    public let model: any DecoderModel
    public let plan: TracePlan
    public let output: URL
    public let modelName: String
    public let toolVersion: String
    /// Identifies this run (checked by `--resume`): the plan's fingerprint, or for a shard one derived from it
    /// and the shard's place.
    public let fingerprint: String
    /// The fingerprint of the whole plan: what an unsharded trace records as `run_fingerprint`.
    public let planFingerprint: String
    /// The part of the plan this run traces (nil: all of it).
    public let shard: TraceShard?
    /// Provenance attributes written into the file's header (model and corpus paths and digests).
    public var provenance: [String: String] = [:]
    /// The batches this run traces, in order: the plan's, or the shard's run of them.
    let batches: [TraceBatch]
    /// For a shard: the plan's batch range it holds and the rows its datasets hold.
    let shardBatches: Range<Int>
    let shardRows: ShardRows?
    /// The plan's batches this run traces.
    public var shardBatchRange: Range<Int> { shardBatches }

    /// `modelIdentity` names the checkpoint exactly enough that a different model changes it (e.g. its
    /// path, size and modification time).
    public init(model: any DecoderModel, plan: TracePlan, output: URL, modelName: String, modelIdentity: String,
                toolVersion: String) {
        self.model = model
        self.plan = plan
        self.output = output
        self.modelName = modelName
        self.toolVersion = toolVersion
        self.planFingerprint = RunFingerprint.of(plan: plan, modelIdentity: modelIdentity, config: model.config)
        self.fingerprint = planFingerprint
        self.shard = nil
        self.batches = plan.batches
        self.shardBatches = 0..<plan.batches.count
        self.shardRows = nil
    }

    /// A run of shard `shard` of the plan (`TraceShard`): its batches only, into a shard file that
    /// `ShardMerge` puts together with the others. Throws when the plan has fewer batches than shards.
    public init(model: any DecoderModel, plan: TracePlan, output: URL, modelName: String, modelIdentity: String,
                toolVersion: String, shard: TraceShard) throws {
        self.model = model
        self.plan = plan
        self.output = output
        self.modelName = modelName
        self.toolVersion = toolVersion
        let planFingerprint = RunFingerprint.of(plan: plan, modelIdentity: modelIdentity, config: model.config)
        self.planFingerprint = planFingerprint
        var f = RunFingerprint()
        f.add("interlingua.trace-shard/1")
        f.add(planFingerprint)
        f.add(shard.description)
        self.fingerprint = f.hex
        self.shard = shard
        let facts = plan.shardFacts()
        let range = try shard.batches(tokenCounts: facts.tokens)
        self.shardBatches = range
        self.batches = Array(plan.batches[range])
        var rows = ShardRows()
        for k in range { for segment in facts.rows[k] { rows.append(language: segment.language, rows: segment.rows) } }
        self.shardRows = rows
    }

    /// Refuses an existing output without `resume` (call before loading anything).
    public static func checkOutput(_ output: URL, resume: Bool) throws {
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: output.path, isDirectory: &isDir)
        if exists && isDir.boolValue {
            throw TracingError.badOption("\(output.path): is a folder; --output names the activation file to write (e.g. \(output.appendingPathComponent("activations.h5").path))")
        }
        if exists && !resume { throw TracingError.outputExists(file: output.path) }
        let dir = output.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw TracingError.badOption("\(output.path): the output's folder does not exist")
        }
        // The output, its journal and its lock are created in this folder.
        if access(dir.path, W_OK) != 0 {
            throw TracingError.badOption("\(output.path): cannot write into \(dir.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Traces every batch not yet in the file. Without `resume`, an existing output is an error; with it,
    /// the file and its journal must belong to this very run (same fingerprint).
    public func run(resume: Bool, progress: ((TraceProgress) throws -> Void)? = nil) throws -> TraceOutcome {
        try Self.checkOutput(output, resume: resume)
        let total = batches.count
        var outcome = TraceOutcome(sentences: batches.reduce(0) { $0 + $1.sentenceCount },
                                   tokens: batches.reduce(0) { $0 + $1.tokenCount },
                                   batches: total, batchesSkipped: 0, tokensComputed: 0, computeSeconds: 0,
                                   writeSeconds: 0, flops: 0, blockMatmulFLOPs: 0, timing: ExecutorTiming(),
                                   forward: ForwardTimings(), alreadyComplete: false)
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { d.seconds }

        var writeStart = clock.now
        let lock = try OutputLock(output)
        defer { lock.release() }
        let (writer, startBatch, finalizing, resumedChecksum) = try openOrCreate(resume: resume)
        outcome.writeSeconds += seconds(clock.now - writeStart)
        guard let writer else {
            outcome.alreadyComplete = true
            outcome.batchesSkipped = total
            return outcome
        }
        outcome.batchesSkipped = startBatch

        if let deactivation = plan.settings.deactivation { try deactivation.check(against: model.config) }
        let executor = LayerMajorExecutor(model: model, plan: plan)
        var neurons = try NeuronTally(plan: plan, batches: batches, config: model.config, writer: writer, batchesDone: startBatch)
        model.resetTimings()
        let threads = BLASThreads.count
        // Kept weights pay off over many lane groups; a run of few decodes in each lane per group instead.
        var decodingPerBatch = false
        let perLane = plan.settings.tokenStates ? 1 : Self.batchesTogether
        if !finalizing, model.keepsDecodedWeights, threads > 1,
           Self.laneGroups(batches: total - startBatch, threads: threads, together: perLane) < Self.keptWeightsMinimumGroups {
            model.keepsDecodedWeights = false
            decodingPerBatch = true
        }
        defer { if decodingPerBatch { model.keepsDecodedWeights = true } }
        outcome.weightsKept = model.keepsDecodedWeights
        let lanes = finalizing ? [executor]
            : try Self.lanes(executor, threads: threads, batches: total - startBatch, decodingPerBatch: decodingPerBatch)
        // The model's and executors' seconds, per stage; batches that ran at once count with the mean over
        // their lanes, so the shares stay shares of the wall time.
        var forward = ForwardTimings(), stages = ExecutorTiming()
        func collect(_ running: ArraySlice<LayerMajorExecutor>) {
            let share = 1 / Double(running.count)
            for lane in running {
                forward = forward + lane.model.timings.scaled(by: share)
                lane.model.resetTimings()
                stages = stages + lane.takeTiming().scaled(by: share)
            }
        }
        collect(lanes[..<1])  // decoding every layer before the lanes start
        var sentencesDone = batches[..<startBatch].reduce(0) { $0 + $1.sentenceCount }
        var tokensDone = batches[..<startBatch].reduce(0) { $0 + $1.tokenCount }
        var checksum = resumedChecksum

        /// Writes batch `index` (its rows, neuron counts and the journal entry that makes it count).
        func finish(_ index: Int, _ activations: BatchActivations) throws {
            let batch = batches[index]
            try write(activations, with: writer, checksum: &checksum)
            try neurons?.add(activations, writer: writer)
            try writer.flush()
            let state: TraceJournal.State = index + 1 == total ? .finalizing : .tracing
            try TraceJournal(fingerprint: fingerprint, state: state, batchesDone: index + 1, batchesTotal: total,
                             checksum: checksum.hex).write(for: output)
            outcome.tokensComputed += batch.tokenCount
            let matmuls = model.matmulFLOPs(tokens: batch.tokenCount) * Double(model.config.nLayers)
            outcome.blockMatmulFLOPs += matmuls
            outcome.flops += matmuls + model.attentionFLOPs(Self.sequences(of: batch, in: plan)) * Double(model.config.nLayers)
            sentencesDone += batch.sentenceCount
            tokensDone += batch.tokenCount
        }

        // Lanes that decode every layer per batch take up to `batchesTogether` batches each at once (batch k
        // of the group to lane k mod lanes), run layer by layer together (`LayerMajorExecutor.run(together:)`),
        // so each lane decodes each layer once per group rather than once per batch; lanes over kept weights
        // take one batch each per group, so batches reach the file (and the journal) as they finish. Runs
        // that keep token states (up to [layers, batch tokens, d] per batch) keep to one batch per lane.
        let together = decodingPerBatch && lanes.count > 1 && perLane > 1
        // A group's rows are written while the next group computes (on another thread): the core a lane
        // leaves idle, or the time the file takes, overlaps the compute. A group with a failed batch is
        // written up to it at once and the run stops there (resumable).
        let report = progress.map(SerialProgress.init)
        let (sentencesTotal, tokensTotal) = (outcome.sentences, outcome.tokens)
        var pending: (first: Int, results: [Result<BatchActivations, any Error>], language: String)?
        /// Writes `pending` in batch order, then reports it (a report names only batches in the file).
        func writePending() throws {
            guard let p = pending else { return }
            pending = nil
            for (k, result) in p.results.enumerated() { try finish(p.first + k, try result.get()) }
            try report?(TraceProgress(batchesDone: p.first + p.results.count, batchesTotal: total,
                                      sentencesDone: sentencesDone, sentencesTotal: sentencesTotal, tokensDone: tokensDone,
                                      tokensTotal: tokensTotal, elapsed: outcome.computeSeconds + outcome.writeSeconds,
                                      tokensThisRun: outcome.tokensComputed, language: p.language))
        }
        /// The batches of `pending` (computed, written under the next group's compute).
        func pendingBatches() -> ArraySlice<TraceBatch> {
            pending.map { batches[$0.first..<($0.first + $0.results.count)] } ?? []
        }
        var index = startBatch
        while !finalizing && index < total {
            // One batch per lane at once while two or more remain (all but the last odd ones when the lanes
            // run theirs together); a last single batch on all threads.
            let remaining = total - index
            let group: Int
            if remaining == 1 {
                group = 1
            } else if together && remaining >= lanes.count {
                // The even part in as few groups of at most `perLane` batches per lane as it needs, balanced.
                let each = remaining / lanes.count, rounds = (each + perLane - 1) / perLane
                group = lanes.count * ((each + rounds - 1) / rounds)
            } else {
                group = min(lanes.count, remaining)
            }
            let slice = batches[index..<(index + group)]
            let groupTokens = slice.reduce(0) { $0 + $1.tokenCount }
            // The batches' languages, for the progress line ("de+en" when they span two).
            var names: [String] = []
            for batch in slice {
                for segment in batch.segments where names.last != plan.languages[segment.language].language {
                    names.append(plan.languages[segment.language].language)
                }
            }
            let language = names.joined(separator: "+")
            let computeStart = clock.now
            let gate = ReportGate()
            if let report {
                // Large models take minutes per batch: report every layer within it too (the first lane's),
                // counting the group being written as done.
                let written = pendingBatches()
                let done = sentencesDone + written.reduce(0) { $0 + $1.sentenceCount }
                let doneTokens = tokensDone + written.reduce(0) { $0 + $1.tokenCount }
                let (spent, computed) = (outcome.computeSeconds + outcome.writeSeconds, outcome.tokensComputed + (doneTokens - tokensDone))
                let first = index
                lanes[0].afterLayer = { layer, layers in
                    // Not before the group written meanwhile has reported itself: reports stay in order.
                    gate.waitOnce()
                    let partial = groupTokens * layer / max(1, layers)
                    try? report(TraceProgress(batchesDone: first, batchesTotal: total, sentencesDone: done,
                                              sentencesTotal: sentencesTotal, tokensDone: doneTokens + partial,
                                              tokensTotal: tokensTotal, elapsed: spent + (ContinuousClock.now - computeStart).seconds,
                                              tokensThisRun: computed + partial, language: language,
                                              layersDone: layer, layersTotal: layers))
                }
            }
            let running = lanes[..<min(lanes.count, group)]
            let work = UncheckedSendable((running: running, slice: slice))
            let inFlight = GroupInFlight {
                group == 1 ? [Result { try work.value.running[work.value.running.startIndex].run(work.value.slice[work.value.slice.startIndex]) }]
                    : Self.runAtOnce(work.value.running, work.value.slice, blasThreads: threads)
            }
            let writeStart = clock.now
            var writeError: (any Error)?
            do { try writePending() } catch { writeError = error }
            gate.open()
            let writeEnd = clock.now
            let (results, computeEnd) = inFlight.wait()
            collect(running)
            outcome.computeSeconds += seconds(computeEnd - computeStart)
            let exposed = writeEnd > computeEnd ? seconds(writeEnd - max(writeStart, computeEnd)) : 0
            outcome.writeSeconds += exposed
            outcome.overlappedWriteSeconds += seconds(writeEnd - writeStart) - exposed
            if let writeError { throw writeError }
            pending = (index, results, language)
            index += group
            if results.contains(where: { if case .failure = $0 { return true } else { return false } }) {
                let start = clock.now
                defer { outcome.writeSeconds += seconds(clock.now - start) }
                try writePending()
            }
        }
        writeStart = clock.now
        try writePending()
        try neurons?.writeTotals(writer)
        try writer.markComplete()
        try TraceJournal.remove(for: output)
        outcome.writeSeconds += seconds(clock.now - writeStart)
        outcome.timing = stages
        outcome.forward = forward
        return outcome
    }

    /// The executors that run batches at once: `executor`, and with `threads` > 1 BLAS threads, at least two
    /// batches to go and a model that can run on several threads (`DecoderModel.concurrentInstance`: one
    /// that keeps its decoded weights; `decodingInstance` with `decodingPerBatch`), one more per thread,
    /// each on its own instance of the model. Each
    /// lane runs its batch with OpenBLAS and the row-parallel steps on one thread, so the cores never wait
    /// for each other within a batch (two-thread sgemm calls that alternate with the elementwise steps
    /// lose a tenth of their rate to the threads' hand-overs). A row's values are those of the one-lane
    /// run: the block projections are sgemm in row parts (`BLAS.gemmInRowParts`), whose bits are those of
    /// one single-threaded call whatever the thread count, and every other step is computed per row or per
    /// sentence. Without kept weights (`decodingPerBatch`, a run of few lane groups) each lane's twin
    /// decodes every layer into its own scratch, once per group of its batches.
    static func lanes(_ executor: LayerMajorExecutor, threads: Int, batches: Int, decodingPerBatch: Bool = false) throws -> [LayerMajorExecutor] {
        var lanes = [executor]
        guard threads > 1, batches > 1, executor.model.keepsDecodedWeights || decodingPerBatch else { return lanes }
        while lanes.count < min(threads, batches),
              let twin = try executor.model.keepsDecodedWeights ? executor.model.concurrentInstance() : executor.model.decodingInstance() {
            lanes.append(LayerMajorExecutor(model: twin, plan: executor.plan))
        }
        return lanes
    }

    /// Lane groups of a run of `batches` batches on `threads` threads, `together` batches per lane and group
    /// (a last single batch alone).
    static func laneGroups(batches: Int, threads: Int, together: Int = 1) -> Int {
        let perGroup = max(threads, 1) * max(together, 1)
        return (batches + perGroup - 1) / perGroup
    }

    /// Batches a lane that decodes per layer takes at once, layer by layer together (without token states):
    /// its decoding is paid once per group of them.
    static let batchesTogether = 4

    /// Fewer lane groups than this (of `batchesTogether` batches per lane), and a model that would keep its
    /// decoded weights decodes each layer in each lane per group instead (the same bits,
    /// `ExecutionInvarianceTests`): keeping them costs the first touch of all their pages, which on a 2-core
    /// AMD EPYC VM took 0.46–0.75 s for SmolLM2's 0.40 GiB (7–8 % of a 30-row trace; the kernel's
    /// clear_page was 3.8 % of a 79-row trace's samples) against about 0.13 s per decoding of every layer on
    /// one thread into a reused layer scratch, so kept weights pay from about 4 such groups on.
    /// (A variable so that tests can take either path; the bits are the same.)
    public nonisolated(unsafe) static var keptWeightsMinimumGroups = 4

    /// `lanes[k]` runs batches k, k + lanes, k + 2·lanes … of `batches` (together, layer by layer, when it
    /// has several), all lanes at once on their own threads, OpenBLAS on one thread meanwhile. The results
    /// in batch order; a lane that fails fails each of its batches.
    static func runAtOnce(_ lanes: ArraySlice<LayerMajorExecutor>, _ batches: ArraySlice<TraceBatch>,
                          blasThreads: Int) -> [Result<BatchActivations, any Error>] {
        let all = Array(batches), n = lanes.count
        let shares = (0..<n).map { k in Array(stride(from: k, to: all.count, by: n).map { all[$0] }) }
        let slots = ResultSlots(n)
        let work = LaneWork(lanes: Array(lanes), batches: shares, slots: slots)
        BLASThreads.set(1)
        defer { BLASThreads.set(blasThreads) }
        DispatchQueue.concurrentPerform(iterations: n) { k in
            work.slots.values[k] = Result { try work.lanes[k].run(together: work.batches[k]) }
        }
        return all.indices.map { i in slots.values[i % n].map { $0[i / n] } }
    }

    /// The writer, the first batch to compute, whether only finalizing remains, and the checksum of the
    /// batches already written; a nil writer when the file is already complete. A resume continues only
    /// from what the journal proves: its checksum must match the batches as the file holds them.
    private func openOrCreate(resume: Bool) throws -> (ActivationsWriter?, Int, Bool, BatchChecksum) {
        // A journal without its file (the file was deleted) describes nothing: start afresh over it.
        let exists = FileManager.default.fileExists(atPath: output.path)
        if exists {
            guard let journal = try TraceJournal.read(for: output) else {
                // No journal: either a finished file of this run, or something we must not touch.
                if ActivationsWriter.runFingerprint(of: output) == fingerprint && ActivationsWriter.isComplete(output) {
                    return (nil, batches.count, false, BatchChecksum())
                }
                throw TracingError.resumeMismatch(file: output.path,
                    reason: "it has no progress journal (\(TraceJournal.url(for: output).lastPathComponent)) and is not a complete trace of this run")
            }
            guard journal.fingerprint == fingerprint else {
                throw TracingError.resumeMismatch(file: output.path,
                    reason: "its progress journal belongs to a run with another model, corpus or options")
            }
            if journal.state != .creating {
                guard journal.batchesTotal == batches.count, journal.batchesDone <= batches.count else {
                    throw TracingError.resumeMismatch(file: output.path, reason: "the journal's batch count differs from this run's")
                }
                let writer: ActivationsWriter
                let found: BatchChecksum
                do {
                    writer = try ActivationsWriter.reopen(at: output, runFingerprint: fingerprint)
                    found = try checksumInFile(writer, batches: journal.batchesDone)
                } catch let error as ActivationsError {
                    throw TracingError.resumeMismatch(file: output.path, reason: error.localizedDescription)
                }
                guard found.hex == journal.checksum else {
                    throw TracingError.resumeMismatch(file: output.path,
                        reason: "its progress journal claims \(journal.batchesDone) of \(journal.batchesTotal) batches written, but the file's values do not match the journal's checksum (an edited journal or a damaged file); delete both to trace afresh")
                }
                return (writer, journal.batchesDone, journal.state == .finalizing, found)
            }
            // Interrupted while creating: nothing finished, start over.
        }
        try TraceJournal(fingerprint: fingerprint, state: .creating, batchesDone: 0, batchesTotal: batches.count)
            .write(for: output)
        let writer = try ActivationsWriter.create(at: output, header: try header(), overwrite: exists)
        try TraceJournal(fingerprint: fingerprint, state: .tracing, batchesDone: 0, batchesTotal: batches.count)
            .write(for: output)
        return (writer, 0, batches.isEmpty, BatchChecksum())
    }

    /// The batch's sentences as packed sequences (for counting attention FLOPs: the ranges are what counts).
    static func sequences(of batch: TraceBatch, in plan: TracePlan) -> PackedBatch {
        var start = 0
        var ranges: [Range<Int>] = []
        for segment in batch.segments {
            let tokenized = plan.languages[segment.language]
            for n in segment.sentences {
                let length = tokenized.tokenRange(n).count
                ranges.append(start..<(start + length))
                start += length
            }
        }
        return PackedBatch(tokens: [], sequences: ranges)
    }

    private func header() throws -> ActivationsHeader {
        let c = model.config
        let s = plan.settings
        var h = ActivationsHeader(
            model: modelName, architecture: c.architecture.rawValue, nLayers: c.nLayers, dModel: c.dModel,
            template: s.template.rawValue, instruction: s.template == .raw || s.template == .alpacaNoInput ? "" : s.instruction,
            pools: s.pools, bosInPool: s.bosInPool, poolSpan: s.poolWholePrompt ? "prompt" : "sentence",
            toolVersion: toolVersion, runFingerprint: fingerprint, languages: plan.corpus.languages,
            ids: plan.corpus.ids, texts: plan.corpus.texts, tokenIDs: plan.languages.map(\.ids),
            tokenOffsets: plan.languages.map(\.offsets), poolSpans: plan.languages.map(\.poolSpans),
            tokenStates: s.tokenStates, subLayers: s.subLayers, provenance: provenance,
            batches: plan.batches.enumerated().flatMap { b, batch in batch.segments.map { (b, $0.language, $0.sentences) } },
            neuronWidth: s.neuronCounts == nil ? nil : c.dFFN, neuronsBOSCounted: s.neuronCounts?.countBOS ?? false,
            deactivated: s.deactivation?.summary)
        if let shard, let shardRows {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            h.shard = ShardHeader(index: shard.index, count: shard.count, planFingerprint: planFingerprint,
                                  planBatches: plan.batches.count, planTokens: plan.tokenCount,
                                  planSettings: String(decoding: try encoder.encode(s), as: UTF8.self),
                                  batches: shardBatches, tokens: batches.reduce(0) { $0 + $1.tokenCount },
                                  rows: shardRows)
        }
        return h
    }

    /// One dataset a batch writes: a [layers, N, d] dataset's rows (`layered`) or an [N, d] dataset's rows.
    private struct BatchWrite {
        var path: String
        var rows: Range<Int>
        var layered: Bool
    }

    /// The datasets and rows segment `segment` writes, in write order (the order its checksum follows:
    /// segment after segment of each batch). A shard holds only its rows: plan rows and tokens map to the
    /// shard's own.
    private func writes(of segment: TraceSegment) throws -> [BatchWrite] {
        let lang = plan.languages[segment.language].language
        var rows = segment.sentences
        var tokens = segment.tokens
        if let shardRows {
            guard let local = shardRows.localRows(language: segment.language, rows: rows),
                  let localTokens = shardRows.localTokens(language: segment.language, tokens: tokens,
                                                          offsets: plan.languages[segment.language].offsets) else {
                throw TracingError.badOption("internal: batch rows \(rows) of \(lang) are not in shard \(shard?.description ?? "?")")
            }
            rows = local
            tokens = localTokens
        }
        var out: [BatchWrite] = []
        for pool in plan.settings.pools {
            out.append(BatchWrite(path: ActivationsLayout.pooled(pool, lang), rows: rows, layered: true))
            out.append(BatchWrite(path: ActivationsLayout.finalNorm(pool, lang), rows: rows, layered: false))
            if plan.settings.subLayers {
                out.append(BatchWrite(path: ActivationsLayout.subLayer(.attention, pool, lang), rows: rows, layered: true))
                out.append(BatchWrite(path: ActivationsLayout.subLayer(.mlp, pool, lang), rows: rows, layered: true))
            }
        }
        if plan.settings.tokenStates {
            out.append(BatchWrite(path: ActivationsLayout.states(lang), rows: tokens, layered: true))
        }
        return out
    }

    private func write(_ a: BatchActivations, with writer: ActivationsWriter, checksum: inout BatchChecksum) throws {
        let b = a.batch.sentenceCount, tb = a.batch.tokenCount, d = a.dModel
        for (i, segment) in a.batch.segments.enumerated() {
            let rows = a.segmentRows(i)
            var values: [[Float]] = []
            for p in plan.settings.pools.indices {
                values.append(BatchActivations.rows(rows, of: a.pooled[p], total: b, dimension: d))
                values.append(BatchActivations.rows(rows, of: a.finalNorm[p], total: b, dimension: d))
                if plan.settings.subLayers {
                    values.append(BatchActivations.rows(rows, of: a.attention[p], total: b, dimension: d))
                    values.append(BatchActivations.rows(rows, of: a.mlp[p], total: b, dimension: d))
                }
            }
            if plan.settings.tokenStates {
                values.append(BatchActivations.rows(a.segmentTokens(i), of: a.states, total: tb, dimension: d))
            }
            for (w, v) in zip(try writes(of: segment), values) {
                if w.layered { try writer.writeLayerRows(w.path, rows: w.rows, values: v) }
                else { try writer.writeRows(w.path, rows: w.rows, values: v) }
                checksum.add(v)
            }
        }
    }

    /// The checksum of batches `0..<count` as the file holds them now.
    private func checksumInFile(_ writer: ActivationsWriter, batches count: Int) throws -> BatchChecksum {
        var checksum = BatchChecksum()
        for segment in batches[..<count].flatMap(\.segments) {
            for w in try writes(of: segment) {
                checksum.add(w.layered ? try writer.readLayerRows(w.path, rows: w.rows) : try writer.readRows(w.path, rows: w.rows))
            }
        }
        return checksum
    }
}

/// The running neuron counts of every language during a trace, journaled with the batches' rows.
///
/// The j-th batch (1-based) holding rows of a language adds that segment's counts to the language's total
/// and writes the total into running slot j mod 2, before the flush and the journal update that mark the
/// batch done. On resume after k batches, a language in j of them restores slot j mod 2: the slot an
/// interrupted batch was writing is the other one, so counts are exact after any kill.
struct NeuronTally {
    let plan: TracePlan
    let width: Int
    /// Per language: n_layers·d_ffn counts, then the token count.
    var running: [[Int64]]
    var batchesDone: [Int]

    init?(plan: TracePlan, batches: [TraceBatch], config: ModelConfig, writer: ActivationsWriter, batchesDone done: Int) throws {
        guard plan.settings.neuronCounts != nil else { return nil }
        self.plan = plan
        width = config.nLayers * config.dFFN
        batchesDone = [Int](repeating: 0, count: plan.languages.count)
        for segment in batches[..<done].flatMap(\.segments) { batchesDone[segment.language] += 1 }
        running = []
        for (l, tokenized) in plan.languages.enumerated() {
            if batchesDone[l] == 0 {
                running.append([Int64](repeating: 0, count: width + 1))
            } else {
                let slot = try writer.readNeuronRunning(tokenized.language, slot: batchesDone[l] % 2)
                guard slot.count == width + 1 else {
                    throw TracingError.resumeMismatch(file: writer.url.path, reason: "its neuron counts of \(tokenized.language) have \(slot.count) entries, expected \(width + 1)")
                }
                running.append(slot)
            }
        }
    }

    mutating func add(_ a: BatchActivations, writer: ActivationsWriter) throws {
        guard a.neuronCounts.count == a.batch.segments.count, a.countedTokens.count == a.batch.segments.count else {
            throw TracingError.modelShape(stage: "neuron counts", expected: [a.batch.segments.count], found: [a.neuronCounts.count])
        }
        for (i, segment) in a.batch.segments.enumerated() {
            let l = segment.language
            let counts = a.neuronCounts[i]
            guard counts.count == width else {
                throw TracingError.modelShape(stage: "neuron counts", expected: [width], found: [counts.count])
            }
            running[l].withUnsafeMutableBufferPointer { total in
                for j in 0..<width { total[j] += Int64(counts[j]) }
                total[width] += Int64(a.countedTokens[i])
            }
            batchesDone[l] += 1
            try writer.writeNeuronRunning(plan.languages[l].language, slot: batchesDone[l] % 2, values: running[l])
        }
    }

    func writeTotals(_ writer: ActivationsWriter) throws {
        for (l, tokenized) in plan.languages.enumerated() {
            try writer.writeNeuronTotals(tokenized.language, counts: Array(running[l][..<width]), tokens: running[l][width])
        }
    }
}
