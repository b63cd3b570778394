import ArgumentParser
import Figures
import Foundation
import Neurons

/// `interlingua neurons ACTS.h5 --output DIR`: language-specific neurons (LAPE) from `trace --neurons` counts.
struct NeuronsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neurons",
        abstract: "Select language-specific neurons (LAPE, Tang et al. 2024) from the counts of 'trace --neurons'.",
        discussion: """
        p = active count / tokens per language, layer and FFN neuron; normalised over languages; entropy. Neurons \
        with some p above the --filter-quantile of all p are candidates; the --top-rate share of all neurons with the \
        lowest entropy is kept; each kept neuron belongs to every language whose p exceeds the --assign-quantile of \
        all p. Writes DIR/neurons.json (selected [layer, neuron] pairs per language, thresholds, per-layer counts), \
        DIR/neurons.csv and the figures neurons-per-layer.svg and neurons-overlap.svg.
        """
    )

    @Argument(help: "An activation file written by 'interlingua trace --neurons'.")
    var activations: String

    @Option(name: .shortAndLong, help: "Folder for neurons.json, neurons.csv and the figures.")
    var output: String

    @Option(help: "Candidate bar: quantile of all activation probabilities (decimal in (0, 1]).")
    var filterQuantile = "0.95"

    @Option(help: "Share of all neurons kept, lowest entropy first (decimal in (0, 1]).")
    var topRate = "0.01"

    @Option(help: "Assignment bar: quantile of all activation probabilities (decimal in (0, 1]).")
    var assignQuantile = "0.95"

    func settings() throws -> LAPESettings {
        func parse(_ text: String, _ name: String) throws -> ExactFraction {
            guard let f = ExactFraction(text), f.numerator > 0 else {
                throw ValidationError("\(name) must be a decimal in (0, 1] with at most 9 digits (got '\(text)')")
            }
            return f
        }
        return LAPESettings(filterQuantile: try parse(filterQuantile, "--filter-quantile"),
                            topRate: try parse(topRate, "--top-rate"), assignQuantile: try parse(assignQuantile, "--assign-quantile"))
    }

    func validate() throws { _ = try settings() }

    func run() throws {
        let settings = try self.settings()
        let (counts, model) = try NeuronCounts.read(from: URL(fileURLWithPath: activations))
        let result = try LAPE.select(counts, settings: settings)
        let dir = URL(fileURLWithPath: output)
        try result.write(to: dir, source: activations, model: model)
        let input = try NeuronsInput(url: dir.appendingPathComponent(NeuronsInput.fileName))
        _ = try FigureFiles.write(input.figures(FigureOptions()).figures, to: dir)
        print("LAPE: τ = \(String(format: "%.4f", result.threshold)), \(result.candidateCount) candidates, \(result.neurons.count) selected")
        let selected = result.selected
        print(result.languages.map { "\($0) \(selected[$0]?.count ?? 0)" }.joined(separator: ", "))
        print("wrote \(dir.appendingPathComponent("neurons.json").path), neurons.csv, neurons-per-layer.svg, neurons-overlap.svg")
    }
}
