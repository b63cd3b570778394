import ArgumentParser

/// `interlingua trace` (built by its issue).
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(trace: not built yet)")

    func run() throws {
        throw ValidationError("'trace' is not built yet")
    }
}
