import ArgumentParser
import Foundation
import HDF5

/// `interlingua probe-hdf5 FILE` (hidden): the child process of `HDF5Probe` — reads every metadata
/// structure of FILE so that the parent learns whether libhdf5 survives it. Its exit status is the answer
/// (`HDF5Probe.finished`, `HDF5Probe.outOfMemory`; a signal: libhdf5 crashed). Not for users.
struct ProbeHDF5: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe-hdf5",
        abstract: "Read every metadata structure of an HDF5 file (the tool's crash-safe probe; internal).",
        shouldDisplay: false
    )

    @Option(help: "The parent's timeout; the probe ends itself a second later.")
    var seconds = 10

    @Argument(help: "The HDF5 file.")
    var file: String

    func run() throws {
        Foundation.exit(HDF5Probe.childMain(URL(fileURLWithPath: file), seconds: seconds))
    }
}
