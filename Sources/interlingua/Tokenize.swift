import ArgumentParser

/// `interlingua tokenize` (built by its issue).
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(tokenize: not built yet)")

    func run() throws {
        throw ValidationError("'tokenize' is not built yet")
    }
}
