// An analysis in four steps: validate the settings against the source (`plan`), measure every layer
// (`AnalysisPlan.measure`, LayerMeasurement.swift), accumulate the bootstrap (`BootstrapAccumulator`),
// and assemble the report (`assemble`).
import Foundation
import LinearAlgebra

/// What an analysis produced besides the report: projections for projections.h5 and time per measure.
public struct AlignmentOutcome: Sendable {
    public var report: AlignmentReport
    /// Per layer (empty when `projection` was not selected).
    public var projections: [LayerProjection]
    /// Wall-clock seconds spent per measure (keys: metric names, plus `prepare` (centering and Grams),
    /// `cross_products`, `bootstrap`, `read`).
    public var seconds: [String: Double]
    /// Process CPU seconds (all threads, BLAS included) per measure, same keys: robust to a busy machine.
    public var cpuSeconds: [String: Double]
    /// The most languages of a layer prepared (centered rows and Grams in Double) at the same time: every
    /// language in memory, at most 1 + workers streamed (the memory bound of `--stream`).
    public var peakResidentLanguages: Int = 0
}

/// Runs the alignment measures over a layer source.
public struct AlignmentAnalysis: Sendable {
    public var settings: AlignmentSettings
    /// Threads for the O(N²) measures that run outside BLAS (`--threads`; default: every core).
    public var workers: Int
    /// Stream the languages of each layer (`--stream`, LayerMeasurement+Streaming.swift): memory bounded
    /// independently of the number of languages, each language read 2 + 7 times per layer (pass 0, pass 1,
    /// the PCA's passes) instead of once. Same results.
    public var streaming: Bool

    public init(settings: AlignmentSettings, workers: Int = ProcessInfo.processInfo.activeProcessorCount, streaming: Bool = false) {
        self.settings = settings
        self.workers = max(1, workers)
        self.streaming = streaming
    }

    /// The language pairs to measure: pivot vs every other language, or every unordered pair.
    public func pairs(languages: [String]) throws -> [LanguagePair] {
        switch settings.pairs {
        case .pivot:
            guard languages.contains(settings.pivot) else { throw AlignmentError.missingLanguage(settings.pivot, available: languages) }
            return languages.filter { $0 != settings.pivot }.map { LanguagePair(source: settings.pivot, target: $0) }
        case .all:
            var out: [LanguagePair] = []
            for i in languages.indices { for j in (i + 1)..<languages.count { out.append(LanguagePair(source: languages[i], target: languages[j])) } }
            return out
        }
    }

    /// `pseudoValues`, when given, receives every statistic's per-sentence pseudo-values layer by layer (what
    /// `interlingua compare` bootstraps from); memory stays one layer's worth.
    public func run(_ source: LayerSource, sourceInfo: SourceInfo, toolVersion: String = "",
                    pseudoValues: PseudoValueWriter? = nil,
                    progress: (@Sendable (String) -> Void)? = nil) throws -> AlignmentOutcome {
        let plan = try self.plan(source)
        var clock = Stopwatch()
        let design = settings.bootstrap > 0 ? BootstrapDesign(replicates: settings.bootstrap, sentences: plan.sentenceCount, seed: settings.seed) : nil
        let curveMetrics = [plan.primary] + plan.metrics.filter { $0.isPairMetric && $0 != plan.primary }
        var accumulator = BootstrapAccumulator(design: design, confidence: settings.confidence,
                                               curveMetrics: curveMetrics.filter { plan.selected.contains($0) }.map(\.rawValue),
                                               controlCurves: [ShuffledControl.seriesPrefix + plan.primary.rawValue])
        clock.lap("bootstrap")
        let lexical = try lexicalOverlapControl(source, pairs: plan.pairs, design: design, confidence: settings.confidence)
        clock.lap("lexical_control")

        let pass1 = try plan.pivotKernels(source, clock: &clock)
        let pivotKernels = pass1.kernels
        var pivotGrams = pass1.grams
        var layerCKARows: [String: [[Double]]] = [:]   // target → [targetLayer][pivotLayer]
        var projections: [LayerProjection] = []
        var diagnostics: [LayerDiagnostics] = []
        for layer in 0..<plan.layerCount {
            progress?("layer \(layer + 1)/\(plan.layerCount)")
            let measured: LayerMeasurement
            if plan.streaming {
                // Pairs reach the accumulator (and pseudovalues.h5) chunk by chunk: memory bounded for --pairs all.
                measured = try plan.measureStreaming(layer: layer, source, pivotKernels: pivotKernels, pivotGram: pivotGrams[layer],
                                                     clock: &clock) { statistics, shuffled in
                    accumulator.addPairChunk(statistics + shuffled)
                    if let pseudoValues {
                        for (key, stat) in statistics {
                            try pseudoValues.write(layer: layer, metric: key.metric,
                                                   pair: LanguagePair(source: key.source, target: key.target), values: stat.pseudoValues)
                        }
                    }
                }
                accumulator.finishLayer(layerStatistics: measured.layerStatistics)
            } else {
                measured = try plan.measure(layer: layer, source, pivotKernels: pivotKernels, pivotGram: pivotGrams[layer], clock: &clock)
            }
            pivotGrams[layer] = nil
            if let projection = measured.projection { projections.append(projection) }
            for (language, row) in measured.layerCKARows { layerCKARows[language, default: []].append(row) }
            if let entry = measured.diagnostics { diagnostics.append(entry) }
            let shuffled = measured.shuffled.enumerated().map { (index, stat) in
                (key: SeriesKey(metric: ShuffledControl.seriesPrefix + plan.primary.rawValue,
                                source: plan.pairs[index].source, target: plan.pairs[index].target), stat: stat)
            }
            if !plan.streaming {
                accumulator.add(pairStatistics: measured.pairStatistics + shuffled, layerStatistics: measured.layerStatistics)
            }
            if let pseudoValues {
                for (key, stat) in measured.pairStatistics {
                    try pseudoValues.write(layer: layer, metric: key.metric,
                                           pair: LanguagePair(source: key.source, target: key.target), values: stat.pseudoValues)
                }
                for (metric, stat) in measured.layerStatistics {
                    try pseudoValues.write(layer: layer, metric: metric, pair: nil, values: stat.pseudoValues)
                }
            }
            clock.lap("bootstrap")
        }
        var report = assemble(plan, accumulator, pivotKernels: pivotKernels, layerCKARows: layerCKARows,
                              projections: projections, sourceInfo: sourceInfo, toolVersion: toolVersion)
        report.diagnostics = diagnostics
        report.warnings = AnisotropyDiagnostics.warnings(diagnostics, normalization: settings.normalize)
        let shuffledName = ShuffledControl.seriesPrefix + plan.primary.rawValue
        let shuffledSeries = plan.pairs.compactMap { pair in
            accumulator.pairValues[SeriesKey(metric: shuffledName, source: pair.source, target: pair.target)].map {
                PairMetricSeries(metric: plan.primary.rawValue, source: pair.source, target: pair.target, values: $0)
            }
        }
        let shuffled = accumulator.estimates(shuffledName).map {
            ShuffledControl(metric: plan.primary.rawValue, permutationSeed: settings.seed ^ ShuffledControl.seedOffset,
                            curve: $0, pairs: shuffledSeries)
        }
        report.controls = AlignmentControls(lexicalOverlap: lexical?.pairs, lexicalOverlapMean: lexical?.mean, shuffled: shuffled)
        var outcome = AlignmentOutcome(report: report, projections: projections, seconds: clock.totals, cpuSeconds: clock.cpuTotals)
        outcome.peakResidentLanguages = plan.streaming ? plan.residentLanguages.peak : plan.languages.count
        return outcome
    }

    // MARK: - Validation

    /// Checks the settings against the source's shape and resolves the pairs.
    func plan(_ source: LayerSource) throws -> AnalysisPlan {
        let metrics = settings.metrics
        let selected = Set(metrics)
        let languages = source.languages
        let pairs = try pairs(languages: languages)
        let n = source.sentenceCount, layerCount = source.layerCount
        guard layerCount > 0 else { throw AlignmentError.invalidSetting("the source has no layers") }
        guard !languages.isEmpty else { throw AlignmentError.invalidSetting("the source has no languages") }
        let unmet = sentenceMinimums(selected).filter { n < $0.needed }
        if !unmet.isEmpty { throw AlignmentError.tooFewSentencesForSettings(got: n, unmet: unmet) }
        guard settings.bootstrap >= 0 else { throw AlignmentError.invalidSetting("bootstrap must be ≥ 0") }
        guard settings.confidence > 0, settings.confidence < 1 else { throw AlignmentError.invalidSetting("confidence must be in (0, 1)") }
        guard settings.components >= 1 else { throw AlignmentError.invalidSetting("components must be ≥ 1") }
        guard settings.lsarRank >= 0 else { throw AlignmentError.invalidSetting("lsar-rank must be ≥ 0") }
        guard settings.primary.isPairMetric else {
            throw AlignmentError.invalidSetting("primary metric '\(settings.primary.rawValue)' is not a pair metric")
        }
        if streaming, case .allButTop = settings.normalize {
            throw AlignmentError.invalidSetting("--normalize \(settings.normalize.argument) is not implemented with --stream (it needs the PCA of every language before the first is transformed); run without --stream")
        }
        return AnalysisPlan(settings: settings, metrics: metrics, selected: selected, languages: languages, pairs: pairs,
                            sentenceCount: n, layerCount: layerCount, primary: settings.primary,
                            ckaPivot: languages.contains(settings.pivot) ? settings.pivot : languages[0], workers: workers,
                            shufflePermutation: derangement(n, seed: settings.seed ^ ShuffledControl.seedOffset), streaming: streaming)
    }

    /// The fewest sentences each part of the analysis needs: 2 for any (a centred Gram, a retrieval
    /// with a wrong candidate), 4 for `cka_debiased` (the unbiased HSIC estimator divides by
    /// (n − 1)(n − 2)(n − 3)), k + 1 for `mutual_knn` (k neighbours besides the sentence itself).
    /// All of them are checked at once, so one run names every requirement the input misses.
    func sentenceMinimums(_ selected: Set<MetricName>) -> [SentenceMinimum] {
        var minimums = [SentenceMinimum(metric: "alignment", needed: 2)]
        if selected.contains(.ckaDebiased) { minimums.append(SentenceMinimum(metric: "cka_debiased", needed: 4)) }
        if selected.contains(.mutualKNN) {
            minimums.append(SentenceMinimum(metric: "mutual_knn (k = \(settings.knnK))", needed: settings.knnK + 1))
        }
        return minimums
    }

    // MARK: - Report assembly

    /// The report from the accumulated layers: series in metric × pair order, layer × layer CKA, PCA, peak.
    func assemble(_ plan: AnalysisPlan, _ accumulator: BootstrapAccumulator, pivotKernels: [PackedKernel],
                  layerCKARows: [String: [[Double]]], projections: [LayerProjection],
                  sourceInfo: SourceInfo, toolVersion: String) -> AlignmentReport {
        let layers = Array(0..<plan.layerCount)
        var pairSeries: [PairMetricSeries] = []
        for metric in plan.metrics where metric.isPairMetric {
            for pair in plan.pairs {
                for name in metric.seriesNames {
                    if let values = accumulator.pairValues[SeriesKey(metric: name, source: pair.source, target: pair.target)] {
                        pairSeries.append(PairMetricSeries(metric: name, source: pair.source, target: pair.target, values: values))
                    }
                }
            }
        }
        let layerSeries = plan.metrics.compactMap { m in accumulator.layerValues[m.rawValue].map { LayerMetricSeries(metric: m.rawValue, values: $0) } }
        var layerCKA: [LayerCKAMatrix] = []
        if plan.selected.contains(.layerCKA) {
            let within = pivotKernels.map { a in pivotKernels.map { a.cka($0) } }
            layerCKA.append(LayerCKAMatrix(source: plan.ckaPivot, target: plan.ckaPivot, matrix: within))
            for language in plan.languages where language != plan.ckaPivot {
                guard let rows = layerCKARows[language] else { continue }
                // rows[targetLayer][pivotLayer] → matrix[pivotLayer][targetLayer]
                let matrix = layers.map { p in layers.map { t in rows[t][p] } }
                layerCKA.append(LayerCKAMatrix(source: plan.ckaPivot, target: language, matrix: matrix))
            }
        }
        var projection: ProjectionSummary?
        if plan.selected.contains(.projection) {
            var points: [ProjectedPoints] = []
            for (layer, p) in projections.enumerated() {
                for (l, language) in plan.languages.enumerated() {
                    let c = p.coordinates[l]
                    points.append(ProjectedPoints(layer: layer, language: language, points: (0..<c.rows).map { c.row($0) }))
                }
            }
            projection = ProjectionSummary(components: projections.first?.explainedVarianceRatio.count ?? 0,
                                           explainedVarianceRatio: projections.map(\.explainedVarianceRatio), coordinates: points)
        }
        var report = AlignmentReport(
            toolVersion: toolVersion, created: ISO8601DateFormatter().string(from: Date()), source: sourceInfo,
            settings: settings, layers: layers, languages: plan.languages, sentenceCount: plan.sentenceCount, pairs: plan.pairs,
            definitions: MetricDefinitions.definitions(for: plan.metrics, settings: settings), pairMetrics: pairSeries,
            layerMetrics: layerSeries, layerCKA: layerCKA, projection: projection,
            peak: accumulator.peak(plan.primary.rawValue, layers: layers))
        let peaks = accumulator.curveMetrics.compactMap { accumulator.peak($0, layers: layers) }
        report.peaks = peaks
        report.peakAgreement = peaks.isEmpty ? nil : PeakAgreement(peaks: peaks)
        return report
    }
}
