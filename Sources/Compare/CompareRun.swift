// One run of a comparison: an `align` output folder (alignment.json, and pseudovalues.h5 when align kept it).
import Alignment
import Foundation

/// An `interlingua align` result taking part in a comparison.
public struct CompareRun: Sendable {
    /// The name the run has in figures and tables (`--label name=DIR`, else the model's name).
    public var label: String
    /// The align folder it was read from.
    public var path: String
    public var report: AlignmentReport
    /// Per-sentence pseudo-values (nil for align outputs written before pseudovalues.h5 existed).
    public var pseudoValues: PseudoValues?

    public init(label: String, path: String, report: AlignmentReport, pseudoValues: PseudoValues?) {
        self.label = label
        self.path = path
        self.report = report
        self.pseudoValues = pseudoValues
    }

    /// Reads `folder/alignment.json` and, when present, `folder/pseudovalues.h5`.
    public static func read(folder: URL, label: String?) throws -> CompareRun {
        let json = folder.appendingPathComponent("alignment.json")
        guard FileManager.default.fileExists(atPath: json.path) else {
            throw CompareError.notAnAlignFolder(path: folder.path)
        }
        let report = try AlignmentReport.read(from: json)
        let pseudoURL = folder.appendingPathComponent(PseudoValues.fileName)
        let pseudo = FileManager.default.fileExists(atPath: pseudoURL.path) ? try PseudoValues.read(from: pseudoURL) : nil
        if let pseudo, pseudo.layers != report.layers || pseudo.ids.count != report.sentenceCount {
            throw CompareError.inconsistentRun(path: folder.path,
                                               reason: "\(PseudoValues.fileName) does not match alignment.json (layers or sentence count)")
        }
        return CompareRun(label: label ?? defaultLabel(report, folder: folder), path: folder.path, report: report,
                          pseudoValues: pseudo)
    }

    /// The model's name (file name without extension), else the folder's name.
    static func defaultLabel(_ report: AlignmentReport, folder: URL) -> String {
        if let name = report.source.attributes["model_name"], !name.isEmpty { return name }
        if let model = report.source.model, !model.isEmpty {
            let base = URL(fileURLWithPath: model).lastPathComponent
            for ext in [".gguf", ".safetensors", ".bin"] where base.hasSuffix(ext) { return String(base.dropLast(ext.count)) }
            return base
        }
        return folder.lastPathComponent
    }

    /// Transformer blocks: relative depth of layer l is l / blocks (0 = embeddings, 1 = the last block).
    public var blocks: Int { max(report.source.nLayers ?? (report.layers.count - 1), 1) }

    public func relativeDepth(_ layer: Int) -> Double { Double(layer) / Double(blocks) }

    /// Pair metric series names in the report.
    public var pairMetricNames: Set<String> { Set(report.pairMetrics.map(\.metric)) }
}
