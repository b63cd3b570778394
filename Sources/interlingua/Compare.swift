// `interlingua compare`: several align runs on one figure, on layers or relative depth, with paired
// bootstrap differences when the runs measured the same sentences.
import Alignment
import ArgumentParser
import Compare
import Figures
import Foundation

/// `interlingua compare RUN… --output DIR`.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare several align runs: curves on one axis (layers or relative depth), paired differences.",
        discussion: """
            Each RUN is an 'interlingua align' output folder; name it with --label NAME=DIR (default: the model's \
            name). Writes DIR/compare.json, DIR/compare.csv (\(CompareCSV.curvesHeader)), \
            DIR/compare-differences.csv (\(CompareCSV.differencesHeader)), DIR/comparison.svg and \
            DIR/difference.svg. Runs that measured the same sentences (same ids) are differenced with a paired \
            bootstrap (one resample design for both, from align's pseudovalues.h5); others unpaired, and the \
            output says so. Metrics, pairs or runs' features not shared by every run are left out and listed.
            """
    )

    @Argument(help: "align output folders (or NAME=DIR).")
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
        var loaded = try named.map { try CompareRun.read(folder: URL(fileURLWithPath: $0.path), label: $0.label) }
        // Runs of the same model get their folder's name instead of the model's (unless --label named them).
        for i in loaded.indices where named[i].label == nil
            && loaded.enumerated().contains(where: { $0.offset != i && $0.element.label == loaded[i].label }) {
            loaded[i].label = URL(fileURLWithPath: named[i].path).standardizedFileURL.lastPathComponent
        }
        var chosen = Comparison.defaultMetrics(loaded)
        for m in metrics ?? [] where !chosen.contains(m) { chosen.append(m) }
        let settings = CompareSettings(metrics: chosen, depth: depth ?? Comparison.defaultDepth(loaded),
                                       perPair: perPair, bootstrap: bootstrap, seed: seed)
        let report = try Comparison(runs: loaded, settings: settings).run(toolVersion: Interlingua.version)

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
        print("wrote \(outputURL.path)/{compare.json,compare.csv,compare-differences.csv,comparison.svg,difference.svg}")
    }

    func standardized(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    func write(_ data: Data, to url: URL) throws {
        do { try data.write(to: url, options: .atomic) } catch {
            throw CompareError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }
}

extension CompareSettings.Depth: ExpressibleByArgument {}
