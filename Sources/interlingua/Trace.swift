import Activations
import ArgumentParser
import Checkpoints
import Foundation
import LinearAlgebra
import Models
import Tracing

/// `interlingua trace MODEL CORPUS --output FILE.h5`: every layer's residual stream over a parallel corpus,
/// pooled per sentence, into an activation file (layout: docs/activations.md).
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model over a parallel corpus and store every layer's pooled hidden states in HDF5.",
        discussion: """
        CORPUS is a TSV with a header (id, then one column per language), a JSONL file (id, lang, text) or a \
        Flores-101/200 folder (dev/, devtest/; --split picks one). Sentences are packed without padding into \
        batches of at most --batch-tokens tokens and run layer by layer. Progress goes to stderr. An existing \
        output is never overwritten: --resume continues an interrupted trace of the same model, corpus and \
        options (also after kill -9) and ends with the same file an uninterrupted run writes. --shard I/N traces \
        only part I of N of the batches (balanced by tokens) into a shard file; 'interlingua merge' puts the \
        N shard files together into the file one unsharded trace writes (README: Running on a cluster).
        """
    )

    @Argument(help: "A .gguf or .safetensors file, a PyTorch .bin, or a Hugging Face model folder.")
    var model: String

    @Argument(help: "A TSV or JSONL corpus, or a Flores folder.")
    var corpus: String

    @Option(name: .shortAndLong, help: "The activation file to write (.h5).")
    var output: String

    @OptionGroup(title: "Corpus")
    var selection: CorpusSelection

    @Option(help: ArgumentHelp("Comma-separated poolings: mean, last, weighted (default: mean); none (only with --neurons) stores no pooled states.",
                               valueName: "list"),
            transform: CommaList.poolsOrNone)
    var pool: [Pooling]?

    @Flag(help: "Count, per language, layer and FFN neuron, the tokens with act(gate·x) > 0 (/neurons/<lang>).")
    var neurons = false

    @Flag(help: "With --neurons: count the BOS position too (excluded by default).")
    var neuronsCountBos = false

    @Option(help: "FILE:LANG[,LANG…] — switch off those languages' neurons (a neurons.json of 'interlingua neurons') in every forward pass.")
    var deactivate: String?

    @Flag(help: "Also store every token's state at every layer (/states/<lang>).")
    var tokenStates = false

    @Option(help: "Prompt template.")
    var template: PromptTemplate = .raw

    @Option(help: "The instruction of the alpaca and instruction templates.")
    var instruction = PromptTemplate.defaultInstruction

    @OptionGroup
    var threads: ThreadOptions

    @Option(help: "Token budget of one packed batch (sentences of any languages are packed together).")
    var batchTokens = 2048

    @OptionGroup
    var weightCache: WeightCacheOptions

    @Flag(help: "Continue an interrupted trace into the same output.")
    var resume = false

    @Flag(help: "Include BOS in mean and weighted pooling.")
    var bosInPool = false

    @Flag(help: "Pool over the whole prompt instead of the sentence's own tokens.")
    var poolPrompt = false

    @Flag(help: "Also store the pooled attention and MLP outputs of every block.")
    var sublayers = false

    @Option(help: "Write the closing summary as JSON to this file.")
    var stats: String?

    @Option(help: ArgumentHelp("Trace only shard I of N (counted from 1) into a shard file, for 'interlingua merge'.",
                               valueName: "I/N"))
    var shard: String?

    func validate() throws {
        if batchTokens < 1 { throw ValidationError("--batch-tokens must be at least 1") }
        if pool == [] && !neurons { throw ValidationError("--pool none stores nothing without --neurons") }
        if neuronsCountBos && !neurons { throw ValidationError("--neurons-count-bos needs --neurons") }
        if let shard {
            do { _ = try TraceShard(parsing: shard) } catch { throw ValidationError(error.localizedDescription) }
        }
    }

    func run() throws {
        let clock = ContinuousClock()
        let started = clock.now
        if let threads = threads.threads { BLASThreads.set(threads) }
        let outputURL = URL(fileURLWithPath: output)
        try TraceRun.checkOutput(outputURL, resume: resume)
        let deactivation = try deactivate.map { try NeuronDeactivation.load(argument: $0) }
        // From here on an interrupted run is resumable: say how (the journal records every flushed batch).
        InterruptNotice.install("""

            trace: interrupted; every finished batch is kept in \(output). Continue with:
              \(InterruptNotice.resumeCommand())

            """)

        let settings = try TraceSettings(
            template: template, instruction: instruction,
            pools: pool ?? [.mean],
            bosInPool: bosInPool, poolWholePrompt: poolPrompt, tokenStates: tokenStates, subLayers: sublayers,
            batchTokens: batchTokens, neuronCounts: neurons ? NeuronCountSettings(countBOS: neuronsCountBos) : nil,
            deactivation: deactivation)

        // Arguments of the wrong kind (model and corpus swapped) and corpus errors surface before the model
        // is even opened.
        try TraceInputs.checkKinds(model: model, corpus: corpus)
        let traceCorpus = try TraceInputs.corpus(at: corpus, selection: selection)

        var mark = clock.now
        let modelURL = URL(fileURLWithPath: model)
        let checkpoint = try Checkpoint.open(modelURL)
        let decoder = try ModelLoader.load(checkpoint)
        weightCache.apply(to: decoder)
        let tokenizer = try TraceInputs.tokenizer(for: checkpoint)
        let loadSeconds = Self.seconds(clock.now - mark)

        mark = clock.now
        let plan = try TracePlan(corpus: traceCorpus, tokenizer: tokenizer, settings: settings,
                                 contextLength: decoder.config.contextLength)
        let tokenizeSeconds = Self.seconds(clock.now - mark)

        let run = try shard.map {
            try TraceRun(model: decoder, plan: plan, output: outputURL, modelName: modelURL.lastPathComponent,
                         modelIdentity: TraceInputs.identity(of: modelURL), toolVersion: Interlingua.version,
                         shard: try TraceShard(parsing: $0))
        } ?? TraceRun(model: decoder, plan: plan, output: outputURL, modelName: modelURL.lastPathComponent,
                      modelIdentity: TraceInputs.identity(of: modelURL), toolVersion: Interlingua.version)
        run.provenance = try TraceInputs.provenance(
            model: modelURL, checkpoint: checkpoint, corpus: traceCorpus, split: selection.split,
            progress: { file, bytes in
                FileHandle.standardError.write(Data(
                    "trace: SHA-256 of \(file.lastPathComponent) (\(String(format: "%.1f", Double(bytes) / 1e6)) MB; cached for next time)\n".utf8))
            })
        if tokenStates {
            FileHandle.standardError.write(Data("trace: \(TraceInputs.tokenStatesNotice(plan: plan, config: decoder.config, output: outputURL))\n".utf8))
        }
        let reporter = ProgressReporter(languages: plan.corpus.languages)
        // Sampled after every batch: the batch's scratch and activations are still allocated then.
        var peakAnonymous = ResourceUsage.residentAnonymousBytes ?? 0
        let outcome = try run.run(resume: resume) {
            reporter.report($0)
            peakAnonymous = max(peakAnonymous, ResourceUsage.residentAnonymousBytes ?? 0)
        }
        reporter.finish()

        let summary = TraceSummary(outcome: outcome, loadSeconds: loadSeconds, tokenizeSeconds: tokenizeSeconds,
                                   totalSeconds: Self.seconds(clock.now - started),
                                   peakResidentBytes: ResourceUsage.peakResidentBytes,
                                   peakAnonymousBytes: peakAnonymous)
        if let shard = run.shard, !outcome.alreadyComplete {
            FileHandle.standardError.write(Data("trace: shard \(shard) holds batches \(run.shardBatchRange.lowerBound)..<\(run.shardBatchRange.upperBound) of \(plan.batches.count) (\(outcome.tokens) of \(plan.tokenCount) tokens)\n".utf8))
        }
        FileHandle.standardError.write(Data(summary.text(output: output).utf8))
        if let stats { try summary.writeJSON(to: URL(fileURLWithPath: stats)) }
    }

    static func seconds(_ d: Duration) -> Double { d.seconds }
}

/// The closing summary of a trace, as text and as `--stats` JSON.
struct TraceSummary: Encodable {
    var sentences: Int
    var tokens: Int
    var loadSeconds: Double
    var tokenizeSeconds: Double
    var computeSeconds: Double
    var writeSeconds: Double
    var writeOverlappedSeconds: Double
    var totalSeconds: Double
    var tokensPerSecond: Double
    var gflops: Double
    var blockMatmulGFLOPS: Double
    var peakResidentBytes: Int
    var peakAnonymousBytes: Int
    var batches: Int
    var batchesSkipped: Int
    var alreadyComplete: Bool

    enum CodingKeys: String, CodingKey {
        case sentences, tokens, loadSeconds = "load_s", tokenizeSeconds = "tokenize_s", computeSeconds = "compute_s"
        case writeSeconds = "write_s", writeOverlappedSeconds = "write_overlapped_s", totalSeconds = "total_s", tokensPerSecond = "tokens_per_s", gflops
        case blockMatmulGFLOPS = "block_matmul_gflops", peakResidentBytes = "peak_rss_bytes"
        case peakAnonymousBytes = "peak_anon_rss_bytes", batches
        case batchesSkipped = "batches_skipped", alreadyComplete = "already_complete"
    }

    init(outcome o: TraceOutcome, loadSeconds: Double, tokenizeSeconds: Double, totalSeconds: Double,
         peakResidentBytes: Int, peakAnonymousBytes: Int) {
        sentences = o.sentences
        tokens = o.tokens
        self.loadSeconds = loadSeconds
        self.tokenizeSeconds = tokenizeSeconds
        computeSeconds = o.computeSeconds
        writeSeconds = o.writeSeconds
        writeOverlappedSeconds = o.overlappedWriteSeconds
        self.totalSeconds = totalSeconds
        // Only the tokens this process computed count toward its throughput (a resume skips some).
        tokensPerSecond = o.computeSeconds > 0 ? Double(o.tokensComputed) / o.computeSeconds : 0
        gflops = o.computeSeconds > 0 ? o.flops / o.computeSeconds / 1e9 : 0
        blockMatmulGFLOPS = o.forward.matmulSeconds > 0 ? o.blockMatmulFLOPs / o.forward.matmulSeconds / 1e9 : 0
        self.peakResidentBytes = peakResidentBytes
        self.peakAnonymousBytes = peakAnonymousBytes
        batches = o.batches
        batchesSkipped = o.batchesSkipped
        alreadyComplete = o.alreadyComplete
    }

    func text(output: String) -> String {
        if alreadyComplete { return "\(output) is already complete; nothing to do\n" }
        let f = { (x: Double) in String(format: "%.2f", x) }
        var s = "traced \(sentences) sentences (\(tokens) tokens) into \(output) in \(f(totalSeconds)) s\n"
        if batchesSkipped > 0 { s += "  resumed: \(batchesSkipped) of \(batches) batches were already written\n" }
        s += "  load \(f(loadSeconds)) s, tokenize \(f(tokenizeSeconds)) s, compute \(f(computeSeconds)) s, write \(f(writeSeconds)) s (+ \(f(writeOverlappedSeconds)) s under compute)\n"
        s += "  \(String(format: "%.0f", tokensPerSecond)) tokens/s, \(String(format: "%.1f", gflops)) GFLOP/s overall, "
        s += "block matmuls \(String(format: "%.1f", blockMatmulGFLOPS)) GFLOP/s, peak RSS \(String(format: "%.0f", Double(peakResidentBytes) / 1_048_576)) MiB "
        s += "(anonymous \(String(format: "%.0f", Double(peakAnonymousBytes) / 1_048_576)) MiB)\n"
        return s
    }

    func writeJSON(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}

/// Progress on stderr, prefixed `trace:`: a live bar on a terminal (redrawn after every layer), a plain line
/// every few seconds otherwise. Both name the language running and, within a batch, the layer.
final class ProgressReporter {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastLine = ContinuousClock.now
    private var drewBar = false
    private let languages: [String]

    init(languages: [String]) {
        self.languages = languages
    }

    func report(_ p: TraceProgress) {
        let rate = p.elapsed > 0 ? Double(p.tokensThisRun) / p.elapsed : 0
        let remaining = rate > 0 ? Double(p.tokensTotal - p.tokensDone) / rate : 0
        let fraction = p.tokensTotal > 0 ? Double(p.tokensDone) / Double(p.tokensTotal) : 1
        var place = ""
        if !p.language.isEmpty {
            // A batch packed across languages names its first and last ("en–zh (1–3/3)").
            let names = p.language.split(separator: "+").map(String.init)
            let indices = names.compactMap { languages.firstIndex(of: $0) }
            if names.count > 1, let first = indices.first, let last = indices.last, indices.count == names.count {
                place = "\(names[0])–\(names[names.count - 1]) (\(first + 1)–\(last + 1)/\(languages.count))"
            } else {
                let index = languages.firstIndex(of: p.language).map { " (\($0 + 1)/\(languages.count))" } ?? ""
                place = "\(p.language)\(index)"
            }
            if p.layersTotal > 0 { place += " layer \(p.layersDone)/\(p.layersTotal)" }
            place += ", "
        }
        let counts = "\(place)\(p.sentencesDone)/\(p.sentencesTotal) sentences, \(String(format: "%.0f", rate)) tokens/s, ETA \(Self.duration(remaining))"
        if isTerminal {
            let width = 30
            let filled = min(width, Int(fraction * Double(width)))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\rtrace: \(bar) \(String(format: "%3.0f", fraction * 100))% \(counts)\u{1B}[K".utf8))
            drewBar = true
        } else if ContinuousClock.now - lastLine >= .seconds(5) || (p.batchesDone == p.batchesTotal && p.layersTotal == 0) {
            lastLine = ContinuousClock.now
            FileHandle.standardError.write(Data("trace: \(String(format: "%.0f", fraction * 100))% \(counts)\n".utf8))
        }
    }

    func finish() {
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m" : "\(s / 60)m\(String(format: "%02d", s % 60))s"
    }
}

extension CommaList {
    /// `--pool`: poolings, or `none` (an empty list: no pooled output, for a count-only `--neurons` pass).
    static func poolsOrNone(_ text: String) throws -> [Pooling] {
        text.trimmingCharacters(in: .whitespaces) == "none" ? [] : try pools(text)
    }
}
