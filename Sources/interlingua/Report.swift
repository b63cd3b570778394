import ArgumentParser

/// `interlingua report` (built by its issue).
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(report: not built yet)")

    func run() throws {
        throw ValidationError("'report' is not built yet")
    }
}
