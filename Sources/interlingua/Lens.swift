import ArgumentParser
import Checkpoints
import Corpus
import Foundation
import LinearAlgebra
import Models
import Tokenizers
import Tracing

/// `interlingua lens MODEL TASKS --output LENS.h5`: the logit lens of every layer at the prompts' last
/// position (Wendler et al. 2024), with the probability of each answer language's token set.
struct Lens: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode every layer's residual stream through the final norm and output head (logit lens) into an HDF5 lens file.",
        discussion: """
        TASKS is a JSONL file, one task a line: {"id": "...", "prompt": "...", "answers": {"en": "flower", \
        "zh": "花"}, "target": "zh"} (build one with 'interlingua lens-tasks'). For every prompt and layer \
        l = 0…n (0 = embedding output, l = block l's raw output) the residual at the last prompt position goes \
        through the final norm and the output head; the file keeps logsumexp, entropy, the top-k tokens and, \
        per answer language, the probability of the answer's token set. Tasks whose English and target token \
        sets intersect are dropped and listed in /dropped. Layout: docs/lens.md.
        """
    )

    @Argument(help: "A .gguf or .safetensors file, a PyTorch .bin, or a Hugging Face model folder.")
    var model: String

    @Argument(help: "The tasks (JSONL).")
    var tasks: String

    @Option(name: .shortAndLong, help: "The lens file to write (.h5); must not exist.")
    var output: String

    @Option(help: "Tokens kept per layer and position.")
    var topK = 20

    @Flag(help: "Decode the raw residual without the model's final norm.")
    var noFinalNorm = false

    @Flag(help: "Decode every prompt position, not only the last.")
    var allPositions = false

    @Option(help: "Token-set rule: full (default) or wendler (prefix lookup and first byte only).")
    var tokenSets: LensTokenSetRule = .full

    @Option(help: "Token budget of one packed batch.")
    var batchTokens = 2048

    @Option(help: "Use only the first N tasks.")
    var limit: Int?

    @OptionGroup
    var threads: ThreadOptions

    @OptionGroup
    var weightCache: WeightCacheOptions

    func validate() throws {
        if topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if batchTokens < 1 { throw ValidationError("--batch-tokens must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        if let threads = threads.threads { BLASThreads.set(threads) }
        let outputURL = URL(fileURLWithPath: output)
        try LensRun.checkOutput(outputURL)
        var all = try LensTasks.load(URL(fileURLWithPath: tasks))
        if let limit { all = Array(all.prefix(limit)) }
        let settings = try LensSettings(finalNorm: !noFinalNorm, allPositions: allPositions, topK: topK,
                                        tokenSetRule: tokenSets, batchTokens: batchTokens)
        let modelURL = URL(fileURLWithPath: model)
        let checkpoint = try Checkpoint.open(modelURL)
        let decoder = try ModelLoader.load(checkpoint)
        weightCache.apply(to: decoder)
        let tokenizer = try Tokenizers.load(for: checkpoint)
        guard let vocabulary = tokenizer as? any TokenVocabulary else {
            throw TracingError.badOption("\(model): this tokenizer does not expose its vocabulary (needed for token sets)")
        }
        let plan = try LensPlan(tasks: all, vocabulary: vocabulary, settings: settings, source: tasks)
        let run = LensRun(model: decoder, plan: plan, vocabulary: vocabulary)
        let outcome = try run.run(output: outputURL, modelName: modelURL.lastPathComponent, tasks: tasks,
                                  toolVersion: Interlingua.version) { p in
            FileHandle.standardError.write(Data("\rlens: batch \(p.batchesDone)/\(p.batchesTotal), \(p.promptsDone)/\(p.promptsTotal) prompts, \(String(format: "%.1f", p.elapsed)) s".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        print("wrote \(outputURL.path): \(outcome.prompts) prompts × \(decoder.config.nLayers + 1) layers"
              + (outcome.dropped > 0 ? ", \(outcome.dropped) dropped (see /dropped)" : ""))
        print(String(format: "time: forward %.2f s, head %.2f s, log-softmax %.2f s, write %.2f s",
                     outcome.forwardSeconds, outcome.headSeconds, outcome.reduceSeconds, outcome.writeSeconds))
        for reason in plan.dropped.prefix(5) { print("dropped \(reason)") }
    }
}

extension LensTokenSetRule: ExpressibleByArgument {}
extension LensTaskKind: ExpressibleByArgument {}

/// `interlingua lens-tasks LEXICON.tsv --task translation --source fr --target zh --shots 4`.
struct LensTasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lens-tasks",
        abstract: "Write lens tasks (JSONL) in Wendler et al.'s format from a single-word lexicon (corpus TSV).",
        discussion: """
        Each prompt is --shots example lines then the query line, joined by "\\n", no trailing newline, each \
        language named in its own language: `Français: "Oui" - 中文: "是"` … `Français: "Non" - 中文: "`. \
        Queries are the rows whose target word does not start with the English word's first letter (and, for \
        translation, whose source, target and English forms differ); examples are other rows with different \
        forms, drawn with --seed. repetition uses --source on both sides.
        """
    )

    @Argument(help: "A lexicon in the corpus TSV format (id, then one column per language; single words).")
    var lexicon: String

    @Option(help: "translation or repetition.")
    var task: LensTaskKind = .translation

    @Option(help: "The language of the query word.")
    var source: String

    @Option(help: "The answer language (translation).")
    var target: String?

    @Option(help: "In-context examples per prompt.")
    var shots = 4

    @Option(help: "Seed of the example draw.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "The JSONL file to write (default: stdout).")
    var output: String?

    func validate() throws {
        if shots < 0 { throw ValidationError("--shots must be at least 0") }
        if task == .translation && target == nil { throw ValidationError("--task translation needs --target") }
    }

    func run() throws {
        let url = URL(fileURLWithPath: lexicon)
        let corpus = try ParallelCorpus.load(url)
        let built = try LensTasks.build(corpus, kind: task, source: source, target: target ?? source, shots: shots,
                                        seed: seed, file: lexicon)
        let text = built.map { LensTasks.jsonLine($0, extra: ["kind": task.rawValue, "source": source]) }
            .joined(separator: "\n") + "\n"
        if let output {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw TracingError.badOption("\(output): cannot write: \(error.localizedDescription)")
            }
            FileHandle.standardError.write(Data("wrote \(built.count) tasks to \(output)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
