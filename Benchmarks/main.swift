// `make bench`: one benchmark per file; this file only runs them in order.
// Arguments: --quick (3 languages in the trace benchmark, a smaller alignment problem, fewer new tokens),
// --only sgemm|trace|neurons|write|align|align-scale|lens|generate, --weight-cache auto|off|SIZE (trace; default
// auto), --batch-tokens N (trace; default 2048, the CLI's), --repeats N (rounds of trace runs, each case's fastest reported; default 3, 1 with --quick), --threads N
// (BLAS and the elementwise kernels; default every core). `align-scale` (not in the default run)
// is the alignment benchmark at another shape: --languages L --layers T --dimension D [--pairs all] [--stream]
// (docs/alignment.md); `align-file --output PATH` (same shape options) writes its data as an activation file.
import Foundation
import LinearAlgebra
import Models

BLASCore.relaunchIfNeeded()
HeapPolicy.retainFreedMemory()
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
    // On a shared machine the peak varies with other load: it is measured again between the rounds of traces
    // and after them, the best kept, as each trace case keeps its fastest run.
    let repeats = value("--repeats").flatMap(Int.init) ?? (arguments.contains("--quick") ? 1 : 3)
    let rows = TraceThroughputBenchmark.run(quick: arguments.contains("--quick"), weightCache: weightCache,
                                            repeats: repeats,
                                            batchTokens: value("--batch-tokens").flatMap(Int.init) ?? 2048) {
        print("")
        sgemmPeak = max(sgemmPeak, SgemmPeakBenchmark.run())
    }
    print("")
    sgemmPeak = max(sgemmPeak, SgemmPeakBenchmark.run())
    TraceThroughputBenchmark.printSummary(rows, sgemmPeakGFLOPS: sgemmPeak)
}
if selected("neurons") { NeuronCountBenchmark.run(quick: arguments.contains("--quick")) }
if selected("write") { ActivationsWriteRateBenchmark.run() }
if selected("align") { AlignmentBenchmark.run(quick: arguments.contains("--quick")) }
if only == "align-scale" {
    func value(_ flag: String, _ fallback: Int) -> Int {
        arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil } ?? fallback
    }
    AlignmentBenchmark.run(languageCount: value("--languages", 204), layers: value("--layers", 2),
                           dimension: value("--dimension", 4096), sentences: value("--sentences", 1012),
                           allPairs: arguments.contains("all"), streaming: arguments.contains("--stream"))
}
if only == "align-file" {
    func value(_ flag: String, _ fallback: Int) -> Int {
        arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil } ?? fallback
    }
    let path = arguments.firstIndex(of: "--output").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } ?? "/tmp/align-scale.h5"
    AlignmentBenchmark.writeFile(path, languageCount: value("--languages", 204), layers: value("--layers", 2),
                                 dimension: value("--dimension", 4096), sentences: value("--sentences", 1012))
}
if selected("lens") { LensBenchmark.run(quick: arguments.contains("--quick")) }
if selected("generate") { GenerationThroughputBenchmark.run(quick: arguments.contains("--quick")) }
