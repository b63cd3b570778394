import ArgumentParser

/// `interlingua plot` (built by its issue).
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(plot: not built yet)")

    func run() throws {
        throw ValidationError("'plot' is not built yet")
    }
}
