// One layer with its languages streamed (`--stream`, issue #14 item 4): never more than one pair group's
// source and `workers` targets prepared at a time, whatever the number of languages.
//
// Pass 0 reads every language once for its sufficient statistics (mean μ_l and column sums of squares of
// the centered rows: 2d Doubles each): the normalisation's parameters, LSAR's directions, the grand means of
// separability and centroid accuracy, the anisotropy diagnostics. Pass 1 walks the pairs grouped by source
// (pivot mode: one group, the pivot resident and the targets streamed; `--pairs all`: source i resident,
// targets i+1… streamed), preparing each language as the in-memory path does and keeping of it, on its first
// visit, only O(N) numbers per language (separability terms, centroid hits, row norms) and its `layer_cka`
// row. The PCA then re-reads each language for every randomized pass (`StreamedPCABlocks`). Every sum over
// languages runs in language order, every product on the same matrices, so the results equal the
// in-memory path's bit for bit (test: `StreamingTests`).
//
// Peak memory (docs/alignment.md "At Flores-200 scale"), N sentences, d dimension, w workers, T layers,
// L languages, P pairs, S ≈ 19 series per pair, k components, in bytes:
//   (1 + w)·(N·d·8 + 2·N²·8)  prepared languages (centered rows, Gram, RBF kernel)
// + 7·w·N²·8                  a chunk's cross products and each worker's O(N²) temporaries
// + 12·N·d                    the language being read (Float) and centered (Double)
// + 10·T·N²                   layer_cka's pivot Grams (pass 1, freed layer by layer) and packed kernels
// + 8·L·(2d + 4N) + 432·L·N   per-language sufficient statistics and terms; the PCA's L·N × (k + 15) bases
// + 8·T·L·N·k + 24·P·S·T      what the report keeps: projection coordinates, every series' estimates.
// Only the last two lines grow with L (and P), by O(N) or O(1) per language — never N·d.
import Foundation
import LinearAlgebra

/// How many prepared languages (centered rows and Grams) are alive at once, and the most there were: the
/// memory bound of the streamed path made checkable (each `ResidentLanguage` counts itself while it lives).
public final class ResidentLanguageCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private var highWater = 0

    public init() {}

    /// The most prepared languages that were alive at the same time.
    public var peak: Int { lock.withLock { highWater } }

    func increment() { lock.withLock { current += 1; highWater = max(highWater, current) } }
    func decrement() { lock.withLock { current -= 1 } }
}

/// One prepared language (raw and normalised) of the streamed path, counted while it is alive.
final class ResidentLanguage: @unchecked Sendable {
    let raw: LanguageVectors
    let vectors: LanguageVectors
    private let counter: ResidentLanguageCounter

    init(raw: LanguageVectors, vectors: LanguageVectors, counter: ResidentLanguageCounter) {
        self.raw = raw
        self.vectors = vectors
        self.counter = counter
        counter.increment()
    }

    deinit { counter.decrement() }
}

/// What pass 0 keeps of one language of a layer.
struct LanguageSums: Sendable {
    /// μ_l of the raw vectors.
    var mean: [Double]
    /// Σᵢ x_c,ij² per dimension, x_c the centered rows.
    var squares: [Double]
    var count: Int
}

/// A layer's normalisation from pass 0 (per-language sums only), applied one language at a time.
struct StreamedNormalization: Sendable {
    let mode: Normalization
    let scaling: StandardizeScaling?

    /// `all-but-top:K` needs the top principal directions of every language's vectors before any language
    /// can be transformed: refused by name here (use the in-memory path).
    init(_ mode: Normalization, sums: [LanguageSums]) throws {
        self.mode = mode
        switch mode {
        case .none, .center:
            scaling = nil
        case .standardize:
            scaling = StandardizeScaling(means: sums.map(\.mean), squares: sums.map(\.squares), counts: sums.map(\.count))
        case .allButTop:
            throw AlignmentError.invalidSetting("--normalize \(mode.argument) is not implemented with --stream (it needs the PCA of every language before the first is transformed); run without --stream")
        }
    }

    /// The language after the transformation (what `Normalization.apply` gives it among all languages).
    func apply(_ raw: LanguageVectors) -> LanguageVectors {
        switch mode {
        case .center:
            return LanguageVectors(centered: raw.centered, mean: [Double](repeating: 0, count: raw.dimension), centeredGram: raw.centeredGram)
        case .standardize:
            return scaling.map { $0.apply(raw.centered, mean: raw.mean) } ?? raw
        case .none, .allButTop:
            return raw
        }
    }

    /// The transformed mean of a language with raw mean `mean`.
    func mean(_ mean: [Double]) -> [Double] {
        switch mode {
        case .center: return [Double](repeating: 0, count: mean.count)
        case .standardize: return scaling.map { $0.mean(mean) } ?? mean
        case .none, .allButTop: return mean
        }
    }

    /// The transformed centered rows.
    func centered(_ centered: Matrix<Double>) -> Matrix<Double> {
        scaling.map { $0.centered(centered) } ?? centered
    }
}

/// The centered rows of every language of a layer, re-read from the source (and re-centered, re-normalised:
/// the same bits as when first prepared) each time a PCA pass needs them; one language resident at a time.
struct StreamedPCABlocks: PCABlockSource {
    let source: LayerSource
    let languages: [String]
    let layer: Int
    let sentences: Int
    let dimension: Int
    let normalization: StreamedNormalization?
    let centeredNormsSquared: [[Double]]

    var count: Int { languages.count }

    func centered(_ l: Int) throws -> Matrix<Double> {
        let raw = try source.finiteVectors(language: languages[l], layer: layer)
        let centered = try LanguageVectors.centering(raw).centered
        return normalization.map { $0.centered(centered) } ?? centered
    }

    func rounded(_ l: Int) throws -> Matrix<Float> { try centered(l).asFloat }

    mutating func prepareRounded() {}
}

extension AnalysisPlan {
    /// Pass 0: every language of `layer` read and centered once, keeping its `LanguageSums`; shapes checked.
    func languageSums(_ source: LayerSource, layer: Int, clock: inout Stopwatch) throws -> [LanguageSums] {
        var out: [LanguageSums] = []
        var dimension: Int?
        for language in languages {
            let raw = try source.finiteVectors(language: language, layer: layer)
            clock.lap("read")
            guard raw.rows == sentenceCount else {
                throw AlignmentError.shapeMismatch("\(language) layer \(layer) has \(raw.rows) sentences, expected \(sentenceCount)")
            }
            if let dimension, dimension != raw.cols {
                throw AlignmentError.shapeMismatch("\(language) layer \(layer) has dimension \(raw.cols), another language \(dimension)")
            }
            dimension = raw.cols
            let (_, mean, squares) = try LanguageVectors.centering(raw)
            out.append(LanguageSums(mean: mean, squares: squares, count: raw.rows))
            clock.lap("prepare")
        }
        return out
    }

    /// Every selected measure at `layer`, languages streamed (see the file's header); equal to `measure`.
    /// The pair statistics are handed to `emit` chunk by chunk (pair order; with the chunk's shuffled
    /// controls, keyed by pair), never held for the whole layer: the returned measurement has none.
    func measureStreaming(layer: Int, _ source: LayerSource, pivotKernels: [PackedKernel], pivotGram: Matrix<Double>? = nil,
                          clock: inout Stopwatch,
                          emit: (_ statistics: [(key: SeriesKey, stat: SentenceStatistic)],
                                 _ shuffled: [(key: SeriesKey, stat: SentenceStatistic)]) throws -> Void) throws -> LayerMeasurement {
        let n = sentenceCount, count = languages.count
        let sums = try languageSums(source, layer: layer, clock: &clock)
        let normalization = try StreamedNormalization(settings.normalize, sums: sums)
        let d = sums.first?.mean.count ?? 0
        let rawMeans = sums.map(\.mean)
        let normalizedMeans = rawMeans.map(normalization.mean)
        // Per-language centering removes exactly the language means separability and centroid accuracy measure.
        let measuredMeans = settings.normalize == .center ? rawMeans : normalizedMeans
        var grandMeasured = [Double](repeating: 0, count: d)
        for mean in measuredMeans { for j in 0..<d { grandMeasured[j] += mean[j] / Double(count) } }
        let subspace = selected.contains(.retrievalP1LSAR) ? try languageSubspace(means: normalizedMeans, rank: settings.lsarRank) : nil
        clock.lap("normalize")
        let index = Dictionary(uniqueKeysWithValues: languages.enumerated().map { ($1, $0) })

        var separability = [SeparabilityTerms?](repeating: nil, count: count)
        var hits = [[Bool]?](repeating: nil, count: count)
        var norms = [[Double]](repeating: [], count: count), rawNorms = [[Double]](repeating: [], count: count)
        var visited = [Bool](repeating: false, count: count)
        var out = LayerMeasurement()
        let settings = self.settings, selected = self.selected, primary = self.primary, permutation = self.shufflePermutation
        let ckaPivot = self.ckaPivot

        /// A language prepared as the in-memory path prepares it: raw and normalised.
        func prepare(_ language: String) throws -> ResidentLanguage {
            let x = try source.finiteVectors(language: language, layer: layer)
            clock.lap("read")
            let raw = try LanguageVectors(x, centeredGram: language == ckaPivot ? pivotGram : nil)
            let vectors = normalization.apply(raw)
            clock.lap("prepare")
            return ResidentLanguage(raw: raw, vectors: vectors, counter: residentLanguages)
        }
        /// What a language leaves behind for the measures over all languages, once.
        func visit(_ language: String, _ prepared: ResidentLanguage) {
            guard let l = index[language], !visited[l] else { return }
            visited[l] = true
            let measured = settings.normalize == .center ? prepared.raw : prepared.vectors
            if selected.contains(.languageSeparability), count >= 2 { separability[l] = separabilityTerms(measured, grandMean: grandMeasured) }
            if selected.contains(.centroidAccuracy), count >= 2 { hits[l] = centroidHits(measured, index: l, means: measuredMeans) }
            norms[l] = prepared.vectors.centeredNormsSquared
            rawNorms[l] = prepared.raw.centeredNormsSquared
        }
        func layerCKARow(_ language: String, _ v: LanguageVectors) -> [Double]? {
            guard selected.contains(.layerCKA), language != ckaPivot, let l = index[language], !visited[l] else { return nil }
            let packed = PackedKernel(centeredGram: v.centeredGram)
            return pivotKernels.map { $0.cka(packed) }
        }

        // Pass 1: pairs grouped by source (consecutive in `pairs`, so the statistics keep the pairs' order).
        var groups: [(source: String, targets: [String])] = []
        for pair in pairs {
            if groups.last?.source == pair.source { groups[groups.count - 1].targets.append(pair.target) } else { groups.append((pair.source, [pair.target])) }
        }
        let needsCross = !selected.isDisjoint(with: [.cosine, .cosineMargin, .retrievalP1, .retrievalP1Centered, .retrievalP1LSAR])
        for group in groups {
            let source = try prepare(group.source)
            let sourcePieces = try languagePieces(source.vectors, settings: settings, selected: selected)
            clock.distribute([sourcePieces.seconds])
            if let row = layerCKARow(group.source, source.vectors) { out.layerCKARows[group.source] = row }
            visit(group.source, source)
            for chunkStart in stride(from: 0, to: group.targets.count, by: workers) {
                let chunk = Array(group.targets[chunkStart..<min(chunkStart + workers, group.targets.count)])
                var prepared: [ResidentLanguage] = []
                for language in chunk { prepared.append(try prepare(language)) }
                let frozen = prepared.map(\.vectors)
                let pieces = try parallelMap(chunk.count, workers: workers) { try languagePieces(frozen[$0], settings: settings, selected: selected) }
                clock.distribute(pieces.map(\.seconds))
                let firstVisit = chunk.map { !visited[index[$0]!] }
                let rows = try parallelMap(chunk.count, workers: workers) { i -> [Double]? in
                    guard selected.contains(.layerCKA), chunk[i] != ckaPivot, firstVisit[i] else { return nil }
                    return pivotKernels.map { $0.cka(PackedKernel(centeredGram: frozen[i].centeredGram)) }
                }
                for (language, row) in zip(chunk, rows) { if let row { out.layerCKARows[language] = row } }
                clock.lap(MetricName.layerCKA.rawValue)
                var vectors = [group.source: source.vectors]
                var rbf: [String: Matrix<Double>] = [:], neighbours: [String: [Int]] = [:], selfHSIC = [group.source: sourcePieces.selfHSIC]
                rbf[group.source] = sourcePieces.rbf
                neighbours[group.source] = sourcePieces.neighbours
                for (i, language) in chunk.enumerated() {
                    vectors[language] = frozen[i]
                    rbf[language] = pieces[i].rbf
                    neighbours[language] = pieces[i].neighbours
                    selfHSIC[language] = pieces[i].selfHSIC
                }
                var coordinates: [String: Matrix<Double>] = [:]
                if let subspace {
                    for (language, v) in vectors { coordinates[language] = subspaceCoordinates(v, subspace) }
                    clock.lap(MetricName.retrievalP1LSAR.rawValue)
                }
                let shared = PairInputs(vectors: vectors, rbf: rbf, neighbours: neighbours, coordinates: coordinates,
                                        selfHSIC: selfHSIC, selected: selected, knnK: settings.knnK)
                let crosses = chunk.map { needsCross ? centeredDotProducts(source.vectors, vectors[$0]!) : nil }
                clock.lap("cross_products")
                let results = try parallelMap(chunk.count, workers: workers) { i in
                    let result = try pairStatistics(LanguagePair(source: group.source, target: chunk[i]), centeredDots: crosses[i], shared,
                                                    shuffle: (permutation, primary))
                    return (result.statistics, result.seconds, result.shuffled)
                }
                clock.distribute(results.map(\.1))
                let shuffledName = ShuffledControl.seriesPrefix + primary.rawValue
                let controls = zip(chunk, results).compactMap { target, result in
                    result.2.map { (key: SeriesKey(metric: shuffledName, source: group.source, target: target), stat: $0) }
                }
                try emit(results.flatMap(\.0), controls)
                clock.lap("bootstrap")
                for (language, p) in zip(chunk, prepared) { visit(language, p) }
            }
        }
        // Languages in no pair still count in the measures over all languages.
        for language in languages where !visited[index[language]!] {
            let p = try prepare(language)
            if let row = layerCKARow(language, p.vectors) { out.layerCKARows[language] = row }
            visit(language, p)
        }
        if selected.contains(.languageSeparability), count >= 2 {
            out.layerStatistics.append((MetricName.languageSeparability.rawValue, languageSeparability(separability.compactMap { $0 }, sentences: n)))
            clock.lap(MetricName.languageSeparability.rawValue)
        }
        if selected.contains(.centroidAccuracy), count >= 2 {
            out.layerStatistics.append((MetricName.centroidAccuracy.rawValue, centroidAccuracy(hits.compactMap { $0 }, sentences: n)))
            clock.lap(MetricName.centroidAccuracy.rawValue)
        }
        let blocks = StreamedPCABlocks(source: source, languages: languages, layer: layer, sentences: n, dimension: d,
                                       normalization: normalization, centeredNormsSquared: norms)
        let rawBlocks = StreamedPCABlocks(source: source, languages: languages, layer: layer, sentences: n, dimension: d,
                                          normalization: nil, centeredNormsSquared: rawNorms)
        let rawPC1 = PCARequest(means: rawMeans, components: 1, oversampling: 4)
        var pc1: Double?
        if selected.contains(.projection) {
            let projection = PCARequest(means: normalizedMeans, components: settings.components, oversampling: 10)
            switch settings.normalize {
            case .none:
                out.projection = try principalComponents(blocks, [projection])[0]
                pc1 = out.projection?.explainedVarianceRatio.first
            case .center:
                let both = try principalComponents(blocks, [projection, rawPC1])
                out.projection = both[0]
                pc1 = both[1].explainedVarianceRatio.first
            case .standardize, .allButTop:
                out.projection = try principalComponents(blocks, [projection])[0]
            }
            clock.lap(MetricName.projection.rawValue)
        }
        if pc1 == nil {
            pc1 = try principalComponents(rawBlocks, [rawPC1])[0].explainedVarianceRatio.first
        }
        out.diagnostics = AnisotropyDiagnostics.measure(layer: layer, means: rawMeans, squares: sums.map(\.squares),
                                                        counts: sums.map(\.count), pc1VarianceShare: pc1)
        clock.lap("diagnostics")
        return out
    }
}
