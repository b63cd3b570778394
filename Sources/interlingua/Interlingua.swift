import ArgumentParser
import Foundation
import HDF5
import LinearAlgebra

/// The `interlingua` command: trace → align → plot.
@main
struct Interlingua: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "interlingua",
        abstract: "Find where a language model aligns languages: trace hidden states, measure alignment per layer, plot it.",
        discussion: """
            Exit status: 0 on success; 1 on an error in an input or output (one line 'error: …' on stderr \
            naming the file and the problem); 2 on a usage error (an unknown or invalid option: 'error: …', \
            then the usage).
            """,
        version: version,
        subcommands: [Inspect.self, Tokenize.self, Trace.self, Merge.self, Align.self, CompareCommand.self, Plot.self, Report.self,
                      Generate.self, Langid.self, ResponsesCommand.self, NeuronsCommand.self, Perplexity.self,
                      Lens.self, LensTasksCommand.self, ProbeHDF5.self]
    )

    /// Exit status of a usage error (POSIX utilities and GNU tools use 2; ArgumentParser's own is 64).
    static let usageErrorStatus: Int32 = 2

    /// Runs the command. Errors of the library modules (typed enums conforming to `LocalizedError`) end in
    /// one line `error: …` on stderr and exit status 1; usage errors print `error: …` and the usage and
    /// exit with status 2; `--help` and `--version` exit 0.
    static func main() {
        BLASCore.relaunchIfNeeded()
        HeapPolicy.retainFreedMemory()
        // Every HDF5 file this process opens is first read by a child (`interlingua probe-hdf5`): a libhdf5
        // crash or loop on corrupt metadata then ends in one error line (HDF5Probe). The child itself reads
        // directly.
        if CommandLine.arguments.dropFirst().first != ProbeHDF5.configuration.commandName {
            HDF5Probe.command = ["/proc/self/exe", ProbeHDF5.configuration.commandName ?? "probe-hdf5"]
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as LocalizedError {
            let message = error.errorDescription ?? String(describing: error)
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            // --help, --version and explicit exit codes keep ArgumentParser's handling.
            guard code == .validationFailure else { exit(withError: error) }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst("Error: ".count) }
            FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
            Foundation.exit(usageErrorStatus)
        }
    }
}
