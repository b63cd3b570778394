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
    /// Languages streamed (`measureStreaming`) instead of every language of a layer held in memory.
    var streaming = false
    /// Counts the streamed path's prepared languages (`AlignmentOutcome.peakResidentLanguages`).
    var residentLanguages = ResidentLanguageCounter()
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
    /// The pivot's packed kernels for every layer (pass 1 of `layer_cka`; empty when not selected) and, when
    /// the normalisation keeps each language's own centered rows (`none`, `center`), the pivot's centered Grams
    /// per layer, which pass 2 reuses instead of recomputing them (N² Doubles per layer until its turn).
    func pivotKernels(_ source: LayerSource, clock: inout Stopwatch) throws -> (kernels: [PackedKernel], grams: [Matrix<Double>?]) {
        guard selected.contains(.layerCKA) else { return ([], Array(repeating: nil, count: layerCount)) }
        let keepsGrams = settings.normalize == .none || settings.normalize == .center
        var kernels: [PackedKernel] = []
        var grams: [Matrix<Double>?] = []
        for layer in 0..<layerCount {
            let raw = try source.finiteVectors(language: ckaPivot, layer: layer)
            clock.lap("read")
            let gram = try normalizedPivot(source, layer: layer, raw: raw).centeredGram
            kernels.append(PackedKernel(centeredGram: gram))
            grams.append(keepsGrams ? gram : nil)
            clock.lap(MetricName.layerCKA.rawValue)
        }
        return (kernels, grams)
    }

    /// The CKA pivot's vectors at `layer` after normalisation (which may need every language's vectors).
    private func normalizedPivot(_ source: LayerSource, layer: Int, raw: Matrix<Float>) throws -> LanguageVectors {
        switch settings.normalize {
        case .none, .center:
            return try settings.normalize.apply([LanguageVectors(raw)])[0]
        case .standardize where streaming:
            var ignored = Stopwatch()
            let sums = try languageSums(source, layer: layer, clock: &ignored)
            return try StreamedNormalization(settings.normalize, sums: sums).apply(LanguageVectors(raw))
        case .standardize, .allButTop:
            let all = try languages.map { try LanguageVectors($0 == ckaPivot ? raw : source.finiteVectors(language: $0, layer: layer)) }
            guard let index = languages.firstIndex(of: ckaPivot) else { return try LanguageVectors(raw) }
            return try settings.normalize.apply(all)[index]
        }
    }

    /// Every selected measure at `layer`.
    /// `pivotGram`: the CKA pivot's centered Gram at this layer from pass 1 (nil: computed here).
    func measure(layer: Int, _ source: LayerSource, pivotKernels: [PackedKernel], pivotGram: Matrix<Double>? = nil,
                 clock: inout Stopwatch) throws -> LayerMeasurement {
        let n = sentenceCount
        var loaded: [String: LanguageVectors] = [:]
        for language in languages {
            let raw = try source.finiteVectors(language: language, layer: layer)
            clock.lap("read")
            guard raw.rows == n else { throw AlignmentError.shapeMismatch("\(language) layer \(layer) has \(raw.rows) sentences, expected \(n)") }
            if let other = loaded.values.first, other.dimension != raw.cols {
                throw AlignmentError.shapeMismatch("\(language) layer \(layer) has dimension \(raw.cols), another language \(other.dimension)")
            }
            loaded[language] = try LanguageVectors(raw, centeredGram: language == ckaPivot ? pivotGram : nil)
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
        let perLanguage = try parallelMap(involved.count, workers: workers) { index -> LanguagePieces in
            guard let v = vectors[involved[index]] else { return LanguagePieces() }
            return try languagePieces(v, settings: settings, selected: selected)
        }
        clock.distribute(perLanguage.map(\.seconds))
        var rbf: [String: Matrix<Double>] = [:]
        var neighbours: [String: [Int]] = [:]
        var selfHSIC: [String: SelfHSIC] = [:]
        for (language, item) in zip(involved, perLanguage) {
            rbf[language] = item.rbf
            neighbours[language] = item.neighbours
            selfHSIC[language] = item.selfHSIC
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
                                selfHSIC: selfHSIC, selected: selected, knnK: settings.knnK)
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
                let result = try pairStatistics(chunkPairs[index], centeredDots: frozenCrosses[index], shared,
                                                shuffle: (permutation, primary))
                return (result.statistics, result.seconds, result.shuffled)
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
        // The raw vectors' anisotropy needs their PC1 share: from the projection when that already is the raw
        // PCA; computed with it when both share the centered rows (`center` only changes the means), so the
        // data are read once per randomized pass for both; else on its own.
        let rawPC1 = PCARequest(means: rawOrdered.map(\.mean), components: 1, oversampling: 4)
        var pc1: Double?
        if selected.contains(.projection) {
            let projection = PCARequest(means: ordered.map(\.mean), components: settings.components, oversampling: 10)
            switch settings.normalize {
            case .none:
                out.projection = try principalComponents(PCABlocks(ordered, workers: workers), [projection])[0]
                pc1 = out.projection?.explainedVarianceRatio.first
            case .center:
                let both = try principalComponents(PCABlocks(ordered, workers: workers), [projection, rawPC1])
                out.projection = both[0]
                pc1 = both[1].explainedVarianceRatio.first
            case .standardize, .allButTop:
                out.projection = try principalComponents(PCABlocks(ordered, workers: workers), [projection])[0]
            }
            clock.lap(MetricName.projection.rawValue)
        }
        if pc1 == nil {
            pc1 = try principalComponents(PCABlocks(rawOrdered, workers: workers), [rawPC1])[0].explainedVarianceRatio.first
        }
        out.diagnostics = try AnisotropyDiagnostics.measure(layer: layer, rawOrdered, pc1VarianceShare: pc1, workers: workers)
        clock.lap("diagnostics")
        if selected.contains(.layerCKA) {
            let targets = languages.filter { $0 != ckaPivot && vectors[$0] != nil }
            let rows = try parallelMap(targets.count, workers: workers) { index -> [Double] in
                guard let v = vectors[targets[index]] else { return [] }
                let packed = PackedKernel(centeredGram: v.centeredGram)
                return pivotKernels.map { $0.cka(packed) }
            }
            for (language, row) in zip(targets, rows) { out.layerCKARows[language] = row }
            clock.lap(MetricName.layerCKA.rawValue)
        }
        return out
    }
}

/// What every pair of a language shares at one layer: its centered RBF kernel, its k-NN lists, its
/// self-HSIC per CKA variant, with thread CPU seconds per measure.
struct LanguagePieces: Sendable {
    var rbf: Matrix<Double>?
    var neighbours: [Int]?
    var selfHSIC = SelfHSIC()
    var seconds: [String: Double] = [:]
}

/// One language's `LanguagePieces` (the same whether the layer is held in memory or streamed).
func languagePieces(_ v: LanguageVectors, settings: AlignmentSettings, selected: Set<MetricName>) throws -> LanguagePieces {
    var timer = ThreadTimer()
    var out = LanguagePieces()
    if selected.contains(.ckaLinear) {
        out.selfHSIC.linear = biasedHSIC(v.centeredGram, v.centeredGram)
        timer.lap(MetricName.ckaLinear.rawValue)
    }
    if selected.contains(.ckaDebiased) {
        out.selfHSIC.debiased = unbiasedHSIC(v.centeredGram, v.centeredGram)
        timer.lap(MetricName.ckaDebiased.rawValue)
    }
    if selected.contains(.ckaRBF) {
        let k = try centeredRBFKernel(gram: v.centeredGram, scale: settings.rbfScale)
        out.selfHSIC.rbf = biasedHSIC(k, k)
        out.rbf = k
        timer.lap(MetricName.ckaRBF.rawValue)
    }
    if selected.contains(.mutualKNN) {
        let norms = v.rawNormsSquared
        out.neighbours = try nearestNeighbours(cosineFromDots(v.rawGram, rowNormsSquared: norms, colNormsSquared: norms), k: settings.knnK)
        timer.lap(MetricName.mutualKNN.rawValue)
    }
    out.seconds = timer.totals
    return out
}

/// What the per-pair measures share within a layer.
struct PairInputs: Sendable {
    var vectors: [String: LanguageVectors]
    var rbf: [String: Matrix<Double>]
    var neighbours: [String: [Int]]
    var coordinates: [String: Matrix<Double>]
    /// Each language's HSIC with itself per CKA variant (the same in every pair it is in).
    var selfHSIC: [String: SelfHSIC]
    var selected: Set<MetricName>
    var knnK: Int
}

/// HSIC(K, K) of one language's kernels at one layer, per CKA variant (nil when not selected).
struct SelfHSIC: Sendable {
    var linear: HSICTerm?
    var debiased: HSICTerm?
    var rbf: HSICTerm?
}

/// Every selected pair measure of one pair at one layer, with thread CPU seconds per measure, and — when
/// `shuffle` is given — the shuffled-pairing control of the primary metric: the same measure on the
/// pair's matrices with the target's sentences permuted (columns of the cross matrices, rows and columns
/// of the target's kernels, its neighbour lists), so the control costs O(N²), never a second product.
func pairStatistics(_ pair: LanguagePair, centeredDots: Matrix<Double>?, _ inputs: PairInputs,
                    shuffle: (permutation: [Int], primary: MetricName)? = nil) throws
    -> (statistics: [(key: SeriesKey, stat: SentenceStatistic)], shuffled: SentenceStatistic?, seconds: [String: Double]) {
    guard let x = inputs.vectors[pair.source], let y = inputs.vectors[pair.target] else { return ([], nil, [:]) }
    let selected = inputs.selected
    var timer = ThreadTimer()
    var statistics: [(key: SeriesKey, stat: SentenceStatistic)] = []
    var shuffled: SentenceStatistic?
    func add(_ name: String, _ stat: SentenceStatistic) {
        statistics.append((SeriesKey(metric: name, source: pair.source, target: pair.target), stat))
    }
    /// The control of `metric` when it is the primary: `measure` applied to the permuted inputs.
    func control(_ metric: MetricName, _ measure: ([Int]) throws -> SentenceStatistic) rethrows {
        guard let shuffle, shuffle.primary == metric else { return }
        timer.lap(metric.rawValue)
        shuffled = try measure(shuffle.permutation)
        timer.lap("shuffled_control")
    }
    func retrieval(_ s: Matrix<Double>) -> (forward: SentenceStatistic, backward: SentenceStatistic) {
        (retrievalAtOne(s, direction: .forward), retrievalAtOne(s, direction: .backward))
    }
    func addRetrieval(_ metric: MetricName, _ s: Matrix<Double>) {
        let (forward, backward) = retrieval(s)
        add(metric.rawValue + "_fwd", forward)
        add(metric.rawValue + "_bwd", backward)
        add(metric.rawValue, .average(forward, backward))
        control(metric) { pi in
            let (f, b) = retrieval(permutedColumns(s, pi))
            return .average(f, b)
        }
    }
    if let centeredDots {
        let raw = rawDotProducts(centeredDots: centeredDots, x, y)
        let xNorms = x.rawNormsSquared, yNorms = y.rawNormsSquared
        timer.lap("cross_products")
        if !selected.isDisjoint(with: [.cosine, .cosineMargin, .retrievalP1]) {
            let s = cosineFromDots(raw, rowNormsSquared: xNorms, colNormsSquared: yNorms)
            timer.lap("cross_products")
            if selected.contains(.cosine) {
                add(MetricName.cosine.rawValue, translationCosine(s))
                control(.cosine) { translationCosine(permutedColumns(s, $0)) }
                timer.lap(MetricName.cosine.rawValue)
            }
            if selected.contains(.cosineMargin) {
                add(MetricName.cosineMargin.rawValue, try cosineMargin(s))
                try control(.cosineMargin) { try cosineMargin(permutedColumns(s, $0)) }
                timer.lap(MetricName.cosineMargin.rawValue)
            }
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
        add(MetricName.ckaLinear.rawValue, try linearCKA(centeredGramX: x.centeredGram, centeredGramY: y.centeredGram,
                                                         selfX: inputs.selfHSIC[pair.source]?.linear, selfY: inputs.selfHSIC[pair.target]?.linear))
        try control(.ckaLinear) { try linearCKA(centeredGramX: x.centeredGram, centeredGramY: permutedSymmetric(y.centeredGram, $0)) }
        timer.lap(MetricName.ckaLinear.rawValue)
    }
    if selected.contains(.ckaDebiased) {
        add(MetricName.ckaDebiased.rawValue, try debiasedCKA(gramX: x.centeredGram, gramY: y.centeredGram,
                                                             selfX: inputs.selfHSIC[pair.source]?.debiased, selfY: inputs.selfHSIC[pair.target]?.debiased))
        try control(.ckaDebiased) { try debiasedCKA(gramX: x.centeredGram, gramY: permutedSymmetric(y.centeredGram, $0)) }
        timer.lap(MetricName.ckaDebiased.rawValue)
    }
    if selected.contains(.ckaRBF), let kx = inputs.rbf[pair.source], let ky = inputs.rbf[pair.target] {
        add(MetricName.ckaRBF.rawValue, try rbfCKA(centeredKernelX: kx, centeredKernelY: ky,
                                                   selfX: inputs.selfHSIC[pair.source]?.rbf, selfY: inputs.selfHSIC[pair.target]?.rbf))
        try control(.ckaRBF) { try rbfCKA(centeredKernelX: kx, centeredKernelY: permutedSymmetric(ky, $0)) }
        timer.lap(MetricName.ckaRBF.rawValue)
    }
    if selected.contains(.mutualKNN), let nx = inputs.neighbours[pair.source], let ny = inputs.neighbours[pair.target] {
        add(MetricName.mutualKNN.rawValue, try mutualKNN(neighboursX: nx, neighboursY: ny, k: inputs.knnK))
        try control(.mutualKNN) { pi in
            // Row i of the permuted language is old row π(i); old neighbour j is now row π⁻¹(j).
            var inverse = [Int](repeating: 0, count: pi.count)
            for (i, p) in pi.enumerated() { inverse[p] = i }
            let k = inputs.knnK
            let lists = (0..<pi.count).flatMap { i in ny[(pi[i] * k)..<((pi[i] + 1) * k)].map { inverse[$0] } }
            return try mutualKNN(neighboursX: nx, neighboursY: lists, k: k)
        }
        timer.lap(MetricName.mutualKNN.rawValue)
    }
    return (statistics, shuffled, timer.totals)
}
