// The names of everything `interlingua align` can measure, with their definitions (written into alignment.json).

/// A measure selectable with `--metrics`. Retrieval measures emit three series each: `<name>_fwd`
/// (source → target), `<name>_bwd` (target → source) and `<name>` (their mean).
public enum MetricName: String, Sendable, CaseIterable, Codable {
    case cosine
    case cosineMargin = "cosine_margin"
    case retrievalP1 = "retrieval_p1"
    case retrievalP1Centered = "retrieval_p1_centered"
    case retrievalP1LSAR = "retrieval_p1_lsar"
    case ckaLinear = "cka_linear"
    case ckaDebiased = "cka_debiased"
    case ckaRBF = "cka_rbf"
    case mutualKNN = "mutual_knn"
    case languageSeparability = "language_separability"
    case centroidAccuracy = "centroid_accuracy"
    case projection
    case layerCKA = "layer_cka"

    /// Measured per language pair (and usable as the peak's primary metric).
    public var isPairMetric: Bool {
        switch self {
        case .cosine, .cosineMargin, .retrievalP1, .retrievalP1Centered, .retrievalP1LSAR,
             .ckaLinear, .ckaDebiased, .ckaRBF, .mutualKNN: return true
        case .languageSeparability, .centroidAccuracy, .projection, .layerCKA: return false
        }
    }

    /// Whether this measure emits `_fwd` / `_bwd` series besides its own.
    public var isDirectional: Bool {
        self == .retrievalP1 || self == .retrievalP1Centered || self == .retrievalP1LSAR
    }

    /// The series names this measure writes.
    public var seriesNames: [String] {
        isDirectional ? [rawValue, rawValue + "_fwd", rawValue + "_bwd"] : [rawValue]
    }
}

/// Definitions of every series name, for the report's self-description.
public enum MetricDefinitions {
    public static func definitions(for metrics: [MetricName], settings: AlignmentSettings) -> [MetricDefinition] {
        var out: [MetricDefinition] = []
        func pair(_ name: String, _ text: String, _ range: [Double]) {
            out.append(MetricDefinition(name: name, scope: "pair", description: text, range: range, higherIsBetter: true))
        }
        for metric in metrics {
            switch metric {
            case .cosine:
                pair("cosine", "mean over sentences i of cos(x_i, y_i) (translation pairs)", [-1, 1])
            case .cosineMargin:
                pair("cosine_margin", "cosine minus the mean over i≠j of cos(x_i, y_j) (non-translation pairs); removes anisotropy", [-2, 2])
            case .retrievalP1, .retrievalP1Centered, .retrievalP1LSAR:
                let space: String
                switch metric {
                case .retrievalP1Centered: space = " after subtracting each language's mean vector"
                case .retrievalP1LSAR: space = " after removing the top \(settings.lsarRank) direction(s) of the centered language means (LSAR, Xie et al. 2022)"
                default: space = ""
                }
                let base = metric.rawValue
                pair(base + "_fwd", "fraction of source sentences i whose most cosine-similar target sentence among all N is y_i\(space)", [0, 1])
                pair(base + "_bwd", "fraction of target sentences i whose most cosine-similar source sentence among all N is x_i\(space)", [0, 1])
                pair(base, "mean of \(base)_fwd and \(base)_bwd", [0, 1])
            case .ckaLinear:
                pair("cka_linear", "linear CKA = HSIC(K,L)/sqrt(HSIC(K,K)·HSIC(L,L)), K = XXᵀ, L = YYᵀ, biased HSIC tr(KHLH) (Kornblith et al. 2019)", [0, 1])
            case .ckaDebiased:
                pair("cka_debiased", "linear CKA with the unbiased HSIC estimator of Song et al. 2012 (needs N ≥ 4); 0 when a self-HSIC is not positive", [-1, 1])
            case .ckaRBF:
                pair("cka_rbf", "CKA with Gaussian kernels exp(-‖a-b‖²/(2σ²)), σ = \(settings.rbfScale) × median pairwise distance (median of the full N×N squared-distance matrix, as in Kornblith et al.'s notebook)", [0, 1])
            case .mutualKNN:
                pair("mutual_knn", "mean over i of |kNN_X(i) ∩ kNN_Y(i)| / k, k = \(settings.knnK), cosine on L2-normalised rows, self excluded (Huh et al. 2024)", [0, 1])
            case .languageSeparability:
                out.append(MetricDefinition(name: metric.rawValue, scope: "layer", description: "between-language share of the total variance of all languages' sentence vectors: 1 - SS_within/SS_total (0 = languages indistinguishable)", range: [0, 1], higherIsBetter: false))
            case .centroidAccuracy:
                out.append(MetricDefinition(name: metric.rawValue, scope: "layer", description: "fraction of (sentence, language) vectors whose nearest language centroid (Euclidean, in-sample means) is their own language", range: [0, 1], higherIsBetter: false))
            case .projection:
                out.append(MetricDefinition(name: "explained_variance_ratio", scope: "layer", description: "centered PCA (thin SVD) of all languages' sentence vectors; share of variance on each of the first \(settings.components) components; component sign fixed so its largest-magnitude loading is positive", range: [0, 1], higherIsBetter: false))
            case .layerCKA:
                out.append(MetricDefinition(name: "layer_cka", scope: "layer×layer", description: "linear CKA between every layer of the pivot and every layer of each language (and of the pivot itself)", range: [0, 1], higherIsBetter: true))
            }
        }
        out.append(MetricDefinition(name: "normalize", scope: "all", description: "applied to every layer's vectors before every measure: \(settings.normalize.argument) — \(settings.normalize.definition)", range: [], higherIsBetter: true))
        out.append(MetricDefinition(name: "diagnostics", scope: "layer", description: "of the raw vectors of all languages: energy share Σx_j²/Σ‖x‖² and variance share (grand-mean centered) of the top-3 dimensions by energy, the largest variance share, the PC1 share of variance; a warning when one dimension's energy share exceeds \(AnisotropyDiagnostics.dominanceThreshold)", range: [0, 1], higherIsBetter: false))
        out.append(MetricDefinition(name: "lexical_overlap", scope: "pair", description: "control: retrieval P@1 (mean of both directions) and mean translation cosine on the pooled one-hot vectors of the sentences' token ids (same pooled span and weights as the hidden states; no model)", range: [0, 1], higherIsBetter: true))
        out.append(MetricDefinition(name: "shuffled", scope: "pair", description: "control: the primary metric with the target language's sentences permuted by a derangement (seed = --seed xor 0x73687566666C6564), i.e. its chance level on these vectors", range: [], higherIsBetter: true))
        out.append(MetricDefinition(name: "bootstrap", scope: "all", description: "percentile intervals over \(settings.bootstrap) resamplings of sentences (the same resample for every language, pair and layer). Means of per-sentence quantities are resampled exactly; CKA, margin and separability use their first-order expansion in sentence weights (pseudo-values); retrieval and k-NN sets, centering means, LSAR directions and the RBF bandwidth are held at their full-sample values", range: [], higherIsBetter: true))
        return out
    }
}
