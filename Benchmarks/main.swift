// `make bench`: one benchmark per file; this file only runs them in order.
import Foundation

let arguments = Set(CommandLine.arguments.dropFirst())
AlignmentBenchmark.run(quick: arguments.contains("--quick"))
