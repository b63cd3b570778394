// The per-layer loop: prepare each language once, compute every selected measure for every pair, resample
// sentences jointly for intervals, and assemble the report.
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
}

/// Runs the alignment measures over a layer source.
public struct AlignmentAnalysis: Sendable {
    public var settings: AlignmentSettings
    /// Threads for the O(N²) measures that run outside BLAS (`--threads`; default: every core).
    public var workers: Int

    public init(settings: AlignmentSettings, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.settings = settings
        self.workers = max(1, workers)
    }

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
        guard !languages.isEmpty else { throw AlignmentError.invalidSetting("the source has no languages") }
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
        let ckaPivot = languages.contains(settings.pivot) ? settings.pivot : languages[0]
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
            var loaded: [String: LanguageVectors] = [:]
            for language in languages {
                let raw = try source.vectors(language: language, layer: layer)
                clock.lap("read")
                guard raw.rows == n else { throw AlignmentError.shapeMismatch("\(language) layer \(layer) has \(raw.rows) sentences, expected \(n)") }
                if let other = loaded.values.first, other.dimension != raw.cols {
                    throw AlignmentError.shapeMismatch("\(language) layer \(layer) has dimension \(raw.cols), another language \(other.dimension)")
                }
                loaded[language] = try LanguageVectors(raw)
                clock.lap("prepare")
            }
            let vectors = loaded
            let ordered = languages.compactMap { vectors[$0] }
            var statistics: [(key: SeriesKey, stat: SentenceStatistic)] = []

            // Per-language pieces shared by pairs (independent: one language per worker).
            let involved = languages.filter { language in pairs.contains { $0.source == language || $0.target == language } }
            let settings = self.settings
            let perLanguage = try parallelMap(involved.count, workers: workers) { index -> (rbf: Matrix<Double>?, neighbours: [Int]?, seconds: [String: Double]) in
                guard let v = vectors[involved[index]] else { return (nil, nil, [:]) }
                var timer = ThreadTimer()
                var kernel: Matrix<Double>?, lists: [Int]?
                if selected.contains(.ckaRBF) {
                    kernel = try centeredRBFKernel(gram: v.centeredGram, scale: settings.rbfScale)
                    timer.lap(MetricName.ckaRBF.rawValue)
                }
                if selected.contains(.mutualKNN) {
                    let norms = v.rawNormsSquared
                    lists = try nearestNeighbours(cosineFromDots(v.rawGram, rowNormsSquared: norms, colNormsSquared: norms), k: settings.knnK)
                    timer.lap(MetricName.mutualKNN.rawValue)
                }
                return (kernel, lists, timer.totals)
            }
            clock.distribute(perLanguage.map(\.seconds))
            var rbf: [String: Matrix<Double>] = [:]
            var neighbours: [String: [Int]] = [:]
            for (language, item) in zip(involved, perLanguage) {
                rbf[language] = item.rbf
                neighbours[language] = item.neighbours
            }
            var coordinates: [String: Matrix<Double>] = [:]
            if selected.contains(.retrievalP1LSAR) {
                let subspace = try languageSubspace(ordered, rank: settings.lsarRank)
                for language in involved { if let v = vectors[language] { coordinates[language] = subspaceCoordinates(v, subspace) } }
                clock.lap(MetricName.retrievalP1LSAR.rawValue)
            }

            // Pairs in chunks: the cross products by BLAS (all threads), then the O(N²) measures of the
            // chunk's pairs in parallel. Chunks bound the memory to a few N × N matrices per worker.
            let needsCross = !selected.isDisjoint(with: [.cosine, .cosineMargin, .retrievalP1, .retrievalP1Centered, .retrievalP1LSAR])
            let shared = PairInputs(vectors: vectors, rbf: rbf, neighbours: neighbours, coordinates: coordinates,
                                    selected: selected, knnK: settings.knnK)
            let chunk = workers
            for chunkStart in stride(from: 0, to: pairs.count, by: chunk) {
                let chunkPairs = Array(pairs[chunkStart..<min(chunkStart + chunk, pairs.count)])
                var crosses: [Matrix<Double>?] = []
                for pair in chunkPairs {
                    if needsCross, let x = vectors[pair.source], let y = vectors[pair.target] {
                        crosses.append(centeredDotProducts(x, y))
                    } else {
                        crosses.append(nil)
                    }
                }
                clock.lap("cross_products")
                let frozenCrosses = crosses
                let results = try parallelMap(chunkPairs.count, workers: workers) { index in
                    try pairStatistics(chunkPairs[index], centeredDots: frozenCrosses[index], shared)
                }
                clock.distribute(results.map(\.seconds))
                for result in results { statistics.append(contentsOf: result.statistics) }
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
        return AlignmentOutcome(report: report, projections: projections, seconds: clock.totals, cpuSeconds: clock.cpuTotals)
    }
}

/// What the per-pair measures share within a layer.
struct PairInputs: Sendable {
    var vectors: [String: LanguageVectors]
    var rbf: [String: Matrix<Double>]
    var neighbours: [String: [Int]]
    var coordinates: [String: Matrix<Double>]
    var selected: Set<MetricName>
    var knnK: Int
}

/// Every selected pair measure of one pair at one layer, with thread CPU seconds per measure.
func pairStatistics(_ pair: LanguagePair, centeredDots: Matrix<Double>?, _ inputs: PairInputs) throws
    -> (statistics: [(key: SeriesKey, stat: SentenceStatistic)], seconds: [String: Double]) {
    guard let x = inputs.vectors[pair.source], let y = inputs.vectors[pair.target] else { return ([], [:]) }
    let selected = inputs.selected
    var timer = ThreadTimer()
    var statistics: [(key: SeriesKey, stat: SentenceStatistic)] = []
    func add(_ name: String, _ stat: SentenceStatistic) {
        statistics.append((SeriesKey(metric: name, source: pair.source, target: pair.target), stat))
    }
    func addRetrieval(_ metric: MetricName, _ s: Matrix<Double>) {
        let forward = retrievalAtOne(s, direction: .forward), backward = retrievalAtOne(s, direction: .backward)
        add(metric.rawValue + "_fwd", forward)
        add(metric.rawValue + "_bwd", backward)
        add(metric.rawValue, .average(forward, backward))
    }
    if let centeredDots {
        let raw = rawDotProducts(centeredDots: centeredDots, x, y)
        let xNorms = x.rawNormsSquared, yNorms = y.rawNormsSquared
        timer.lap("cross_products")
        if !selected.isDisjoint(with: [.cosine, .cosineMargin, .retrievalP1]) {
            let s = cosineFromDots(raw, rowNormsSquared: xNorms, colNormsSquared: yNorms)
            timer.lap("cross_products")
            if selected.contains(.cosine) { add(MetricName.cosine.rawValue, translationCosine(s)); timer.lap(MetricName.cosine.rawValue) }
            if selected.contains(.cosineMargin) { add(MetricName.cosineMargin.rawValue, try cosineMargin(s)); timer.lap(MetricName.cosineMargin.rawValue) }
            if selected.contains(.retrievalP1) { addRetrieval(.retrievalP1, s); timer.lap(MetricName.retrievalP1.rawValue) }
        }
        if selected.contains(.retrievalP1Centered) {
            let s = cosineFromDots(centeredDots, rowNormsSquared: x.centeredNormsSquared, colNormsSquared: y.centeredNormsSquared)
            addRetrieval(.retrievalP1Centered, s)
            timer.lap(MetricName.retrievalP1Centered.rawValue)
        }
        if selected.contains(.retrievalP1LSAR), let ux = inputs.coordinates[pair.source], let uy = inputs.coordinates[pair.target] {
            let s = cosineAfterRemoval(rawDots: raw, rowNormsSquared: xNorms, colNormsSquared: yNorms, rowCoordinates: ux, colCoordinates: uy)
            addRetrieval(.retrievalP1LSAR, s)
            timer.lap(MetricName.retrievalP1LSAR.rawValue)
        }
    }
    if selected.contains(.ckaLinear) {
        add(MetricName.ckaLinear.rawValue, try linearCKA(centeredGramX: x.centeredGram, centeredGramY: y.centeredGram))
        timer.lap(MetricName.ckaLinear.rawValue)
    }
    if selected.contains(.ckaDebiased) {
        add(MetricName.ckaDebiased.rawValue, try debiasedCKA(gramX: x.centeredGram, gramY: y.centeredGram))
        timer.lap(MetricName.ckaDebiased.rawValue)
    }
    if selected.contains(.ckaRBF), let kx = inputs.rbf[pair.source], let ky = inputs.rbf[pair.target] {
        add(MetricName.ckaRBF.rawValue, try rbfCKA(centeredKernelX: kx, centeredKernelY: ky))
        timer.lap(MetricName.ckaRBF.rawValue)
    }
    if selected.contains(.mutualKNN), let nx = inputs.neighbours[pair.source], let ny = inputs.neighbours[pair.target] {
        add(MetricName.mutualKNN.rawValue, try mutualKNN(neighboursX: nx, neighboursY: ny, k: inputs.knnK))
        timer.lap(MetricName.mutualKNN.rawValue)
    }
    return (statistics, timer.totals)
}

/// `body(i)` for i in 0..<count on up to `workers` threads (GCD `concurrentPerform`, worker w takes
/// i = w, w + workers, …); results in index order; the first error (by index) is rethrown after all
/// iterations finish.
func parallelMap<T: Sendable>(_ count: Int, workers: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let slots = ParallelSlots<T>(count)
    let width = max(1, min(workers, count))
    DispatchQueue.concurrentPerform(iterations: width) { worker in
        for index in stride(from: worker, to: count, by: width) {
            let result = Result { try body(index) }
            slots.lock.lock()
            slots.values[index] = result
            slots.lock.unlock()
        }
    }
    return try slots.values.map { slot in
        guard let slot else { throw AlignmentError.numerical("a parallel task did not run") }
        return try slot.get()
    }
}

/// Result slots written by `parallelMap`'s workers under a lock.
private final class ParallelSlots<T: Sendable>: @unchecked Sendable {
    let lock = NSLock()
    var values: [Result<T, Error>?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
}

/// CPU seconds of the calling thread attributed to named phases (for work done inside `parallelMap`).
struct ThreadTimer {
    private var last = ThreadTimer.now()
    private(set) var totals: [String: Double] = [:]

    mutating func lap(_ name: String) {
        let t = ThreadTimer.now()
        totals[name, default: 0] += t - last
        last = t
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

/// A series' identity within a layer.
struct SeriesKey: Hashable {
    var metric: String
    var source: String
    var target: String
}

/// Wall-clock and process CPU seconds attributed to named phases.
struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds
    private var lastCPU = Stopwatch.processCPU()
    private(set) var totals: [String: Double] = [:]
    private(set) var cpuTotals: [String: Double] = [:]

    mutating func lap(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds, cpu = Stopwatch.processCPU()
        totals[name, default: 0] += Double(now - last) / 1e9
        cpuTotals[name, default: 0] += cpu - lastCPU
        last = now
        lastCPU = cpu
    }

    /// Splits the wall and process CPU time since the last lap over phases in proportion to the
    /// thread CPU seconds the parallel workers reported for them.
    mutating func distribute(_ workers: [[String: Double]]) {
        var shares: [String: Double] = [:]
        for worker in workers { for (name, seconds) in worker { shares[name, default: 0] += seconds } }
        let total = shares.values.reduce(0, +)
        let now = DispatchTime.now().uptimeNanoseconds, cpu = Stopwatch.processCPU()
        let wall = Double(now - last) / 1e9, spent = cpu - lastCPU
        if total > 0 {
            for (name, seconds) in shares {
                totals[name, default: 0] += wall * seconds / total
                cpuTotals[name, default: 0] += spent * seconds / total
            }
        }
        last = now
        lastCPU = cpu
    }

    static func processCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
