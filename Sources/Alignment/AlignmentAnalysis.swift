// The per-layer loop: prepare each language once, compute every selected measure for every pair, resample
// sentences jointly for intervals, and assemble the report.
import Foundation
import LinearAlgebra

/// What an analysis produced besides the report: projections for projections.h5 and time per measure.
public struct AlignmentOutcome: Sendable {
    public var report: AlignmentReport
    /// Per layer (empty when `projection` was not selected).
    public var projections: [LayerProjection]
    /// Seconds spent per measure (keys: metric names, plus `prepare`, `cross_products`, `bootstrap`, `read`).
    public var seconds: [String: Double]
}

/// Runs the alignment measures over a layer source.
public struct AlignmentAnalysis: Sendable {
    public var settings: AlignmentSettings

    public init(settings: AlignmentSettings) { self.settings = settings }

    /// The selected measures, validated.
    public func selectedMetrics() throws -> [MetricName] {
        try settings.metrics.map { name in
            guard let metric = MetricName(rawValue: name) else {
                throw AlignmentError.invalidSetting("unknown metric '\(name)' (known: \(MetricName.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return metric
        }
    }

    /// The language pairs to measure: pivot vs every other language, or every unordered pair.
    public func pairs(languages: [String]) throws -> [LanguagePair] {
        switch settings.pairs {
        case "pivot":
            guard languages.contains(settings.pivot) else { throw AlignmentError.missingLanguage(settings.pivot, available: languages) }
            return languages.filter { $0 != settings.pivot }.map { LanguagePair(source: settings.pivot, target: $0) }
        case "all":
            var out: [LanguagePair] = []
            for i in languages.indices { for j in (i + 1)..<languages.count { out.append(LanguagePair(source: languages[i], target: languages[j])) } }
            return out
        default:
            throw AlignmentError.invalidSetting("pairs must be 'pivot' or 'all', got '\(settings.pairs)'")
        }
    }

    public func run(_ source: LayerSource, sourceInfo: SourceInfo, toolVersion: String = "",
                    progress: (@Sendable (String) -> Void)? = nil) throws -> AlignmentOutcome {
        let metrics = try selectedMetrics()
        let selected = Set(metrics)
        let languages = source.languages
        let pairs = try pairs(languages: languages)
        let n = source.sentenceCount, layerCount = source.layerCount
        guard layerCount > 0 else { throw AlignmentError.invalidSetting("the source has no layers") }
        guard n >= 2 else { throw AlignmentError.tooFewSentences(metric: "alignment", needed: 2, got: n) }
        if selected.contains(.ckaDebiased), n < 4 {
            throw AlignmentError.tooFewSentences(metric: "cka_debiased", needed: 4, got: n)
        }
        if selected.contains(.mutualKNN), n <= settings.knnK {
            throw AlignmentError.tooFewSentences(metric: "mutual_knn (k = \(settings.knnK))", needed: settings.knnK + 1, got: n)
        }
        guard settings.bootstrap >= 0 else { throw AlignmentError.invalidSetting("bootstrap must be ≥ 0") }
        guard settings.confidence > 0, settings.confidence < 1 else { throw AlignmentError.invalidSetting("confidence must be in (0, 1)") }
        guard settings.components >= 1 else { throw AlignmentError.invalidSetting("components must be ≥ 1") }
        guard settings.lsarRank >= 0 else { throw AlignmentError.invalidSetting("lsar-rank must be ≥ 0") }
        guard let primary = MetricName(rawValue: settings.primary), primary.isPairMetric else {
            throw AlignmentError.invalidSetting("primary metric '\(settings.primary)' is not a pair metric")
        }
        var clock = Stopwatch()
        let design = settings.bootstrap > 0 ? BootstrapDesign(replicates: settings.bootstrap, sentences: n, seed: settings.seed) : nil
        clock.lap("bootstrap")

        // Pass 1 (layer × layer CKA): the pivot's packed kernels for every layer.
        let ckaPivot = settings.pairs == "pivot" ? settings.pivot : languages[0]
        var pivotKernels: [PackedKernel] = []
        if selected.contains(.layerCKA) {
            for layer in 0..<layerCount {
                let raw = try source.vectors(language: ckaPivot, layer: layer)
                clock.lap("read")
                pivotKernels.append(PackedKernel(centeredGram: try LanguageVectors(raw).centeredGram))
                clock.lap(MetricName.layerCKA.rawValue)
            }
        }
        var layerCKARows: [String: [[Double]]] = [:]   // target → [targetLayer][pivotLayer]

        var pairValues: [SeriesKey: [Estimate]] = [:]
        var layerValues: [String: [Estimate]] = [:]
        var curve: [Double] = [], curveReplicates: [[Double]] = []
        var projections: [LayerProjection] = []
        let primarySeries = primary.rawValue

        for layer in 0..<layerCount {
            progress?("layer \(layer + 1)/\(layerCount)")
            var vectors: [String: LanguageVectors] = [:]
            for language in languages {
                let raw = try source.vectors(language: language, layer: layer)
                clock.lap("read")
                guard raw.rows == n else { throw AlignmentError.shapeMismatch("\(language) layer \(layer) has \(raw.rows) sentences, expected \(n)") }
                vectors[language] = try LanguageVectors(raw)
                clock.lap("prepare")
            }
            let ordered = languages.compactMap { vectors[$0] }
            var statistics: [(key: SeriesKey, stat: SentenceStatistic)] = []

            // Per-language pieces shared by pairs.
            var rbf: [String: Matrix<Double>] = [:]
            var neighbours: [String: [Int]] = [:]
            let involved = Set(pairs.flatMap { [$0.source, $0.target] })
            for language in languages where involved.contains(language) {
                guard let v = vectors[language] else { continue }
                if selected.contains(.ckaRBF) {
                    rbf[language] = try centeredRBFKernel(gram: v.centeredGram, scale: settings.rbfScale)
                    clock.lap(MetricName.ckaRBF.rawValue)
                }
                if selected.contains(.mutualKNN) {
                    let norms = v.rawNormsSquared
                    neighbours[language] = try nearestNeighbours(cosineFromDots(v.rawGram, rowNormsSquared: norms, colNormsSquared: norms), k: settings.knnK)
                    clock.lap(MetricName.mutualKNN.rawValue)
                }
            }
            var subspace = Matrix<Double>(rows: 0, cols: 0)
            var coordinates: [String: Matrix<Double>] = [:]
            if selected.contains(.retrievalP1LSAR) {
                subspace = try languageSubspace(ordered, rank: settings.lsarRank)
                for language in involved { if let v = vectors[language] { coordinates[language] = subspaceCoordinates(v, subspace) } }
                clock.lap(MetricName.retrievalP1LSAR.rawValue)
            }

            for pair in pairs {
                guard let x = vectors[pair.source], let y = vectors[pair.target] else { continue }
                func add(_ name: String, _ stat: SentenceStatistic) {
                    statistics.append((SeriesKey(metric: name, source: pair.source, target: pair.target), stat))
                }
                func addRetrieval(_ metric: MetricName, _ s: Matrix<Double>) {
                    let forward = retrievalAtOne(s, direction: .forward), backward = retrievalAtOne(s, direction: .backward)
                    add(metric.rawValue + "_fwd", forward)
                    add(metric.rawValue + "_bwd", backward)
                    add(metric.rawValue, .average(forward, backward))
                }
                let needsCross = !selected.isDisjoint(with: [.cosine, .cosineMargin, .retrievalP1, .retrievalP1Centered, .retrievalP1LSAR])
                if needsCross {
                    let centeredDots = centeredDotProducts(x, y)
                    let raw = rawDotProducts(centeredDots: centeredDots, x, y)
                    let xNorms = x.rawNormsSquared, yNorms = y.rawNormsSquared
                    clock.lap("cross_products")
                    if !selected.isDisjoint(with: [.cosine, .cosineMargin, .retrievalP1]) {
                        let s = cosineFromDots(raw, rowNormsSquared: xNorms, colNormsSquared: yNorms)
                        clock.lap("cross_products")
                        if selected.contains(.cosine) { add(MetricName.cosine.rawValue, translationCosine(s)); clock.lap(MetricName.cosine.rawValue) }
                        if selected.contains(.cosineMargin) { add(MetricName.cosineMargin.rawValue, try cosineMargin(s)); clock.lap(MetricName.cosineMargin.rawValue) }
                        if selected.contains(.retrievalP1) { addRetrieval(.retrievalP1, s); clock.lap(MetricName.retrievalP1.rawValue) }
                    }
                    if selected.contains(.retrievalP1Centered) {
                        let s = cosineFromDots(centeredDots, rowNormsSquared: x.centeredNormsSquared, colNormsSquared: y.centeredNormsSquared)
                        addRetrieval(.retrievalP1Centered, s)
                        clock.lap(MetricName.retrievalP1Centered.rawValue)
                    }
                    if selected.contains(.retrievalP1LSAR), let ux = coordinates[pair.source], let uy = coordinates[pair.target] {
                        let s = cosineAfterRemoval(rawDots: raw, rowNormsSquared: xNorms, colNormsSquared: yNorms, rowCoordinates: ux, colCoordinates: uy)
                        addRetrieval(.retrievalP1LSAR, s)
                        clock.lap(MetricName.retrievalP1LSAR.rawValue)
                    }
                }
                if selected.contains(.ckaLinear) {
                    add(MetricName.ckaLinear.rawValue, try linearCKA(centeredGramX: x.centeredGram, centeredGramY: y.centeredGram))
                    clock.lap(MetricName.ckaLinear.rawValue)
                }
                if selected.contains(.ckaDebiased) {
                    add(MetricName.ckaDebiased.rawValue, try debiasedCKA(gramX: x.centeredGram, gramY: y.centeredGram))
                    clock.lap(MetricName.ckaDebiased.rawValue)
                }
                if selected.contains(.ckaRBF), let kx = rbf[pair.source], let ky = rbf[pair.target] {
                    add(MetricName.ckaRBF.rawValue, try rbfCKA(centeredKernelX: kx, centeredKernelY: ky))
                    clock.lap(MetricName.ckaRBF.rawValue)
                }
                if selected.contains(.mutualKNN), let nx = neighbours[pair.source], let ny = neighbours[pair.target] {
                    add(MetricName.mutualKNN.rawValue, try mutualKNN(neighboursX: nx, neighboursY: ny, k: settings.knnK))
                    clock.lap(MetricName.mutualKNN.rawValue)
                }
            }
            var layerStatistics: [(String, SentenceStatistic)] = []
            if selected.contains(.languageSeparability), ordered.count >= 2 {
                layerStatistics.append((MetricName.languageSeparability.rawValue, try languageSeparability(ordered)))
                clock.lap(MetricName.languageSeparability.rawValue)
            }
            if selected.contains(.centroidAccuracy), ordered.count >= 2 {
                layerStatistics.append((MetricName.centroidAccuracy.rawValue, try centroidAccuracy(ordered)))
                clock.lap(MetricName.centroidAccuracy.rawValue)
            }
            if selected.contains(.projection) {
                projections.append(try principalComponents(ordered, components: settings.components))
                clock.lap(MetricName.projection.rawValue)
            }
            if selected.contains(.layerCKA) {
                for language in languages where language != ckaPivot {
                    guard let v = vectors[language] else { continue }
                    let packed = PackedKernel(centeredGram: v.centeredGram)
                    layerCKARows[language, default: []].append(pivotKernels.map { $0.cka(packed) })
                }
                clock.lap(MetricName.layerCKA.rawValue)
            }

            // Intervals: all statistics of this layer resampled together.
            let all = statistics.map(\.stat) + layerStatistics.map(\.1)
            let replicates = design.map { $0.replicate(all) }
            func estimate(_ index: Int, _ stat: SentenceStatistic) -> Estimate {
                guard let replicates else { return Estimate(value: stat.value) }
                let column = (0..<replicates.rows).map { replicates[$0, index] }
                let interval = percentileInterval(column, level: settings.confidence)
                return Estimate(value: stat.value, ciLow: interval.low, ciHigh: interval.high)
            }
            for (index, entry) in statistics.enumerated() { pairValues[entry.key, default: []].append(estimate(index, entry.stat)) }
            for (offset, entry) in layerStatistics.enumerated() {
                layerValues[entry.0, default: []].append(estimate(statistics.count + offset, entry.1))
            }
            let primaryIndices = statistics.indices.filter { statistics[$0].key.metric == primarySeries }
            if !primaryIndices.isEmpty {
                curve.append(primaryIndices.reduce(0) { $0 + statistics[$1].stat.value } / Double(primaryIndices.count))
                if let replicates {
                    curveReplicates.append((0..<replicates.rows).map { b in
                        primaryIndices.reduce(0) { $0 + replicates[b, $1] } / Double(primaryIndices.count)
                    })
                }
            }
            clock.lap("bootstrap")
        }

        let layers = Array(0..<layerCount)
        var pairSeries: [PairMetricSeries] = []
        for metric in metrics where metric.isPairMetric {
            for pair in pairs {
                for name in metric.seriesNames {
                    if let values = pairValues[SeriesKey(metric: name, source: pair.source, target: pair.target)] {
                        pairSeries.append(PairMetricSeries(metric: name, source: pair.source, target: pair.target, values: values))
                    }
                }
            }
        }
        let layerSeries = metrics.compactMap { m in layerValues[m.rawValue].map { LayerMetricSeries(metric: m.rawValue, values: $0) } }
        var layerCKA: [LayerCKAMatrix] = []
        if selected.contains(.layerCKA) {
            let within = pivotKernels.map { a in pivotKernels.map { a.cka($0) } }
            layerCKA.append(LayerCKAMatrix(source: ckaPivot, target: ckaPivot, matrix: within))
            for language in languages where language != ckaPivot {
                guard let rows = layerCKARows[language] else { continue }
                // rows[targetLayer][pivotLayer] → matrix[pivotLayer][targetLayer]
                let matrix = layers.map { p in layers.map { t in rows[t][p] } }
                layerCKA.append(LayerCKAMatrix(source: ckaPivot, target: language, matrix: matrix))
            }
        }
        var projection: ProjectionSummary?
        if selected.contains(.projection) {
            var points: [ProjectedPoints] = []
            for (layer, p) in projections.enumerated() {
                for (l, language) in languages.enumerated() {
                    let c = p.coordinates[l]
                    points.append(ProjectedPoints(layer: layer, language: language, points: (0..<c.rows).map { c.row($0) }))
                }
            }
            projection = ProjectionSummary(components: projections.first?.explainedVarianceRatio.count ?? 0,
                                           explainedVarianceRatio: projections.map(\.explainedVarianceRatio), coordinates: points)
        }
        let peak = curve.count == layerCount
            ? alignmentPeak(metric: primarySeries, layers: layers, curve: curve,
                            replicates: design == nil ? nil : curveReplicates, level: settings.confidence)
            : nil
        let report = AlignmentReport(
            toolVersion: toolVersion, created: ISO8601DateFormatter().string(from: Date()), source: sourceInfo,
            settings: settings, layers: layers, languages: languages, sentenceCount: n, pairs: pairs,
            definitions: MetricDefinitions.definitions(for: metrics, settings: settings), pairMetrics: pairSeries,
            layerMetrics: layerSeries, layerCKA: layerCKA, projection: projection, peak: peak)
        return AlignmentOutcome(report: report, projections: projections, seconds: clock.totals)
    }
}

/// A series' identity within a layer.
struct SeriesKey: Hashable {
    var metric: String
    var source: String
    var target: String
}

/// Wall-clock seconds attributed to named phases.
struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds
    private(set) var totals: [String: Double] = [:]

    mutating func lap(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        totals[name, default: 0] += Double(now - last) / 1e9
        last = now
    }
}
