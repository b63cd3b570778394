// `interlingua align`: per-layer alignment measures of an activation file, with bootstrap intervals.
import Activations
import Alignment
import ArgumentParser
import Foundation
import LinearAlgebra

/// `interlingua align ACTS.h5 --output DIR`.
struct Align: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure per layer where languages align (cosine, retrieval, CKA, k-NN, separability, PCA, peak).",
        discussion: """
        Writes DIR/alignment.json (self-describing report), DIR/alignment.csv (long form: \
        \(AlignmentOutputs.csvHeader)), DIR/projections.h5 (PCA coordinates per layer) and DIR/pseudovalues.h5 \
        (per-sentence pseudo-values, for interlingua compare), and prints a \
        per-layer table with the peak marked. Metrics: \(MetricName.allCases.map(\.rawValue).joined(separator: ", ")).
        """
    )

    /// The primary metric when --primary is not given: retrieval_p1 when it is measured, else the first
    /// pair metric of --metrics.
    static let defaultPrimary = MetricName.retrievalP1

    @Argument(help: "Activation file written by 'interlingua trace'.")
    var activations: String

    @Option(name: .shortAndLong, help: "Output folder (created if missing).")
    var output: String

    @Option(help: "Pooled vectors to read: mean, last or weighted.")
    var pool: Pooling = .mean

    @Option(help: "Pivot language: pairs are the pivot against every other language.")
    var pivot: String = "en"

    @Option(help: "Which pairs: 'pivot' (pivot vs every other language) or 'all' (every pair).")
    var pairs: PairsMode = .pivot

    @Option(help: ArgumentHelp("Comma-separated metrics (default: all).", valueName: "list"), transform: CommaList.metrics)
    var metrics: [MetricName]?

    @Option(help: "Bootstrap resamples of sentences for 95% intervals (0 disables).")
    var bootstrap: Int = 1000

    @Option(help: "Seed of the bootstrap's random number generator.")
    var seed: UInt64 = 0

    @OptionGroup
    var threads: ThreadOptions

    @Option(help: "Pair metric whose pair average locates the alignment peak (default: retrieval_p1, or the first pair metric of --metrics).")
    var primary: MetricName?

    @Option(name: .customLong("rbf-scale"), help: "RBF bandwidth as a multiple of the median pairwise distance.")
    var rbfScale: Double = 0.5

    @Option(name: .customLong("knn-k"), help: "Neighbours for mutual_knn.")
    var knnK: Int = 10

    @Option(help: "Principal components kept per layer.")
    var components: Int = 3

    @Option(name: .customLong("lsar-rank"), help: "Directions of the language means removed by LSAR.")
    var lsarRank: Int = 1

    @Option(help: ArgumentHelp("Applied to every layer's vectors before every measure: \(Normalization.choices) (docs/alignment.md: why the default).", valueName: "mode"))
    var normalize: Normalization = .defaultChoice

    @Option(help: ArgumentHelp("Comma-separated languages to analyse (default: all in the file).", valueName: "list"),
            transform: CommaList.languages)
    var languages: [String]?

    @Option(help: ArgumentHelp("Layers to analyse, LOW-HIGH or one layer (0 = embeddings; default: all).", valueName: "range"))
    var layers: LayerRange?

    @Flag(name: .customLong("allow-incomplete"),
          help: "Analyse a file whose trace did not finish (complete = 0): only the rows its progress journal proves written.")
    var allowIncomplete = false

    @Flag(name: .customLong("stream"),
          help: ArgumentHelp("Stream the languages of each layer (Flores-200 scale): at most the pivot (or a pair group's source) and --threads targets prepared at once, each language read 9 times per layer instead of once; same results. Peak memory ≈ (1 + w)·(N·d·8 + 2·N²·8) + 7·w·N²·8 + 12·N·d + 10·T·N² + 8·L·(2d + 4N) + 432·L·N + 8·T·L·N·k + 24·P·S·T bytes (w workers, N sentences, d dimension, T layers, L languages, P pairs, S ≈ 19 series per pair, k components; docs/alignment.md): no term L·N·d. Not with --normalize all-but-top:K."))
    var stream = false

    @Flag(name: .customLong("no-pseudo-values"),
          help: "Do not keep pseudovalues.h5 (per-sentence pseudo-values for 'interlingua compare': layers × sentences × series float64).")
    var noPseudoValues = false

    @Flag(name: .customLong("quiet"), help: "No progress on stderr.")
    var quiet = false

    /// The metric locating the peak: --primary, else the default when measured, else the first pair metric given.
    var primaryMetric: MetricName? {
        if let primary { return primary }
        guard let metrics else { return Self.defaultPrimary }
        return metrics.contains(Self.defaultPrimary) ? Self.defaultPrimary : metrics.first(where: \.isPairMetric)
    }

    func validate() throws {
        let pairMetrics = MetricName.allCases.filter(\.isPairMetric).map(\.rawValue).joined(separator: ", ")
        if let primary {
            guard primary.isPairMetric else { throw ValidationError("--primary must be a pair metric: \(pairMetrics)") }
            if let metrics, !metrics.contains(primary) {
                throw ValidationError("--primary \(primary.rawValue) must be among --metrics")
            }
        }
        guard bootstrap >= 0, bootstrap <= 100_000 else { throw ValidationError("--bootstrap must be in 0…100000") }
        guard knnK >= 1 else { throw ValidationError("--knn-k must be ≥ 1") }
        guard components >= 1 else { throw ValidationError("--components must be ≥ 1") }
        guard lsarRank >= 0 else { throw ValidationError("--lsar-rank must be ≥ 0") }
        guard rbfScale > 0, rbfScale.isFinite else { throw ValidationError("--rbf-scale must be positive") }
    }

    func run() throws {
        if let threads = threads.threads { BLASThreads.set(threads) }
        let outputURL = URL(fileURLWithPath: output)
        try Self.prepareOutput(outputURL)
        let url = URL(fileURLWithPath: activations)
        let reader = try ActivationsReader(url: url, allowIncomplete: allowIncomplete)
        let full = try ActivationsLayerSource(reader: reader, pool: pool)
        let written = try reader.writtenRows()
        let selection = try AlignSelection.choose(
            fileLanguages: reader.languages, written: written.rows, total: reader.ids.count, requested: languages,
            pivot: pivot, batches: reader.isComplete ? nil : (written.batchesDone, written.batchesTotal), file: activations)
        if let notice = selection.notice { FileHandle.standardError.write(Data("\(notice)\n".utf8)) }
        let range = layers ?? LayerRange(argument: "0-\(max(0, full.layerCount - 1))")!
        guard range.upper < full.layerCount else {
            throw AlignmentError.invalidSetting("--layers \(range.text): \(activations) has layers 0-\(full.layerCount - 1)")
        }
        let source = SelectedLayerSource(base: full, languages: selection.languages, sentenceCount: selection.rows,
                                         firstLayer: range.lower, layerCount: range.upper - range.lower + 1)
        // Without a pair metric there is no peak; the analysis still needs a (unused) primary name.
        let settings = AlignmentSettings(
            pool: pool, pivot: pivot, pairs: pairs,
            metrics: metrics ?? MetricName.allCases, bootstrap: bootstrap, seed: seed,
            primary: primaryMetric ?? Self.defaultPrimary, rbfScale: rbfScale, knnK: knnK,
            components: components, lsarRank: lsarRank, normalize: normalize)
        let quiet = self.quiet
        let started = Date()
        let analysis = threads.threads.map { AlignmentAnalysis(settings: settings, workers: $0, streaming: stream) }
            ?? AlignmentAnalysis(settings: settings, streaming: stream)
        // Pseudo-values carry the file's layer numbers, like the outputs (row l = the l-th analysed layer).
        let pseudoValues = noPseudoValues ? nil : try PseudoValueWriter(
            url: outputURL.appendingPathComponent(PseudoValues.fileName), ids: Array(reader.ids.prefix(selection.rows)),
            layers: Array(range.lower..<(range.lower + source.layerCount)))
        var outcome = try analysis.run(
            source, sourceInfo: sourceInfo(reader), toolVersion: Interlingua.version, pseudoValues: pseudoValues,
            progress: { message in
                if !quiet { FileHandle.standardError.write(Data("align: \(message)\n".utf8)) }
            })
        // The analysis numbered the selected layers from 0; the outputs use the file's numbers.
        outcome.report.offsetLayers(by: range.lower)
        var files = try AlignmentOutputs.write(outcome, ids: Array(reader.ids.prefix(selection.rows)), to: outputURL)
        if let pseudoValues {
            try pseudoValues.finish()
            files.append(pseudoValues.url)
        }
        print(AlignmentOutputs.table(outcome.report))
        for warning in outcome.report.warnings ?? [] {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        if !quiet {
            let elapsed = String(format: "%.1f", Date().timeIntervalSince(started))
            FileHandle.standardError.write(Data("align: wrote \(files.map(\.path).joined(separator: ", ")) in \(elapsed) s\n".utf8))
        }
    }

    /// Checks the output folder before any compute: an existing file is refused, a missing folder created
    /// (so an unwritable place fails now, not after the analysis).
    static func prepareOutput(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw AlignmentError.writeFailed(path: url.path, reason: "it is a file; --output names a folder (created if missing)")
        }
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw AlignmentError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    private func sourceInfo(_ reader: ActivationsReader) -> SourceInfo {
        typealias A = ActivationsLayout.Attribute
        var rendered: [String: String] = [:]
        for (name, value) in reader.attributes {
            switch value {
            case let .int(v): rendered[name] = "\(v)"
            case let .double(v): rendered[name] = "\(v)"
            case let .string(v): rendered[name] = v
            case let .ints(v): rendered[name] = v.map { "\($0)" }.joined(separator: ",")
            case let .doubles(v): rendered[name] = v.map { "\($0)" }.joined(separator: ",")
            case let .strings(v): rendered[name] = v.joined(separator: ",")
            }
        }
        return SourceInfo(
            path: URL(fileURLWithPath: activations).standardizedFileURL.path, model: reader.stringAttribute(A.model), architecture: reader.stringAttribute(A.architecture),
            nLayers: reader.integerAttribute(A.nLayers), dModel: reader.integerAttribute(A.dModel),
            template: reader.stringAttribute(A.template), pooling: reader.stringAttribute(A.pooling),
            bosInPool: reader.integerAttribute(A.bosInPool), toolVersion: reader.stringAttribute(A.toolVersion),
            created: reader.stringAttribute(A.created), attributes: rendered)
    }
}
