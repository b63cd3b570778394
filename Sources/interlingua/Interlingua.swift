import ArgumentParser

/// The `interlingua` command: trace → align → plot.
@main
struct Interlingua: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "interlingua",
        abstract: "Find where a language model aligns languages: trace hidden states, measure alignment per layer, plot it.",
        version: version,
        subcommands: []
    )
}
