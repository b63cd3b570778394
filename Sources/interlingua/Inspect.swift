import ArgumentParser

/// `interlingua inspect` (built by its issue).
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(inspect: not built yet)")

    func run() throws {
        throw ValidationError("'inspect' is not built yet")
    }
}
