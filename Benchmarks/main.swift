// `make bench`: one benchmark per file; this file only runs them in order.
// Arguments: --quick (3 languages in the trace benchmark, a smaller alignment problem, fewer new tokens),
// --only sgemm|trace|neurons|write|align|lens|generate, --weight-cache auto|off|SIZE (trace; default auto),
// --threads N (BLAS and the elementwise kernels; default every core).
import Foundation
import LinearAlgebra
import Models

BLASCore.relaunchIfMisdetected()
print("OpenBLAS kernels: \(BLASCore.name)")

let arguments = Array(CommandLine.arguments.dropFirst())
let only = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
func selected(_ name: String) -> Bool { only == nil || only == name }
func value(_ flag: String) -> String? {
    arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
if let threads = value("--threads").flatMap(Int.init) { BLASThreads.set(threads) }
let weightCache = value("--weight-cache").flatMap(WeightCache.init(argument:)) ?? .auto

var sgemmPeak = 0.0
if selected("sgemm") || selected("trace") { sgemmPeak = SgemmPeakBenchmark.run() }
if selected("trace") {
    let rows = TraceThroughputBenchmark.run(quick: arguments.contains("--quick"), weightCache: weightCache)
    // On a shared machine the peak varies with other load: measure it again after the traces, keep the best.
    print("")
    sgemmPeak = max(sgemmPeak, SgemmPeakBenchmark.run())
    TraceThroughputBenchmark.printSummary(rows, sgemmPeakGFLOPS: sgemmPeak)
}
if selected("neurons") { NeuronCountBenchmark.run(quick: arguments.contains("--quick")) }
if selected("write") { ActivationsWriteRateBenchmark.run() }
if selected("align") { AlignmentBenchmark.run(quick: arguments.contains("--quick")) }
if selected("lens") { LensBenchmark.run(quick: arguments.contains("--quick")) }
if selected("generate") { GenerationThroughputBenchmark.run(quick: arguments.contains("--quick")) }
