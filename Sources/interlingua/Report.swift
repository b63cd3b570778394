import ArgumentParser
import Figures
import Foundation

/// `interlingua report INPUT [--output FILE.html]`: one self-contained page for an analysis output.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report (inline figures, summary at the peak, settings) of an 'align' output.",
        discussion: """
            INPUT is recognised by its content, as for plot. The page embeds everything (SVG figures, CSS): \
            it opens in a browser with no network. Without --output it is written as report.html next to the \
            input (inside the align folder).
            """
    )

    @Argument(help: "An 'interlingua align' output folder (with alignment.json), the alignment.json itself, or a lens file of 'interlingua lens'.")
    var input: String

    @Option(name: .shortAndLong, help: "The HTML file to write (default: report.html next to the input).")
    var output: String?

    @Flag(help: "Join each pivot sentence to its translations in the projection panels.")
    var joinTranslations = false

    @Option(help: "The corpus to name in the settings when the activation file does not record one (traced before provenance was recorded).")
    var corpus: String?

    @Option(help: "An 'align' output of the same activations with another --normalize (e.g. none), shown next to INPUT's curves.")
    var raw: String?

    @Option(name: .customLong("model-name"), help: "The model's name in figure titles (default: the name the input records).")
    var modelName: String?

    func run() throws {
        let opened = try FigureInputs.open(input)
        let companion = try raw.map { try AlignmentInput.companion($0, for: opened) }
        let url = output.map { URL(fileURLWithPath: $0) } ?? opened.defaultReportFile
        let html = try opened.reportHTML(FigureOptions(joinTranslations: joinTranslations,
                                                       toolVersion: Interlingua.version, corpus: corpus, companion: companion, modelName: modelName))
        try FigureFiles.write(html, to: url)
        print("wrote \(url.path)")
    }
}
