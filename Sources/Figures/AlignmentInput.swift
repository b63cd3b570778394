// `plot`/`report` input kind: an `interlingua align` output folder, or its alignment.json.
import Alignment
import Foundation

/// An `align` output: `DIR/alignment.json` (given as DIR or as the file), recognised by its `format` key.
public struct AlignmentInput: FigureInput {
    public static let kindDescription = "an 'interlingua align' output folder (or its alignment.json)"
    public static let fileName = "alignment.json"

    public let report: AlignmentReport
    /// The alignment.json read.
    public let url: URL

    public static func recognises(_ probe: InputProbe) -> Bool {
        let file = probe.isDirectory ? probe.child(fileName) : probe
        return file.exists && !file.isDirectory && file.jsonFormat == AlignmentReport.format
    }

    public init(_ probe: InputProbe) throws {
        url = probe.isDirectory ? probe.url.appendingPathComponent(Self.fileName) : probe.url
        report = try Self.read(url)
    }

    public init(report: AlignmentReport, url: URL) {
        self.report = report
        self.url = url
    }

    /// Decodes and checks an alignment.json; a decoding failure is described in one line (the key path and
    /// the problem), never as the decoder's internal dump.
    public static func read(_ url: URL) throws -> AlignmentReport {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FiguresError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let report: AlignmentReport
        do { report = try JSONDecoder().decode(AlignmentReport.self, from: data) } catch let error as DecodingError {
            throw FiguresError.unreadable(path: url.path, reason: "not a valid alignment report: \(Self.describe(error))")
        } catch {
            throw FiguresError.unreadable(path: url.path, reason: "not a valid alignment report: \(error.localizedDescription)")
        }
        guard report.format == AlignmentReport.format else {
            throw FiguresError.unreadable(path: url.path, reason: "format is '\(report.format)', expected '\(AlignmentReport.format)'")
        }
        guard report.formatVersion <= AlignmentReport.currentFormatVersion else {
            throw FiguresError.unreadable(
                path: url.path,
                reason: "format_version \(report.formatVersion) is newer than this tool reads (\(AlignmentReport.currentFormatVersion))")
        }
        if let problem = report.consistencyProblem() {
            throw FiguresError.unreadable(path: url.path, reason: "inconsistent alignment report: \(problem)")
        }
        return report
    }

    /// `key path: problem` of a decoding error.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "top level" : text)
        }
        switch error {
        case let .keyNotFound(key, context): return "\(path(context.codingPath + [key])) is missing"
        case let .typeMismatch(type, context): return "\(path(context.codingPath)) is not a \(type)"
        case let .valueNotFound(type, context): return "\(path(context.codingPath)) is null, expected a \(type)"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "cannot be decoded"
        }
    }

    /// The report with `--model-name` as its model's name (titles read `model_name`).
    func named(_ options: FigureOptions) -> AlignmentReport {
        guard let name = options.modelName, !name.isEmpty else { return report }
        var named = report
        named.source.attributes["model_name"] = name
        return named
    }

    public func figures(_ options: FigureOptions) -> FigureSet {
        AlignmentFigures(report: named(options), joinTranslations: options.joinTranslations, companion: options.companion).drawable()
    }

    public func reportHTML(_ options: FigureOptions) throws -> String {
        AlignmentReportPage(report: named(options), joinTranslations: options.joinTranslations, corpus: options.corpus,
                            toolVersion: options.toolVersion, companion: options.companion).html()
    }

    /// The `--raw DIR` companion of `input`: an align output (folder or alignment.json) of the same layers,
    /// languages and pairs under a different `--normalize`; anything else is refused in one line.
    public static func companion(_ path: String, for input: any FigureInput) throws -> AlignmentReport {
        guard let input = input as? AlignmentInput else {
            throw FiguresError.unreadable(path: path, reason: "--raw applies to an 'interlingua align' output only")
        }
        let probe = InputProbe(path: path)
        guard probe.exists else { throw FiguresError.missing(path: path) }
        guard recognises(probe) else {
            throw FiguresError.unrecognised(path: path, found: probe.description, expected: [kindDescription])
        }
        let other = try AlignmentInput(probe).report
        let mine = input.report
        if other.layers != mine.layers || other.languages != mine.languages || other.pairs != mine.pairs
            || other.sentenceCount != mine.sentenceCount {
            throw FiguresError.unreadable(path: path, reason: "not the same layers, languages, pairs and sentences as \(input.url.path)")
        }
        if other.settings.normalize == mine.settings.normalize {
            throw FiguresError.unreadable(
                path: path, reason: "measured with the same --normalize \(mine.settings.normalize.argument) as \(input.url.path); --raw wants another normalisation (e.g. align --normalize none)")
        }
        return other
    }

    public func summaryLines() -> [String] {
        guard let peak = report.peak else { return [] }
        return ["alignment peak: layer \(peak.layer)\(AlignmentFigures.intervalText(peak)) "
                + "(\(peak.metric), mean over pairs \(String(format: "%.3f", peak.value)))"]
    }

    public var defaultFigureFolder: URL { url.deletingLastPathComponent().appendingPathComponent("figures") }
    public var defaultReportFile: URL { url.deletingLastPathComponent().appendingPathComponent("report.html") }
}
