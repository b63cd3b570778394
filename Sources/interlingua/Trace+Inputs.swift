import Activations
import Checkpoints
import Corpus
import Foundation
import Models
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

// MARK: - Provenance

extension TraceInputs {
    /// Where digests are cached: `$INTERLINGUA_CACHE/sha256.json` (default `~/.cache/interlingua`).
    static var digestCache: FileDigestCache {
        let base = ProcessInfo.processInfo.environment["INTERLINGUA_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache/interlingua")
        return FileDigestCache(url: base.appendingPathComponent("sha256.json"))
    }

    /// The model's own name: GGUF `general.name`, a Hugging Face config's `_name_or_path`, else the file or
    /// folder name.
    static func modelName(_ checkpoint: Checkpoint) -> String {
        if let name = checkpoint.metadata["general.name"]?.string, !name.isEmpty { return name }
        let config = checkpoint.url.appendingPathComponent("config.json")
        if let data = try? Data(contentsOf: config),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let name = object["_name_or_path"] as? String, !name.isEmpty {
            return name
        }
        return checkpoint.url.standardizedFileURL.lastPathComponent
    }

    /// The files whose bytes define the model: the checkpoint file, or the model files of a folder by name.
    static func modelFiles(_ url: URL) -> [(name: String, url: URL)] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
            return [(url.lastPathComponent, url)]
        }
        return ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
            .filter { name in modelFileSuffixes.contains { name.hasSuffix($0) } }
            .map { ($0, url.appendingPathComponent($0)) }
    }

    /// Provenance attributes of a trace (names: `ActivationsLayout.Attribute`): absolute paths, the model's
    /// name, SHA-256 of the model and corpus bytes (streamed; cached by size and modification time), the
    /// corpus format and Flores split. `progress` hears of each file hashed in full.
    static func provenance(model url: URL, checkpoint: Checkpoint, corpus: ParallelCorpus, split: FloresSplit,
                           cache: FileDigestCache = digestCache,
                           progress: ((URL, Int) -> Void)? = nil) throws -> [String: String] {
        typealias A = ActivationsLayout.Attribute
        let modelURL = url.standardizedFileURL
        let corpusURL = URL(fileURLWithPath: corpus.source).standardizedFileURL
        var attributes = [A.modelPath: modelURL.path, A.modelName: modelName(checkpoint),
                          A.corpus: corpusURL.path, A.corpusFormat: corpus.format.rawValue]
        let modelFiles = modelFiles(modelURL)
        attributes[A.modelSHA256] = modelFiles.count == 1 && modelFiles[0].url == modelURL
            ? try cache.sha256(of: modelURL, progress: progress)
            : try cache.sha256(ofFiles: modelFiles, progress: progress)
        if corpus.format == .flores {
            // The files read: `<split>/<lang>.<split>` (or `<lang>.<split>` directly in the folder).
            let nested = corpusURL.appendingPathComponent(split.rawValue)
            let folder = FileManager.default.fileExists(atPath: nested.path) ? nested : corpusURL
            let prefix = folder == nested ? "\(split.rawValue)/" : ""
            attributes[A.corpusSHA256] = try cache.sha256(ofFiles: corpus.languages.map {
                (prefix + "\($0).\(split.rawValue)", folder.appendingPathComponent("\($0).\(split.rawValue)"))
            }, progress: progress)
            attributes[A.corpusSplit] = split.rawValue
        } else {
            attributes[A.corpusSHA256] = try cache.sha256(of: corpusURL, progress: progress)
        }
        return attributes
    }
}

// MARK: - Early checks and notices

extension TraceInputs {
    /// What a path holds, judged by its first bytes (and a folder by its files): "a model (GGUF file)",
    /// "a corpus (TSV file)", … or nil when it is neither recognisably.
    static func kind(of path: String) -> (isModel: Bool, description: String)? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return nil }
        let url = URL(fileURLWithPath: path)
        if isDir.boolValue {
            let names = Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            if names.contains("config.json") { return (true, "a model (Hugging Face folder with config.json)") }
            if names.contains("dev") || names.contains("devtest") { return (false, "a corpus (Flores folder)") }
            return nil
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 16)) ?? Data())
        if head.starts(with: Array("GGUF".utf8)) { return (true, "a model (GGUF file)") }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return (true, "a model (PyTorch .bin zip)") }
        if head.count >= 9, head[8] == UInt8(ascii: "{"), url.pathExtension == "safetensors" {
            return (true, "a model (safetensors file)")
        }
        if head.starts(with: Array("id\t".utf8)) { return (false, "a corpus (TSV file)") }
        if head.first == UInt8(ascii: "{"), url.pathExtension == "jsonl" { return (false, "a corpus (JSONL file)") }
        return nil
    }

    /// Refuses a model given where the corpus goes and a corpus given where the model goes (#16.5: swapped
    /// arguments were reported as `model.gguf:1: invalid UTF-8`).
    static func checkKinds(model: String, corpus: String,
                           usage: String = "trace takes the model first: interlingua trace MODEL CORPUS --output FILE.h5") throws {
        if let found = kind(of: corpus), found.isModel {
            throw CLIError.wrongKind(path: corpus, expected: "a corpus (TSV, JSONL or a Flores folder)",
                                     found: found.description, hint: usage)
        }
        if let found = kind(of: model), !found.isModel {
            throw CLIError.wrongKind(path: model, expected: "a model (GGUF, safetensors, .bin or a Hugging Face folder)",
                                     found: found.description, hint: usage)
        }
    }

    /// What `--token-states` will write: (n_layers + 1) × tokens × d float32 values, and the free space.
    static func tokenStatesNotice(plan: TracePlan, config: ModelConfig, output: URL) -> String {
        let bytes = Double(config.nLayers + 1) * Double(plan.tokenCount) * Double(config.dModel) * 4
        var text = "--token-states will write \(gigabytes(bytes)) to \(output.lastPathComponent) "
            + "(\(config.nLayers + 1) layers × \(plan.tokenCount) tokens × d \(config.dModel) float32)"
        var stats = statvfs()
        if statvfs(output.deletingLastPathComponent().path, &stats) == 0 {
            let free = Double(stats.f_bavail) * Double(stats.f_frsize)
            text += "; \(gigabytes(free)) free there" + (free < bytes ? " — NOT ENOUGH" : "")
        }
        return text
    }

    static func gigabytes(_ bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.1f MB", bytes / 1e6)
    }
}
