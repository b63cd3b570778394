import Checkpoints
import Corpus
import Foundation
import Tokenizers
import Tracing

/// The trace command's inputs from paths: corpus, tokenizer, and the model's identity for `--resume`.
enum TraceInputs {
    /// The corpus at `path` with the selected languages and rows, checked for tracing.
    static func corpus(at path: String, selection: CorpusSelection) throws -> ParallelCorpus {
        try ParallelCorpus.load(URL(fileURLWithPath: path), languages: selection.languages,
                                split: selection.split.rawValue, limit: selection.limit).checkedForTracing()
    }

    static func tokenizer(for checkpoint: Checkpoint) throws -> any Tokenizer {
        try Tokenizers.load(for: checkpoint)
    }

    /// Files of a model folder that define the model (outputs written next to them do not).
    static let modelFileSuffixes = [".bin", ".safetensors", ".gguf", ".model", "config.json", "tokenizer.json",
                                    "index.json", "added_tokens.json", "special_tokens_map.json"]

    /// Path, size and modification time of the checkpoint file, or of every file in its folder: a changed
    /// model changes the run fingerprint.
    static func identity(of url: URL) -> String {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        _ = fm.fileExists(atPath: url.path, isDirectory: &isDir)
        let files = isDir.boolValue
            ? ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
                .filter { name in modelFileSuffixes.contains { name.hasSuffix($0) } }
                .map { url.appendingPathComponent($0) }
            : [url]
        return files.map { file in
            let attributes = (try? fm.attributesOfItem(atPath: file.path)) ?? [:]
            let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(file.standardizedFileURL.path)|\(size)|\(modified)"
        }.joined(separator: ";")
    }
}
