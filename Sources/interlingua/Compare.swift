// `interlingua compare`: several align runs on one figure, on layers or relative depth, with paired
// bootstrap differences when the runs measured the same sentences.
import Alignment
import ArgumentParser
import Compare
import Activations
import Figures
import Foundation
import Responses

/// `interlingua compare RUN… --output DIR`.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare several align, lens or responses runs: curves on one axis, paired differences.",
        discussion: """
            Each RUN is an 'interlingua align' output folder, an activation file of 'interlingua trace' (aligned \
            first into DIR/aligned/NAME/ with the settings of the first align folder given, else align's defaults), \
            an 'interlingua lens' file (LENS.h5) or an \
            'interlingua responses' output folder (or its responses.json); name it with --label NAME=DIR (default: \
            the model's name). Lens runs: mean p(target) and p(English) per layer with bootstrap bands over \
            prompts, paired differences over shared prompt ids. Responses runs: same-language answer rate per \
            instruction language, paired over shared prompt ids. Runs of a kind given only once are left out \
            (and listed). Writes DIR/compare.json, DIR/compare.csv (\(CompareCSV.curvesHeader)), \
            DIR/compare-differences.csv (\(CompareCSV.differencesHeader)), DIR/comparison.svg and \
            DIR/difference.svg. Runs that measured the same sentences (same ids) are differenced with a paired \
            bootstrap (one resample design for both, from align's pseudovalues.h5); others unpaired, and the \
            output says so. Metrics, pairs or runs' features not shared by every run are left out and listed.
            """
    )

    @Argument(help: "align output folders, activation files, lens files or responses outputs (or NAME=PATH).")
    var runs: [String] = []

    @Option(name: .shortAndLong, help: "Output folder (created if missing; existing compare files are replaced).")
    var output: String

    @Option(name: .customLong("label"), help: "NAME=DIR: the name of the run in DIR (repeatable).")
    var labels: [String] = []

    @Option(help: ArgumentHelp("Comma-separated metrics to compare besides the first run's primary metric.", valueName: "list"),
            transform: CommaList.items)
    var metrics: [String]?

    @Option(help: "x axis: absolute (layers) or relative (layer / blocks; default when the runs' depths differ).")
    var depth: CompareSettings.Depth?

    @Flag(name: .customLong("per-pair"), help: "Also compare every shared language pair's curve.")
    var perPair = false

    @Option(help: "Bootstrap resamples of sentences (0 disables intervals).")
    var bootstrap: Int = 1000

    @Option(help: "Seed of the resample design.")
    var seed: UInt64 = 0

    func validate() throws {
        guard runs.count + labels.count >= 2 else { throw ValidationError("give at least two runs to compare") }
        for label in labels where !label.contains("=") {
            throw ValidationError("--label takes NAME=DIR, got '\(label)'")
        }
        guard (0...100_000).contains(bootstrap) else { throw ValidationError("--bootstrap must be in 0…100000") }
    }

    func run() throws {
        var named: [(label: String?, path: String)] = runs.map { entry in
            if let eq = entry.firstIndex(of: "="), !FileManager.default.fileExists(atPath: entry) {
                return (String(entry[..<eq]), String(entry[entry.index(after: eq)...]))
            }
            return (nil, entry)
        }
        for label in labels {
            guard let eq = label.firstIndex(of: "=") else { continue }
            let name = String(label[..<eq]), path = String(label[label.index(after: eq)...])
            if let i = named.firstIndex(where: { standardized($0.path) == standardized(path) }) {
                named[i].label = name
            } else {
                named.append((name, path))
            }
        }
        let outputURL = URL(fileURLWithPath: output)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CompareError.writeFailed(path: output, reason: "exists and is not a folder")
        }
        var kinds = try named.map { try kind(of: $0.path) }
        // Activation files are aligned first, into DIR/aligned/<name>/, with the settings of the first align
        // folder given (else align's defaults), and then compared as align runs.
        if kinds.contains(.activations) {
            let template = try zip(named, kinds).first { $0.1 == .align }
                .map { try AlignmentReport.read(from: URL(fileURLWithPath: $0.0.path).appendingPathComponent("alignment.json")).settings }
            for i in named.indices where kinds[i] == .activations {
                let folder = outputURL.appendingPathComponent("aligned")
                    .appendingPathComponent(URL(fileURLWithPath: named[i].path).deletingPathExtension().lastPathComponent)
                try alignOnTheFly(named[i].path, into: folder, settings: template)
                named[i].path = folder.path
                kinds[i] = .align
            }
        }
        func ofKind(_ k: RunKind) -> [(label: String?, path: String)] { zip(named, kinds).filter { $0.1 == k }.map { $0.0 } }
        var leftOut: [String] = []
        for k in RunKind.allCases where k != .activations && ofKind(k).count == 1 {
            leftOut.append("\(ofKind(k)[0].path): the only \(k.rawValue) run, nothing of its kind to compare it with")
        }
        guard RunKind.allCases.contains(where: { ofKind($0).count >= 2 }) else {
            throw CompareError.nothingInCommon("no two runs of the same kind (align or activation file, lens, responses): "
                + zip(named, kinds).map { "\($0.0.path) is \($0.1.rawValue)" }.joined(separator: ", "))
        }
        let alignNamed = ofKind(.align), lensNamed = ofKind(.lens), responsesNamed = ofKind(.responses)
        var report: CompareReport
        if alignNamed.count >= 2 {
            var loaded = try alignNamed.map { try CompareRun.read(folder: URL(fileURLWithPath: $0.path), label: $0.label) }
            // Runs of the same model get their folder's name instead of the model's (unless --label named them).
            for i in loaded.indices where alignNamed[i].label == nil
                && loaded.enumerated().contains(where: { $0.offset != i && $0.element.label == loaded[i].label }) {
                loaded[i].label = URL(fileURLWithPath: alignNamed[i].path).standardizedFileURL.lastPathComponent
            }
            var chosen = Comparison.defaultMetrics(loaded)
            for m in metrics ?? [] where !chosen.contains(m) { chosen.append(m) }
            let settings = CompareSettings(metrics: chosen, depth: depth ?? Comparison.defaultDepth(loaded),
                                           perPair: perPair, bootstrap: bootstrap, seed: seed)
            report = try Comparison(runs: loaded, settings: settings).run(toolVersion: Interlingua.version)
            report.leftOut += leftOut
        } else {
            report = .empty(settings: CompareSettings(metrics: [], depth: depth ?? .absolute, perPair: perPair,
                                                      bootstrap: bootstrap, seed: seed),
                            toolVersion: Interlingua.version, leftOut: leftOut)
        }
        if lensNamed.count >= 2 {
            let lensRuns = try distinctLabels(lensNamed.map { try lensRun($0.path, label: $0.label) }, lensNamed) { $0.label } set: { $0.label = $1 }
            var notes = report.leftOut
            report.lens = try LensComparator(runs: lensRuns, settings: report.settings).run(leftOut: &notes)
            report.leftOut = notes
        }
        if responsesNamed.count >= 2 {
            let responseRuns = try distinctLabels(responsesNamed.map { try responsesRun($0.path, label: $0.label) }, responsesNamed) { $0.label } set: { $0.label = $1 }
            var notes = report.leftOut
            report.responses = try ResponsesComparator(runs: responseRuns, settings: report.settings).run(leftOut: &notes)
            report.leftOut = notes
        }

        do { try FileManager.default.createDirectory(at: outputURL, withIntermediateDirectories: true) } catch {
            throw CompareError.writeFailed(path: output, reason: error.localizedDescription)
        }
        try write(try report.encoded(), to: outputURL.appendingPathComponent("compare.json"))
        try write(Data(CompareCSV.curves(report).utf8), to: outputURL.appendingPathComponent("compare.csv"))
        try write(Data(CompareCSV.differences(report).utf8), to: outputURL.appendingPathComponent("compare-differences.csv"))
        for figure in CompareFigures(report: report).all() {
            try write(Data(figure.svg.utf8), to: outputURL.appendingPathComponent(figure.fileName))
        }
        print(CompareReportPage.summaryLines(report).joined(separator: "\n"))
        for note in report.leftOut { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        let written = ["compare.json", "compare.csv", "compare-differences.csv"] + CompareFigures(report: report).all().map(\.fileName)
        print("wrote \(outputURL.path)/{\(written.joined(separator: ","))}")
    }

    enum RunKind: String, CaseIterable { case align, lens, responses, activations }

    /// `interlingua align FILE --output folder` with `settings` (every option alignment.json records), or
    /// align's defaults when nil; a line on stderr names the folder, align prints its table as it does alone.
    func alignOnTheFly(_ file: String, into folder: URL, settings: AlignmentSettings?) throws {
        var arguments = [file, "--output", folder.path, "--quiet"]
        if let s = settings {
            arguments += ["--pool", s.pool.rawValue, "--pivot", s.pivot,
                          "--pairs", s.pairs.rawValue, "--metrics", s.metrics.map(\.rawValue).joined(separator: ","),
                          "--bootstrap", "\(s.bootstrap)", "--seed", "\(s.seed)", "--primary", s.primary.rawValue,
                          "--rbf-scale", "\(s.rbfScale)", "--knn-k", "\(s.knnK)", "--components", "\(s.components)",
                          "--lsar-rank", "\(s.lsarRank)", "--normalize", s.normalize.argument]
        } else {
            arguments += ["--bootstrap", "\(bootstrap)", "--seed", "\(seed)"]
        }
        FileHandle.standardError.write(Data("compare: aligning \(file) into \(folder.path) (\(settings == nil ? "align's defaults" : "the settings of the first align folder"))\n".utf8))
        let align = try Align.parse(arguments)
        try align.validate()
        try align.run()
    }

    /// align folder (alignment.json), responses folder or file (responses.json), or lens file (HDF5 format
    /// "interlingua.lens").
    func kind(of path: String) throws -> RunKind {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CompareError.inconsistentRun(path: path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("alignment.json").path) { return .align }
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("responses.json").path) { return .responses }
            throw CompareError.notAnAlignFolder(path: path)
        }
        if url.lastPathComponent == "responses.json" { return .responses }
        if (try? LensFile.formatOf(url)) == LensLayout.format { return .lens }
        if (try? ActivationsReader(url: url)) != nil { return .activations }
        throw CompareError.inconsistentRun(path: path, reason: "neither an align folder, a lens file nor a responses output")
    }

    /// Runs of the same model get their path's name instead of the model's (unless --label named them).
    func distinctLabels<T>(_ runs: [T], _ named: [(label: String?, path: String)], get: (T) -> String,
                           set: (inout T, String) -> Void) throws -> [T] {
        var runs = runs
        for i in runs.indices where named[i].label == nil
            && runs.indices.contains(where: { $0 != i && get(runs[$0]) == get(runs[i]) }) {
            set(&runs[i], URL(fileURLWithPath: named[i].path).standardizedFileURL.lastPathComponent)
        }
        return runs
    }

    /// p(target) and p(English) of every prompt at its last position, per layer (NaN when the file has no
    /// probability for that language or position; such prompts are left out of the means).
    func lensRun(_ path: String, label: String?) throws -> LensCompareRun {
        let file = try LensFile(url: URL(fileURLWithPath: path))
        let layers = file.layerCount
        let nan = [Double](repeating: .nan, count: layers)
        func probabilities(_ lang: String, _ p: Int) -> [Double] {
            guard let values = file.languageProbability[lang], let row = file.lastRow(ofPrompt: p) else { return nan }
            return (0..<layers).map { Double(values[row * layers + $0]) }
        }
        let name = URL(fileURLWithPath: file.model).lastPathComponent
        let model = name.hasSuffix(".gguf") ? String(name.dropLast(5)) : name
        return LensCompareRun(label: label ?? model, path: path, model: file.model, blocks: file.nLayers, ids: file.ids,
                              pTarget: file.ids.indices.map { probabilities(file.targets[$0], $0) },
                              pEnglish: file.ids.indices.map { probabilities("en", $0) }, dropped: file.dropped.count)
    }

    /// Every identified answer: same = identified in its instruction language (empty answers are not).
    func responsesRun(_ path: String, label: String?) throws -> ResponsesCompareRun {
        let url = URL(fileURLWithPath: path)
        let json = url.pathExtension == "json" ? url : url.appendingPathComponent("responses.json")
        let analysis = try ResponseAnalysis.read(from: json)
        let answers = analysis.detections.map { d in
            ResponsesCompareRun.Answer(id: d.id, lang: d.lang ?? "und", same: d.detected == (d.lang ?? "und"))
        }
        let folder = url.pathExtension == "json" ? url.deletingLastPathComponent() : url
        let base = URL(fileURLWithPath: analysis.source).deletingPathExtension().lastPathComponent
        return ResponsesCompareRun(label: label ?? (base.isEmpty ? folder.lastPathComponent : base), path: path,
                                   identifier: analysis.identifier, answers: answers)
    }

    func standardized(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    func write(_ data: Data, to url: URL) throws {
        do { try data.write(to: url, options: .atomic) } catch {
            throw CompareError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }
}

extension CompareSettings.Depth: ExpressibleByArgument {}
