import ArgumentParser
import Foundation
import LinearAlgebra

/// The `interlingua` command: trace → align → plot.
@main
struct Interlingua: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "interlingua",
        abstract: "Find where a language model aligns languages: trace hidden states, measure alignment per layer, plot it.",
        version: version,
        subcommands: [Inspect.self, Tokenize.self, Trace.self, Align.self, Plot.self, Report.self]
    )

    /// Runs the command. Errors of the library modules (typed enums conforming to `LocalizedError`) end in
    /// one line `error: …` on stderr and exit status 1; usage errors keep ArgumentParser's exit status 2.
    static func main() {
        BLASCore.relaunchIfMisdetected()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as LocalizedError {
            let message = error.errorDescription ?? String(describing: error)
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
