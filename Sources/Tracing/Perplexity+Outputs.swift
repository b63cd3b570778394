// The perplexity outputs: the per-sentence CSV of each condition and the summary JSON (per-language
// summaries, the deactivated × evaluated perplexity-change matrix).
import Foundation

/// One evaluation of the corpus: the model as is, or with one language's neurons switched off.
public struct PerplexityCondition: Sendable {
    /// The deactivated language (nil: the model as is).
    public var deactivated: String?
    public var neuronCount: Int
    public var sentences: [SentenceNLL]
    public var csvFile: String

    public init(deactivated: String?, neuronCount: Int, sentences: [SentenceNLL], csvFile: String) {
        self.deactivated = deactivated
        self.neuronCount = neuronCount
        self.sentences = sentences
        self.csvFile = csvFile
    }
}

public enum PerplexityOutputs {
    public static let format = "interlingua.perplexity"
    public static let formatVersion = 1

    /// `id,lang,predicted_tokens,nll_sum,nll_mean` (nll_mean empty for a one-token sentence), shortest
    /// round-trip decimals.
    public static func csv(_ rows: [SentenceNLL]) -> String {
        var out = "id,lang,predicted_tokens,nll_sum,nll_mean\n"
        for r in rows {
            out += "\(field(r.id)),\(field(r.language)),\(r.predictedTokens),\(r.nllSum),\(r.nllMean.map { "\($0)" } ?? "")\n"
        }
        return out
    }

    /// RFC 4180 quoting when a field holds a comma, quote or line break.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The CSV of a deactivated condition next to the main one: `PPL.csv` → `PPL.off-zh.csv`.
    public static func csvName(base: URL, deactivated: String) -> URL {
        let stem = base.pathExtension.lowercased() == "csv" ? base.deletingPathExtension() : base
        return stem.deletingLastPathComponent().appendingPathComponent("\(stem.lastPathComponent).off-\(deactivated).csv")
    }

    /// `PPL.csv` → `PPL.json`.
    public static func summaryName(base: URL) -> URL {
        let stem = base.pathExtension.lowercased() == "csv" ? base.deletingPathExtension() : base
        return stem.deletingLastPathComponent().appendingPathComponent("\(stem.lastPathComponent).json")
    }

    /// The summary: per condition and language, sentences, predicted tokens, the mean of sentence means, the
    /// token-weighted mean NLL and exp of it (perplexity); with deactivated conditions, the matrix
    /// `perplexity_change[d][e]` = PPL(e | d off) − PPL(e) and `relative_change` = that / PPL(e).
    public static func summary(model: String, corpus: String, languages: [String], neuronsFile: String?,
                               conditions: [PerplexityCondition]) -> [String: Any] {
        func number(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
        var summaries: [[LanguagePerplexity]] = []
        var list: [[String: Any]] = []
        for c in conditions {
            let s = LanguagePerplexity.summarize(c.sentences, languages: languages)
            summaries.append(s)
            var perLanguage: [String: Any] = [:]
            for l in s {
                perLanguage[l.language] = ["sentences": l.sentences, "predicted_tokens": l.predictedTokens,
                                           "mean_of_sentence_means": number(l.meanOfSentenceMeans),
                                           "token_mean_nll": number(l.tokenMean), "perplexity": number(l.perplexity)]
            }
            list.append(["deactivated": c.deactivated ?? NSNull(), "neurons": c.neuronCount, "csv": c.csvFile,
                         "summary": perLanguage])
        }
        var out: [String: Any] = [
            "format": format, "format_version": formatVersion, "model": model, "corpus": corpus,
            "languages": languages,
            "definition": "NLL_t = -log softmax(logits[t-1])[ids[t]] for t = 1..T-1 (BOS context only, never predicted); "
                + "nll_mean = nll_sum / predicted_tokens; log-softmax in float64 of float32 logits; perplexity = exp(token_mean_nll)",
            "conditions": list,
        ]
        if let base = conditions.firstIndex(where: { $0.deactivated == nil }), conditions.count > 1 {
            var deactivated: [String] = []
            var change: [[Any]] = []
            var relative: [[Any]] = []
            for (i, c) in conditions.enumerated() where c.deactivated != nil {
                deactivated.append(c.deactivated ?? "")
                change.append(zip(summaries[i], summaries[base]).map { number($0.perplexity - $1.perplexity) })
                relative.append(zip(summaries[i], summaries[base]).map { number(($0.perplexity - $1.perplexity) / $1.perplexity) })
            }
            out["change"] = ["deactivated": deactivated, "evaluated": languages, "perplexity_change": change,
                             "relative_change": relative, "neurons_file": neuronsFile ?? NSNull()]
        }
        return out
    }
}
