// Alignment analysis scaling: every measure on synthetic activations shaped like a Flores run of a 7B
// model (7 languages × 1012 sentences × 33 layers × d 4096), bootstrap 1000; prints time per measure.
import Activations
import Alignment
import Foundation
import LinearAlgebra

enum AlignmentBenchmark {
    /// `quick` shrinks the problem (N 256, 9 layers, d 1024) for a smoke run.
    static func run(quick: Bool = false) {
        let (n, layers, d) = quick ? (256, 9, 1024) : (1012, 33, 4096)
        run(languageCount: 7, layers: layers, dimension: d, sentences: n, allPairs: false)
    }

    /// The same synthetic activations at any shape: the first 7 languages are the default run's, further
    /// ones are named x007, x008, … (`--only align-scale`, e.g. Flores-200's 204 languages).
    static func run(languageCount: Int, layers: Int, dimension d: Int, sentences n: Int, allPairs: Bool, streaming: Bool = false) {
        let source = syntheticSource(languageCount: languageCount, layers: layers, dimension: d, sentences: n)
        let languages = source.languages
        let pairCount = allPairs ? languages.count * (languages.count - 1) / 2 : languages.count - 1
        print("alignment: \(languages.count) languages × \(n) sentences × \(layers) layers × d \(d), \(pairCount) pairs (\(allPairs ? "all" : "pivot")), bootstrap 1000, BLAS threads \(BLASThreads.count)\(streaming ? ", languages streamed" : "")")
        let started = DispatchTime.now().uptimeNanoseconds
        let outcome: AlignmentOutcome
        do {
            outcome = try AlignmentAnalysis(settings: AlignmentSettings(pairs: allPairs ? .all : .pivot, bootstrap: 1000, seed: 1), streaming: streaming)
                .run(source, sourceInfo: SourceInfo(path: "synthetic"))
        } catch {
            print("alignment: failed: \(error.localizedDescription)")
            return
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let generation = outcome.seconds["read"] ?? 0
        print("  " + "measure".padding(toLength: 30, withPad: " ", startingAt: 0) + "    wall s     CPU s")
        for (name, seconds) in outcome.seconds.sorted(by: { $0.value > $1.value }) {
            let label = name == "read" ? "read (synthetic generation)" : name
            print("  " + label.padding(toLength: 30, withPad: " ", startingAt: 0)
                  + String(format: "%10.2f%10.2f", seconds, outcome.cpuSeconds[name] ?? 0))
        }
        let cpu = outcome.cpuSeconds.values.reduce(0, +) - (outcome.cpuSeconds["read"] ?? 0)
        print(String(format: "alignment: total %.1f s wall, analysis without data generation %.1f s wall, %.1f s CPU (target < 60 s)", total, total - generation, cpu))
        if let peak = outcome.report.peak {
            print("alignment: peak layer \(peak.layer) [\(peak.layerCILow ?? -1), \(peak.layerCIHigh ?? -1)], \(peak.metric) \(String(format: "%.3f", peak.value))")
        }
        print("alignment: peak RSS \(peakResidentMegabytes()) MB, at most \(outcome.peakResidentLanguages) languages prepared at once")
    }

    /// The benchmark's synthetic activations: a shared "meaning" matrix weighted up towards 60 % depth, per
    /// language and layer noise, a per-language offset. The first 7 languages are the default run's, further
    /// ones are named x007, x008, ….
    static func syntheticSource(languageCount: Int, layers: Int, dimension d: Int, sentences n: Int) -> GeneratedLayerSource {
        let named = ["en", "ar", "de", "hi", "ru", "sw", "zh"]
        let languages = (0..<max(languageCount, 2)).map { $0 < named.count ? named[$0] : String(format: "x%03d", $0) }
        let meaning = syntheticMatrix(rows: n, cols: d, seed: 1)
        return GeneratedLayerSource(languages: languages, layerCount: layers, sentenceCount: n) { language, layer in
            // Alignment rises to a peak at 60% depth: shared meaning weighted up, language noise down.
            let depth = Double(layer) / Double(max(layers - 1, 1))
            let shared = Float(exp(-pow((depth - 0.6) / 0.25, 2)))
            let languageIndex = UInt64(languages.firstIndex(of: language) ?? 0)
            let noise = syntheticMatrix(rows: n, cols: d, seed: 1000 &* languageIndex &+ UInt64(layer) &+ 7)
            var m = Matrix<Float>(rows: n, cols: d)
            let offset = Float(languageIndex) * 0.05
            m.storage.withUnsafeMutableBufferPointer { out in
                meaning.storage.withUnsafeBufferPointer { s in
                    noise.storage.withUnsafeBufferPointer { e in
                        for i in 0..<(n * d) { out[i] = shared * s[i] + (1.2 - shared) * e[i] + offset }
                    }
                }
            }
            return m
        }
    }

    /// `--only align-file --output PATH`: the same synthetic activations written as an activation file
    /// (`/pooled/mean/<lang>` float32 [layers, N, d], complete), so `interlingua align` can be measured on a
    /// file of any shape (e.g. `/usr/bin/time -v interlingua align PATH --stream …`).
    static func writeFile(_ path: String, languageCount: Int, layers: Int, dimension d: Int, sentences n: Int) {
        let source = syntheticSource(languageCount: languageCount, layers: layers, dimension: d, sentences: n)
        let ids = (0..<n).map { "s\($0)" }
        let header = ActivationsHeader(
            model: "synthetic", architecture: "synthetic", nLayers: layers - 1, dModel: d, template: "raw", instruction: "",
            pools: [.mean], bosInPool: false, poolSpan: "sentence", toolVersion: "interlingua-bench", runFingerprint: "synthetic",
            languages: source.languages, ids: ids, texts: source.languages.map { l in ids.map { "\(l) \($0)" } },
            tokenIDs: source.languages.map { _ in (0..<n).map { Int32($0) } }, tokenOffsets: source.languages.map { _ in Array(0...n) },
            poolSpans: source.languages.map { _ in (0..<n).map { _ in 0..<1 } }, tokenStates: false, subLayers: false)
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let writer = try ActivationsWriter.create(at: URL(fileURLWithPath: path), header: header, overwrite: true)
            for language in source.languages {
                let values = (0..<layers).flatMap { source.generate(language, $0).storage }
                try writer.writeLayerRows(ActivationsLayout.pooled(.mean, language), rows: 0..<n, values: values)
            }
            try writer.markComplete()
        } catch {
            print("align-file: failed: \(error.localizedDescription)")
            return
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let gigabytes = Double(source.languages.count * layers * n * d * 4) / 1e9
        print(String(format: "align-file: wrote %@ (%d languages × %d sentences × %d layers × d %d, %.1f GB of vectors) in %.0f s",
                     path, source.languages.count, n, layers, d, gigabytes, seconds))
    }

    /// Uniform(−1, 1) floats from a xorshift64* stream (cheap; the benchmark measures analysis, not RNG).
    static func syntheticMatrix(rows: Int, cols: Int, seed: UInt64) -> Matrix<Float> {
        var m = Matrix<Float>(rows: rows, cols: cols)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        m.storage.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                let bits = (state &* 0x2545_F491_4F6C_DD1D) >> 40
                p[i] = Float(bits) / Float(1 << 23) - 1
            }
        }
        return m
    }

    /// VmHWM from /proc/self/status (Linux), in MB.
    static func peakResidentMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
        let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        return kilobytes / 1024
    }
}
