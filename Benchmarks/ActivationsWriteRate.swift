// Write rate of the activation file as the tracer uses it: preallocated contiguous datasets, one hyperslab
// per batch covering all layers of a block of sentences, a flush and a journal replacement after each batch.
import Activations
import Foundation

enum ActivationsWriteRateBenchmark {
    static func run() {
        let layers = 32, n = 2000, d = 2048, batchRows = 100
        print("\nactivation file write rate (pooled [\(layers + 1), \(n), \(d)] float32, batches of \(batchRows) sentences)")
        do {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interlingua-write-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let url = dir.appendingPathComponent("rate.h5")
            let header = ActivationsHeader(
                model: "bench", architecture: "llama", nLayers: layers, dModel: d, template: "raw", instruction: "",
                pools: [.mean], bosInPool: false, poolSpan: "sentence", toolVersion: "bench", runFingerprint: "bench",
                languages: ["en"], ids: (0..<n).map(String.init), texts: [(0..<n).map { "sentence \($0)" }],
                tokenIDs: [[Int32](repeating: 5, count: n)], tokenOffsets: [Array(0...n)],
                poolSpans: [Array(repeating: 0..<1, count: n)], tokenStates: false, subLayers: false)
            var start = DispatchTime.now().uptimeNanoseconds
            let writer = try ActivationsWriter.create(at: url, header: header)
            let createSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            let block = [Float](repeating: 0.25, count: (layers + 1) * batchRows * d)
            start = DispatchTime.now().uptimeNanoseconds
            var journalSeconds = 0.0
            for (k, first) in stride(from: 0, to: n, by: batchRows).enumerated() {
                try writer.writeLayerRows(ActivationsLayout.pooled(.mean, "en"), rows: first..<(first + batchRows), values: block)
                try writer.flush()
                let j = DispatchTime.now().uptimeNanoseconds
                try TraceJournal(fingerprint: "bench", state: .tracing, batchesDone: k + 1, batchesTotal: n / batchRows)
                    .write(for: url)
                journalSeconds += Double(DispatchTime.now().uptimeNanoseconds - j) * 1e-9
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            let megabytes = Double((layers + 1) * n * d * 4) / 1_048_576
            print(String(format: "  create + preallocate %.0f MiB: %.2f s; batch writes %.0f MiB/s (%.2f s, of which journal %.3f s)",
                         megabytes, createSeconds, megabytes / seconds, seconds, journalSeconds))
            try TraceJournal.remove(for: url)
        } catch {
            print("  failed: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
        }
    }
}
