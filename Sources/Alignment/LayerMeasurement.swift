// One layer of an analysis: read and prepare every language once, then every selected measure —
// per-language pieces in parallel, pairs in chunks (cross products by BLAS, the O(N²) measures of the
// chunk in parallel), then the measures over all languages.
import Foundation
import LinearAlgebra

/// An analysis after validation: what to measure on which languages and pairs.
struct AnalysisPlan: Sendable {
    var settings: AlignmentSettings
    var metrics: [MetricName]
    var selected: Set<MetricName>
    var languages: [String]
    var pairs: [LanguagePair]
    var sentenceCount: Int
    var layerCount: Int
    var primary: MetricName
    /// The language whose layers every layer is compared with in `layer_cka`.
    var ckaPivot: String
    var workers: Int
    /// The shuffled-pairing control's row permutation (a derangement of the sentences).
    var shufflePermutation: [Int]
}

/// What one layer produced.
struct LayerMeasurement {
    var pairStatistics: [(key: SeriesKey, stat: SentenceStatistic)] = []
    var layerStatistics: [(String, SentenceStatistic)] = []
    var projection: LayerProjection?
    /// `layer_cka`: per language other than the CKA pivot, CKA of this layer against every pivot layer.
    var layerCKARows: [String: [Double]] = [:]
    /// Anisotropy of the raw (un-normalised) vectors.
    var diagnostics: LayerDiagnostics?
    /// The primary metric per pair (pair order) with the target's rows permuted.
    var shuffled: [SentenceStatistic] = []
}

extension AnalysisPlan {
    /// The pivot's packed kernels for every layer (pass 1 of `layer_cka`; empty when not selected).
    func pivotKernels(_ source: LayerSource, clock: inout Stopwatch) throws -> [PackedKernel] {
        guard selected.contains(.layerCKA) else { return [] }
        var kernels: [PackedKernel] = []
        for layer in 0..<layerCount {
            let raw = try source.finiteVectors(language: ckaPivot, layer: layer)
            clock.lap("read")
            kernels.append(PackedKernel(centeredGram: try normalizedPivot(source, layer: layer, raw: raw).centeredGram))
            clock.lap(MetricName.layerCKA.rawValue)
        }
        return kernels
    }

    /// The CKA pivot's vectors at `layer` after normalisation (which may need every language's vectors).
    private func normalizedPivot(_ source: LayerSource, layer: Int, raw: Matrix<Float>) throws -> LanguageVectors {
        switch settings.normalize {
        case .none, .center:
            return try settings.normalize.apply([LanguageVectors(raw)])[0]
        case .standardize, .allButTop:
            let all = try languages.map { try LanguageVectors($0 == ckaPivot ? raw : source.finiteVectors(language: $0, layer: layer)) }
            guard let index = languages.firstIndex(of: ckaPivot) else { return try LanguageVectors(raw) }
            return try settings.normalize.apply(all)[index]
        }
    }

    /// Every selected measure at `layer`.
    func measure(layer: Int, _ source: LayerSource, pivotKernels: [PackedKernel], clock: inout Stopwatch) throws -> LayerMeasurement {
        let n = sentenceCount
        var loaded: [String: LanguageVectors] = [:]
        for language in languages {
            let raw = try source.finiteVectors(language: language, layer: layer)
            clock.lap("read")
            guard raw.rows == n else { throw AlignmentError.shapeMismatch("\(language) layer \(layer) has \(raw.rows) sentences, expected \(n)") }
            if let other = loaded.values.first, other.dimension != raw.cols {
                throw AlignmentError.shapeMismatch("\(language) layer \(layer) has dimension \(raw.cols), another language \(other.dimension)")
            }
            loaded[language] = try LanguageVectors(raw)
            clock.lap("prepare")
        }
        let rawOrdered = languages.compactMap { loaded[$0] }
        let ordered = try settings.normalize.apply(rawOrdered)
        clock.lap("normalize")
        let vectors = Dictionary(uniqueKeysWithValues: zip(languages, ordered))
        var out = LayerMeasurement()

        // Per-language pieces shared by pairs (independent: one language per worker).
        let involved = languages.filter { language in pairs.contains { $0.source == language || $0.target == language } }
        let settings = self.settings, selected = self.selected, primary = self.primary, permutation = self.shufflePermutation
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
                var result = try pairStatistics(chunkPairs[index], centeredDots: frozenCrosses[index], shared)
                var timer = ThreadTimer()
                let control = try shuffledStatistic(chunkPairs[index], centeredDots: frozenCrosses[index], shared,
                                                    permutation: permutation, primary: primary)
                timer.lap("shuffled_control")
                result.seconds.merge(timer.totals, uniquingKeysWith: +)
                return (result.statistics, result.seconds, control)
            }
            clock.distribute(results.map(\.1))
            for result in results {
                out.pairStatistics.append(contentsOf: result.0)
                if let control = result.2 { out.shuffled.append(control) }
            }
        }
        // Per-language centering removes exactly the language means these two measure: they read the raw vectors then.
        let languageMeasured = settings.normalize == .center ? rawOrdered : ordered
        if selected.contains(.languageSeparability), ordered.count >= 2 {
            out.layerStatistics.append((MetricName.languageSeparability.rawValue, try languageSeparability(languageMeasured)))
            clock.lap(MetricName.languageSeparability.rawValue)
        }
        if selected.contains(.centroidAccuracy), ordered.count >= 2 {
            out.layerStatistics.append((MetricName.centroidAccuracy.rawValue, try centroidAccuracy(languageMeasured)))
            clock.lap(MetricName.centroidAccuracy.rawValue)
        }
        if selected.contains(.projection) {
            out.projection = try principalComponents(ordered, components: settings.components)
            clock.lap(MetricName.projection.rawValue)
        }
        // The raw vectors' anisotropy; PC1 from the projection when that already is the raw PCA.
        var pc1: Double?
        if settings.normalize == .none, let projection = out.projection {
            pc1 = projection.explainedVarianceRatio.first
        } else {
            pc1 = try principalComponents(rawOrdered, components: 1, oversampling: 4).explainedVarianceRatio.first
        }
        out.diagnostics = AnisotropyDiagnostics.measure(layer: layer, rawOrdered, pc1VarianceShare: pc1)
        clock.lap("diagnostics")
        if selected.contains(.layerCKA) {
            for language in languages where language != ckaPivot {
                guard let v = vectors[language] else { continue }
                let packed = PackedKernel(centeredGram: v.centeredGram)
                out.layerCKARows[language] = pivotKernels.map { $0.cka(packed) }
            }
            clock.lap(MetricName.layerCKA.rawValue)
        }
        return out
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


/// The primary metric of `pair` with the target's sentences permuted by `permutation` (translations no
/// longer paired): the chance level of the metric on these vectors. Nil when the primary was not measured.
func shuffledStatistic(_ pair: LanguagePair, centeredDots: Matrix<Double>?, _ inputs: PairInputs,
                       permutation pi: [Int], primary: MetricName) throws -> SentenceStatistic? {
    guard inputs.selected.contains(primary), let y = inputs.vectors[pair.target] else { return nil }
    var shuffled = inputs
    shuffled.selected = [primary]
    shuffled.vectors[pair.target] = y.permuted(pi)
    if let kernel = inputs.rbf[pair.target] { shuffled.rbf[pair.target] = permutedSymmetric(kernel, pi) }
    if let lists = inputs.neighbours[pair.target] {
        // Row i of the permuted language is old row π(i); old neighbour j is now row π⁻¹(j).
        var inverse = [Int](repeating: 0, count: pi.count)
        for (i, p) in pi.enumerated() { inverse[p] = i }
        let k = inputs.knnK
        shuffled.neighbours[pair.target] = (0..<pi.count).flatMap { i in lists[(pi[i] * k)..<((pi[i] + 1) * k)].map { inverse[$0] } }
    }
    if let u = inputs.coordinates[pair.target] {
        shuffled.coordinates[pair.target] = Matrix(rows: u.rows, cols: u.cols, storage: pi.flatMap { u.row($0) })
    }
    let dots = centeredDots.map { permutedColumns($0, pi) }
    return try pairStatistics(pair, centeredDots: dots, shuffled).statistics.first { $0.key.metric == primary.rawValue }?.stat
}
