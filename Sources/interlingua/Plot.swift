import ArgumentParser
import Figures
import Foundation

/// `interlingua plot INPUT [--output DIR]`: the SVG figures of an analysis output.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the figures (SVG) of an analysis output, e.g. an 'align' output folder.",
        discussion: """
            INPUT is recognised by its content. For an 'interlingua align' output (the folder or its \
            alignment.json) writes alignment-curves.svg (retrieval, cosine margin and debiased CKA per layer, \
            one line per pair, the alignment peak and its interval marked), cka-layers.svg (layer × layer \
            linear CKA), projections.svg (PCA of the sentence vectors at several layers, equal axis scales), \
            normalization.svg (raw against normalised curves, with --raw; the raw vectors' largest dimension), \
            pair-matrix.svg (language × language at the peak, after align --pairs all) and separability.svg; \
            the lexical-overlap baseline and the shuffled chance level are reference lines in the curves; \
            a figure the input has no data for is skipped and named. Without --output the figures go to \
            figures/ next to the input (inside the align folder). For a lens file ('interlingua lens') writes \
            lens-latent.svg (mean probability of the answer in the target language, English and the other answer \
            languages per layer with 95 % bootstrap bands, and the entropy), lens-table.svg (top token per layer \
            and prompt) and lens-curves.json (the plotted means and bands).
            """
    )

    @Argument(help: "An 'interlingua align' output folder (with alignment.json), the alignment.json itself, or a lens file of 'interlingua lens'.")
    var input: String

    @Option(name: .shortAndLong, help: "Folder for the SVG files (default: figures/ next to the input).")
    var output: String?

    @Flag(help: "Join each pivot sentence to its translations in the projection panels.")
    var joinTranslations = false

    @Option(help: "An 'align' output of the same activations with another --normalize (e.g. none): its curves are drawn next to INPUT's in normalization.svg.")
    var raw: String?

    @Option(name: .customLong("model-name"), help: "The model's name in figure titles (default: the name the input records).")
    var modelName: String?

    func run() throws {
        let opened = try FigureInputs.open(input)
        let companion = try raw.map { try AlignmentInput.companion($0, for: opened) }
        let folder = output.map { URL(fileURLWithPath: $0) } ?? opened.defaultFigureFolder
        let set = opened.figures(FigureOptions(joinTranslations: joinTranslations, toolVersion: Interlingua.version,
                                               companion: companion, modelName: modelName))
        for url in try FigureFiles.write(set.figures, to: folder) { print("wrote \(url.path)") }
        for file in set.dataFiles {
            let url = folder.appendingPathComponent(file.name)
            try FigureFiles.write(file.text, to: url)
            print("wrote \(url.path)")
        }
        for skipped in set.skipped { print("skipped \(skipped.fileName): \(skipped.reason)") }
        for line in opened.summaryLines() { print(line) }
    }
}
