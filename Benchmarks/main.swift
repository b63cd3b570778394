// `make bench`: one benchmark per file; this file only runs them in order.
import Foundation

let arguments = Set(CommandLine.arguments.dropFirst())
let peak = SgemmPeakBenchmark.run()
TraceThroughputBenchmark.run(sgemmPeakGFLOPS: peak, quick: arguments.contains("--quick"))
AlignmentBenchmark.run(quick: arguments.contains("--quick"))
