import Activations
import Alignment
import Figures
import Foundation
import Testing
import TestSupport

/// One alignment report of the synthetic fixture (4 languages × 60 sentences × 9 layers), computed once.
enum FixtureReport {
    static let report: AlignmentReport = {
        // A failure here fails every test that uses it, with the error in the log.
        do {
            let reader = try ActivationsReader(url: TestPaths.fixture("alignment/activations.h5"))
            let source = try ActivationsLayerSource(reader: reader, pool: .mean)
            let analysis = AlignmentAnalysis(settings: AlignmentSettings(bootstrap: 20, seed: 1), workers: 1)
            return try analysis.run(source, sourceInfo: SourceInfo(path: "activations.h5", model: "synthetic"),
                                    toolVersion: "test").report
        } catch {
            fatalError("fixture alignment failed: \(error)")
        }
    }()

    /// The report written as `DIR/alignment.json` in a fresh folder; returns DIR.
    static func folder() throws -> URL {
        let dir = try TestPaths.temporaryDirectory("figures")
        try report.encoded().write(to: dir.appendingPathComponent("alignment.json"))
        return dir
    }
}

@Suite("The alignment figures show every pair and the peak")
struct AlignmentFigureTests {
    @Test("every figure is drawn, each titled with the model and marking the peak layer")
    func fourFigures() throws {
        let report = FixtureReport.report
        let peak = try #require(report.peak)
        let figures = AlignmentFigures(report: report).all()
        #expect(figures.map(\.fileName) == ["alignment-curves.svg", "normalization.svg", "pair-matrix.svg", "cka-layers.svg",
                                             "projections.svg", "separability.svg"])
        for figure in figures {
            #expect(figure.title.contains("synthetic"), "\(figure.title)")
            #expect(figure.svg.hasPrefix("<svg") || figure.svg.hasPrefix("<?xml"), "\(figure.fileName)")
        }
        #expect(figures[0].svg.contains("peak: layer \(peak.layer)"))
        // One legend entry per pair (pivot mode: the other language's code).
        for language in report.languages where language != report.settings.pivot {
            #expect(figures[0].svg.contains(">\(language)<"), "legend lacks \(language)")
        }
    }

    @Test("the same report draws byte-identical figures twice")
    func deterministic() {
        let a = AlignmentFigures(report: FixtureReport.report, joinTranslations: true).all()
        let b = AlignmentFigures(report: FixtureReport.report, joinTranslations: true).all()
        #expect(a == b)
    }

    @Test("the report page inlines every figure and names the peak layer in its summary")
    func reportPage() throws {
        let report = FixtureReport.report
        let html = AlignmentReportPage(report: report, toolVersion: "9.9.9").html()
        // Curves, normalization (diagnostics), layer CKA, projections, separability (pair matrix: pivot run).
        #expect(html.components(separatedBy: "<svg").count - 1 == 5)
        #expect(html.contains("peaks at layer \(try #require(report.peak).layer)"))
        #expect(html.contains("interlingua 9.9.9"))
    }
}

@Suite("plot and report recognise their input by its content")
struct FigureInputTests {
    @Test("an align folder and its alignment.json open as an alignment input with defaults next to it")
    func alignFolder() throws {
        let dir = try FixtureReport.folder()
        let byFolder = try FigureInputs.open(dir.path)
        #expect(byFolder is AlignmentInput)
        #expect(byFolder.defaultFigureFolder.standardizedFileURL == dir.appendingPathComponent("figures").standardizedFileURL)
        #expect(byFolder.defaultReportFile.standardizedFileURL == dir.appendingPathComponent("report.html").standardizedFileURL)
        let byFile = try FigureInputs.open(dir.appendingPathComponent("alignment.json").path)
        #expect(byFile.figures(FigureOptions()).figures.count == 5)
        #expect(byFile.summaryLines().first?.hasPrefix("alignment peak: layer ") == true)
    }

    @Test("an activation file is named as such, with the align command to run first")
    func activationFile() {
        let path = TestPaths.fixture("alignment/activations.h5").path
        #expect {
            _ = try FigureInputs.open(path)
        } throws: { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            return message.contains("activation file") && message.contains("interlingua align")
        }
    }

    @Test("a JSON file of another format and a folder without alignment.json are refused by what they are")
    func unrecognised() throws {
        let dir = try TestPaths.temporaryDirectory("figures-input")
        let other = dir.appendingPathComponent("other.json")
        try Data(#"{"format": "something.else"}"#.utf8).write(to: other)
        // Every drawable kind is offered (the activation file is recognised only to say what to run first).
        let drawable = FigureInputs.kinds.filter { $0 != ActivationFileInput.self }.map { $0.kindDescription }
        #expect(drawable.first == AlignmentInput.kindDescription)
        #expect(throws: FiguresError.unrecognised(path: other.path, found: "a JSON file of format 'something.else'",
                                                  expected: drawable)) {
            _ = try FigureInputs.open(other.path)
        }
        #expect(throws: FiguresError.unrecognised(path: dir.path, found: "a folder with no input this command knows",
                                                  expected: drawable)) {
            _ = try FigureInputs.open(dir.path)
        }
        #expect(throws: FiguresError.missing(path: dir.appendingPathComponent("none").path)) {
            _ = try FigureInputs.open(dir.appendingPathComponent("none").path)
        }
    }

    @Test("a damaged alignment.json is described by key path, not by the decoder's dump")
    func damagedReport() throws {
        let dir = try TestPaths.temporaryDirectory("figures-damaged")
        let url = dir.appendingPathComponent("alignment.json")
        var object = try #require(try JSONSerialization.jsonObject(with: FixtureReport.report.encoded()) as? [String: Any])
        object["layers"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        #expect(throws: FiguresError.unreadable(path: url.path, reason: "not a valid alignment report: layers is missing")) {
            _ = try FigureInputs.open(dir.path)
        }
    }
}
