import ArgumentParser

/// `interlingua align` (built by its issue).
struct Align: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(align: not built yet)")

    func run() throws {
        throw ValidationError("'align' is not built yet")
    }
}
