// A measurement, not an assertion: encoding speed on the shared corpus strings.
import Foundation
import Testing
import Tokenizers

@Suite("Encoding throughput is measured on the Django corpus strings")
struct ThroughputMeasurement {
    @Test(arguments: [
        ("tiny-mllama", "tiny-mllama/reference/tokens.jsonl", 0), ("gemma-3-270m", "gemma-3-270m-q4_k_m/tokens.jsonl", 1),
        ("smollm2-135m", "smollm2-135m-instruct-q4_1/tokens.jsonl", 2),
    ])
    func measure(name: String, fixture: String, model: Int) throws {
        let tokenizer = try [ModelTokenizers.tinyMLlama, ModelTokenizers.gemma3, ModelTokenizers.smolLM2][model].get()
        let texts = try ReferenceTokens.load(fixture).map(\.text)
        let bytesPerPass = texts.reduce(0) { $0 + $1.utf8.count }
        let passes = max(1, 1_000_000 / bytesPerPass)
        var tokens = 0
        let start = ContinuousClock.now
        for _ in 0..<passes { for t in texts { tokens += tokenizer.encode(t).count } }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let megabytes = Double(bytesPerPass * passes) / 1e6
        print("throughput \(name): \(String(format: "%.2f", megabytes)) MB in \(String(format: "%.3f", seconds)) s = \(String(format: "%.2f", megabytes / seconds)) MB/s, \(String(format: "%.0f", Double(tokens) / seconds)) tokens/s (1 thread)")
        #expect(tokens > 0)
    }
}
