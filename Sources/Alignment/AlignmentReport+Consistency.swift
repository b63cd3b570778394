// A report read back from disk is input: `plot`, `report` and `compare` draw from it only when its parts
// agree with each other (an edited or truncated alignment.json must not become a plausible figure).
import Foundation

extension AlignmentReport {
    /// The first way the report contradicts itself, in one line, or nil when it is consistent: every
    /// per-layer list has one entry per layer of `layers`; every layer named (peaks, their intervals,
    /// diagnostics, projections) is one of `layers`; every language named is one of `languages`; the
    /// layer × layer CKA matrices are square over the layers; projected points have `components`
    /// coordinates and at most `sentence_count` rows.
    public func consistencyProblem() -> String? {
        let count = layers.count
        let layerSet = Set(layers)
        let languageSet = Set(languages)
        let span = layers.isEmpty ? "none" : "\(layers.min() ?? 0)…\(layers.max() ?? 0)"
        if layers.isEmpty { return "layers is empty" }
        if layerSet.count != count { return "layers repeats a layer" }
        if sentenceCount < 0 { return "sentence_count is negative" }
        if languageSet.count != languages.count { return "languages repeats a language" }
        func layer(_ value: Int, _ what: String) -> String? {
            layerSet.contains(value) ? nil : "\(what) is layer \(value), not one of the report's layers (\(span))"
        }
        func language(_ value: String, _ what: String) -> String? {
            languageSet.contains(value) ? nil : "\(what) names language '\(value)', not one of \(languages.joined(separator: ", "))"
        }
        func length(_ n: Int, _ what: String) -> String? {
            n == count ? nil : "\(what) has \(n) values for \(count) layers"
        }
        func estimates(_ values: [Estimate], _ what: String) -> String? {
            if let problem = length(values.count, what) { return problem }
            for (i, e) in values.enumerated() {
                guard e.value.isFinite, e.ciLow?.isFinite ?? true, e.ciHigh?.isFinite ?? true else {
                    return "\(what) value \(i) is not finite"
                }
                if let low = e.ciLow, let high = e.ciHigh, low > high { return "\(what) value \(i) has its interval reversed" }
            }
            return nil
        }
        func peakProblem(_ p: AlignmentPeak, _ what: String) -> String? {
            if let problem = layer(p.layer, "\(what) (\(p.metric))") { return problem }
            if let low = p.layerCILow, let problem = layer(low, "\(what) interval low") { return problem }
            if let high = p.layerCIHigh, let problem = layer(high, "\(what) interval high") { return problem }
            if let low = p.layerCILow, let high = p.layerCIHigh, low > high { return "\(what) interval is reversed (\(low) > \(high))" }
            if !p.layerFrequency.isEmpty, let problem = length(p.layerFrequency.count, "\(what) layer_frequency") { return problem }
            return estimates(p.curve, "\(what) curve")
        }

        for pair in pairs {
            if let problem = language(pair.source, "a pair") ?? language(pair.target, "a pair") { return problem }
        }
        for s in pairMetrics {
            let what = "pair_metrics \(s.metric) \(s.source)–\(s.target)"
            if let problem = language(s.source, what) ?? language(s.target, what) ?? estimates(s.values, what) { return problem }
        }
        for s in layerMetrics {
            if let problem = estimates(s.values, "layer_metrics \(s.metric)") { return problem }
        }
        for m in layerCKA {
            let what = "layer_cka \(m.source)–\(m.target)"
            if let problem = language(m.source, what) ?? language(m.target, what) { return problem }
            guard m.matrix.count == count, m.matrix.allSatisfy({ $0.count == count }) else {
                return "\(what) is not \(count) × \(count)"
            }
        }
        if let projection {
            if projection.explainedVarianceRatio.count != count, !projection.coordinates.isEmpty {
                return "projection explained_variance_ratio has \(projection.explainedVarianceRatio.count) entries for \(count) layers"
            }
            for c in projection.coordinates {
                let what = "projection coordinates"
                if let problem = layer(c.layer, what) ?? language(c.language, what) { return problem }
                if c.points.count > sentenceCount { return "\(what) of layer \(c.layer), \(c.language) have \(c.points.count) points for \(sentenceCount) sentences" }
                if let bad = c.points.first(where: { $0.count != projection.components }) {
                    return "\(what) of layer \(c.layer), \(c.language) have a point of \(bad.count) coordinates, components is \(projection.components)"
                }
            }
        }
        if let peak, let problem = peakProblem(peak, "the peak") { return problem }
        for p in peaks ?? [] {
            if let problem = peakProblem(p, "the peak of \(p.metric)") { return problem }
        }
        if let a = peakAgreement {
            if let problem = layer(a.lowestLayer, "peak_agreement lowest_layer") ?? layer(a.highestLayer, "peak_agreement highest_layer") {
                return problem
            }
        }
        for d in diagnostics ?? [] {
            if let problem = layer(d.layer, "a diagnostics entry") { return problem }
        }
        if let shuffled = controls?.shuffled {
            if let problem = estimates(shuffled.curve, "controls.shuffled curve") { return problem }
            for s in shuffled.pairs ?? [] {
                if let problem = estimates(s.values, "controls.shuffled \(s.source)–\(s.target)") { return problem }
            }
        }
        return nil
    }
}
