// Per-sentence next-token negative log-likelihood (the perplexity sink): the forward pass of the tracer,
// then the output head on chunks of rows, log-softmax in Double.
import Checkpoints
import Corpus
import Foundation
import LinearAlgebra
import Models
import Tokenizers

/// One sentence's NLL: NLL_t = −log softmax(z_{t−1})[ids[t]] for t = 1 … T−1, where z_{t−1} are the logits
/// at position t−1 (so a BOS is context only and, without BOS, the first token is not predicted).
public struct SentenceNLL: Sendable, Equatable {
    public var id: String
    public var language: String
    /// The prompt's token ids (BOS first when the model adds one).
    public var ids: [Int32]
    /// T − 1.
    public var predictedTokens: Int
    public var nllSum: Double
    /// nllSum / predictedTokens (nil for a one-token sentence).
    public var nllMean: Double? { predictedTokens > 0 ? nllSum / Double(predictedTokens) : nil }
}

/// Per-language summary of sentence NLLs.
public struct LanguagePerplexity: Sendable, Equatable {
    public var language: String
    public var sentences: Int
    public var predictedTokens: Int
    /// Mean over sentences of their mean NLL (sentences with a prediction).
    public var meanOfSentenceMeans: Double
    /// Σ nll_sum / Σ predicted tokens.
    public var tokenMean: Double
    /// exp(tokenMean).
    public var perplexity: Double { Foundation.exp(tokenMean) }

    public static func summarize(_ rows: [SentenceNLL], languages: [String]) -> [LanguagePerplexity] {
        languages.map { language in
            let mine = rows.filter { $0.language == language }
            let means = mine.compactMap(\.nllMean)
            let predicted = mine.reduce(0) { $0 + $1.predictedTokens }
            let sum = mine.reduce(0.0) { $0 + $1.nllSum }
            return LanguagePerplexity(language: language, sentences: mine.count, predictedTokens: predicted,
                                      meanOfSentenceMeans: means.isEmpty ? .nan : means.reduce(0, +) / Double(means.count),
                                      tokenMean: predicted > 0 ? sum / Double(predicted) : .nan)
        }
    }
}

/// Computes per-sentence NLL over a corpus, optionally with neurons switched off.
///
/// Sentences are encoded alone with the model's BOS rule (no template), packed without padding into
/// batches of at most `batchTokens` tokens and run layer-major like a trace; the final-normed states of the
/// predicting rows go through `DecoderModel.logits(_:rows:)` a chunk of rows at a time (at most about
/// 2^25 logits, 128 MiB, per chunk: never the whole [T, vocab] matrix), and each row's log-sum-exp is taken
/// in Double.
public final class PerplexityEvaluator {
    public let model: any DecoderModel
    public let tokenizer: any Tokenizer
    public let batchTokens: Int

    public init(model: any DecoderModel, tokenizer: any Tokenizer, batchTokens: Int = 2048) throws {
        guard batchTokens >= 1 else { throw TracingError.badOption("--batch-tokens must be at least 1") }
        self.model = model
        self.tokenizer = tokenizer
        self.batchTokens = batchTokens
    }

    /// Rows of logits per output-head call: about 2^25 values.
    public var logitRowsPerChunk: Int { max(1, min(512, (1 << 25) / max(1, model.config.vocabSize))) }

    /// Every sentence of every language of `corpus`, in language-major order.
    public func evaluate(_ corpus: ParallelCorpus, deactivation: NeuronDeactivation? = nil,
                         progress: ((Int, Int) -> Void)? = nil) throws -> [SentenceNLL] {
        if let deactivation { try deactivation.check(against: model.config) }
        let previousHook = model.mlpActivationHook
        model.mlpActivationHook = deactivation?.hook()
        defer { model.mlpActivationHook = previousHook }

        var results: [SentenceNLL] = []
        let total = corpus.languages.count * corpus.sentenceCount
        for (l, language) in corpus.languages.enumerated() {
            let encoded = corpus.texts[l].map { tokenizer.encode($0, addBOS: tokenizer.addsBOSByDefault) }
            for (n, ids) in encoded.enumerated() where ids.isEmpty {
                throw TracingError.emptySentence(language: language, id: corpus.ids[n])
            }
            for rows in TracePlan.pack(lengths: encoded.map(\.count), budget: batchTokens) {
                let sums = try nllSums(Array(encoded[rows]))
                for (k, n) in rows.enumerated() {
                    results.append(SentenceNLL(id: corpus.ids[n], language: language, ids: encoded[n],
                                               predictedTokens: encoded[n].count - 1, nllSum: sums[k]))
                }
                progress?(results.count, total)
            }
        }
        return results
    }

    /// Σ_t NLL_t of each sentence of one packed batch.
    func nllSums(_ sentences: [[Int32]]) throws -> [Double] {
        var sequences: [Range<Int>] = []
        var tokens: [Int32] = []
        for ids in sentences {
            sequences.append(tokens.count..<(tokens.count + ids.count))
            tokens.append(contentsOf: ids)
        }
        let batch = PackedBatch(tokens: tokens, sequences: sequences)
        let d = model.config.dModel
        var hidden = try model.embed(batch)
        guard hidden.rows == tokens.count, hidden.cols == d else {
            throw TracingError.modelShape(stage: "embed", expected: [tokens.count, d], found: [hidden.rows, hidden.cols])
        }
        for layer in 0..<model.config.nLayers {
            try model.applyBlock(layer, to: &hidden, batch: batch, captureSubLayers: false)
        }
        let normed = try model.applyFinalNorm(hidden)
        // (row predicting, target id, sentence)
        var targets: [(row: Int, target: Int, sentence: Int)] = []
        for (s, range) in sequences.enumerated() where range.count > 1 {
            for r in range.lowerBound..<(range.upperBound - 1) { targets.append((r, Int(tokens[r + 1]), s)) }
        }
        var sums = [Double](repeating: 0, count: sentences.count)
        let vocabulary = model.config.vocabSize
        var start = 0
        while start < targets.count {
            let chunk = targets[start..<min(targets.count, start + logitRowsPerChunk)]
            let logits = try model.logits(normed, rows: chunk.map(\.row))
            guard logits.rows == chunk.count, logits.cols == vocabulary else {
                throw TracingError.modelShape(stage: "logits", expected: [chunk.count, vocabulary], found: [logits.rows, logits.cols])
            }
            try logits.storage.withUnsafeBufferPointer { z in
                for (i, t) in chunk.enumerated() {
                    guard t.target >= 0, t.target < vocabulary else {
                        throw TracingError.modelShape(stage: "token id \(t.target) outside the vocabulary", expected: [vocabulary], found: [t.target])
                    }
                    let row = UnsafeBufferPointer(rebasing: z[(i * vocabulary)..<((i + 1) * vocabulary)])
                    sums[t.sentence] += Self.logSumExp(row) - Double(row[t.target])
                }
            }
            start += chunk.count
        }
        return sums
    }

    /// log Σ exp(z) in Double: max + log Σ exp(z − max).
    static func logSumExp(_ z: UnsafeBufferPointer<Float>) -> Double {
        var top = -Double.infinity
        for v in z { top = max(top, Double(v)) }
        guard top.isFinite else { return top }
        var sum = 0.0
        for v in z { sum += Foundation.exp(Double(v) - top) }
        return top + Foundation.log(sum)
    }
}
