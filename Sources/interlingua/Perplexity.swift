import ArgumentParser
import Checkpoints
import Foundation
import LinearAlgebra
import Models
import Tracing

/// `interlingua perplexity MODEL CORPUS --output PPL.csv [--deactivate neurons.json:zh,ru]`.
struct Perplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per-sentence next-token NLL of a model over a corpus, optionally with language neurons switched off.",
        discussion: """
        Each sentence is encoded alone with the model's BOS rule; NLL_t = −log softmax(logits at t−1)[token t] for \
        t = 1 … T−1 (BOS is context only; without BOS the first token is not predicted). Writes PPL.csv \
        (id,lang,predicted_tokens,nll_sum,nll_mean) and PPL.json (per-language summary). --deactivate FILE:zh,ru \
        evaluates once more per listed language with that language's neurons (of 'interlingua neurons') set to 0 \
        at every position, writes PPL.off-<lang>.csv each, and adds the deactivated × evaluated perplexity-change \
        matrix to PPL.json ('interlingua plot PPL.json' draws it).
        """
    )

    @Argument(help: "A .gguf or .safetensors file, a PyTorch .bin, or a Hugging Face model folder.")
    var model: String

    @Argument(help: "A TSV or JSONL corpus, or a Flores folder.")
    var corpus: String

    @Option(name: .shortAndLong, help: "The per-sentence CSV to write (the summary goes next to it as .json).")
    var output: String

    @Option(help: "FILE:LANG[,LANG…] — a neurons.json and the languages whose neurons to switch off, one at a time.")
    var deactivate: String?

    @OptionGroup(title: "Corpus")
    var selection: CorpusSelection

    @Option(help: "Token budget of one packed batch.")
    var batchTokens = 2048

    @OptionGroup var threads: ThreadOptions
    @OptionGroup var weightCache: WeightCacheOptions

    func validate() throws {
        if batchTokens < 1 { throw ValidationError("--batch-tokens must be at least 1") }
    }

    func run() throws {
        if let threads = threads.threads { BLASThreads.set(threads) }
        let outputURL = URL(fileURLWithPath: output)
        var isDir: ObjCBool = false
        let folder = outputURL.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw TracingError.badOption("\(output): the output's folder does not exist")
        }
        // Every input is checked before the model is opened.
        var deactivations: [NeuronDeactivation] = []
        var neuronsFile: String?
        if let deactivate {
            let (file, langs) = try NeuronDeactivation.parseArgument(deactivate)
            neuronsFile = file
            deactivations = try langs.map { try NeuronDeactivation.load(file: file, languages: [$0]) }
        }
        let traceCorpus = try TraceInputs.corpus(at: corpus, selection: selection)
        let modelURL = URL(fileURLWithPath: model)
        let checkpoint = try Checkpoint.open(modelURL)
        let decoder = try ModelLoader.load(checkpoint)
        weightCache.apply(to: decoder)
        let tokenizer = try TraceInputs.tokenizer(for: checkpoint)
        for d in deactivations { try d.check(against: decoder.config) }
        let evaluator = try PerplexityEvaluator(model: decoder, tokenizer: tokenizer, batchTokens: batchTokens)

        var conditions: [PerplexityCondition] = []
        let passes: [NeuronDeactivation?] = [nil] + deactivations.map { Optional($0) }
        let started = Date()
        for (k, d) in passes.enumerated() {
            let label = d.map { "\($0.languages[0]) neurons off" } ?? "model as is"
            let terminal = isatty(STDERR_FILENO) != 0
            let rows = try evaluator.evaluate(traceCorpus, deactivation: d) { done, total in
                guard terminal || done == total else { return }
                let line = "perplexity: pass \(k + 1)/\(passes.count) (\(label)): \(done)/\(total) sentences"
                FileHandle.standardError.write(Data((terminal ? "\r\(line)\u{1B}[K" + (done == total ? "\n" : "") : line + "\n").utf8))
            }
            let csvURL = d.map { PerplexityOutputs.csvName(base: outputURL, deactivated: $0.languages[0]) } ?? outputURL
            conditions.append(PerplexityCondition(deactivated: d?.languages[0], neuronCount: d?.neurons.count ?? 0,
                                                  sentences: rows, csvFile: csvURL.lastPathComponent))
        }
        let summary = PerplexityOutputs.summary(model: modelURL.lastPathComponent, corpus: corpus,
                                                languages: traceCorpus.languages, neuronsFile: neuronsFile,
                                                conditions: conditions)
        let summaryURL = PerplexityOutputs.summaryName(base: outputURL)
        do {
            for c in conditions {
                try Data(PerplexityOutputs.csv(c.sentences).utf8)
                    .write(to: folder.appendingPathComponent(c.csvFile), options: .atomic)
            }
            try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
                .write(to: summaryURL, options: .atomic)
        } catch {
            throw TracingError.badOption("\(summaryURL.path): cannot write: \(error.localizedDescription)")
        }
        print(Self.table(conditions, languages: traceCorpus.languages))
        FileHandle.standardError.write(Data(String(format: "perplexity: wrote %@ and %@ in %.1f s\n",
                                                   output, summaryURL.path, Date().timeIntervalSince(started)).utf8))
    }

    /// Per language: predicted tokens, token-mean NLL and perplexity, then each deactivated condition's perplexity.
    static func table(_ conditions: [PerplexityCondition], languages: [String]) -> String {
        let summaries = conditions.map { LanguagePerplexity.summarize($0.sentences, languages: languages) }
        var header = "lang  tokens  mean_nll  perplexity"
        for c in conditions.dropFirst() { header += "  ppl_\(c.deactivated ?? "")_off" }
        var lines = [header]
        for (l, language) in languages.enumerated() {
            let base = summaries[0][l]
            var line = language.padding(toLength: 4, withPad: " ", startingAt: 0)
                + String(format: "  %6d  %8.4f  %10.3f", base.predictedTokens, base.tokenMean, base.perplexity)
            for s in summaries.dropFirst() { line += String(format: "  %10.3f", s[l].perplexity) }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
