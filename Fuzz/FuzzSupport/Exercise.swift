// What each target does with a parsed checkpoint: decode every tensor (the first rows of large ones), so
// the fuzzer reaches the dequantization and bounds checks behind a successful open.
import Checkpoints

/// Decodes every tensor of `checkpoint`: whole when small, else its first row.
public func decodeEveryTensor(_ checkpoint: Checkpoint) throws {
    for name in checkpoint.tensorNames {
        let info = try checkpoint.info(name)
        let rows = info.elementCount <= 1 << 16 ? nil : (info.rows > 0 ? 0..<1 : 0..<0)
        let count = rows.map { $0.count * info.rowLength } ?? info.elementCount
        var out = [Float](repeating: 0, count: count)
        try out.withUnsafeMutableBufferPointer { try checkpoint.decode(name, rows: rows, into: $0) }
    }
}

/// Texts the tokenizer targets encode with each tokenizer they build: scripts, digits, white space,
/// control characters and an invalid-looking mix.
public let sampleTexts = [
    "Hello, world! 12345", "  Die Katzen schlafen.\n\tTab", "日本語のテキスト", "Привет мир", "<s></s><unk>",
    "\u{0}\u{1}\u{7F}", "émoji 🙂 combining e\u{301}", "",
]
