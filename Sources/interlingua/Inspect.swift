import ArgumentParser
import Checkpoints
import Foundation
import Models

/// `interlingua inspect MODEL`: what a checkpoint holds — architecture facts, tensors, tokenizer — and,
/// with `--tensor`, one tensor's statistics or its values as a NumPy file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a checkpoint (GGUF, safetensors, PyTorch .bin or Hugging Face folder).",
        discussion: """
        Prints the model family, layers, hidden size, heads, FFN size, vocabulary, RoPE, norm epsilon, context \
        length, tensor count and dtypes, tokenizer kind, total bytes, the model's name, whether BOS is \
        prepended and whether a chat template is present, and every stored tensor the forward pass \
        would not use (with the family's reason), or why no family runs the checkpoint. With --tensor NAME (canonical or the \
        file's own name) prints that tensor's dtype, shape and value statistics; --dump FILE.npy writes it \
        decoded to float32.
        """
    )

    @Argument(help: "A .gguf or .safetensors file, a PyTorch .bin, or a Hugging Face model folder.")
    var model: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "List every tensor with its dtype and shape.")
    var list = false

    @Option(help: "A tensor to describe (canonical or source name).")
    var tensor: String?

    @Option(help: "Write the --tensor decoded to float32 as a NumPy .npy file.")
    var dump: String?

    @Flag(help: "Let --dump replace an existing file.")
    var force = false

    func validate() throws {
        if dump != nil, tensor == nil { throw ValidationError("--dump needs --tensor NAME") }
    }

    func run() throws {
        if let dump, !force, FileManager.default.fileExists(atPath: dump) {
            throw CLIError.outputExists(path: dump, hint: "pass --force to replace it")
        }
        let checkpoint = try Checkpoint.open(URL(fileURLWithPath: model))
        let resolved = try? ModelCheckpoint(checkpoint)
        if let tensor {
            try describe(tensor, in: checkpoint, resolved: resolved)
            return
        }
        let summary = CheckpointSummary(checkpoint)
        let facts = ModelFacts(checkpoint)
        if json {
            var object = (try? JSONSerialization.jsonObject(with: Data(try summary.json().utf8)) as? [String: Any]) ?? [:]
            for (key, value) in facts.json { object[key] = value }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(summary.text)
        print(facts.lines.joined(separator: "\n"))
        if list {
            if let resolved {
                for name in resolved.tensorNames {
                    let info = try resolved.info(name)
                    let source = resolved.sourceName(of: name).flatMap { $0 == name ? nil : "  (\($0))" } ?? ""
                    print("  \(name)  \(info.dtype.rawValue) \(info.shape)\(source)")
                }
                for skipped in resolved.skipped {
                    let info = try checkpoint.info(skipped.name)
                    print("  \(skipped.name)  \(info.dtype.rawValue) \(info.shape)  (not used: \(skipped.reason))")
                }
            } else {
                for name in checkpoint.tensorNames {
                    let info = try checkpoint.info(name)
                    print("  \(name)  \(info.dtype.rawValue) \(info.shape)")
                }
            }
        }
    }

    /// The tensor by canonical name (with the family's conventions applied) or by stored name.
    private func describe(_ name: String, in checkpoint: Checkpoint, resolved: ModelCheckpoint?) throws {
        let source: any DecodableTensors
        let shown: String, stored: String
        if let resolved, let canonical = resolved.canonicalName(for: name) {
            source = resolved
            shown = canonical
            stored = resolved.sourceName(of: canonical) ?? canonical
        } else if checkpoint.contains(name) {
            source = checkpoint
            shown = name
            stored = name
        } else {
            let names = (resolved?.tensorNames ?? []) + checkpoint.tensorNames
            throw CLIError.tensorNotFound(file: checkpoint.url.path, tensor: name,
                                          suggestions: Self.suggestions(for: name, among: Array(Set(names)).sorted()))
        }
        let info = try source.info(shown)
        let stats = try source.statistics(of: shown)
        if json {
            let object: [String: Any] = [
                "name": shown, "source_name": stored,
                "dtype": info.dtype.rawValue, "shape": info.shape, "count": stats.count,
                "min": Double(stats.min), "max": Double(stats.max), "mean": stats.mean, "std": stats.std,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("""
            tensor  \(shown)\(stored == shown ? "" : " (\(stored))")
            dtype   \(info.dtype.rawValue)
            shape   \(info.shape)
            min     \(stats.min)
            max     \(stats.max)
            mean    \(stats.mean)
            std     \(stats.std)
            """)
        }
        if let dump {
            try NumPyFile.write(try decodeAll(shown, from: source, info: info), shape: info.shape, to: URL(fileURLWithPath: dump), overwrite: force)
            FileHandle.standardError.write(Data("wrote \(dump)\n".utf8))
        }
    }

    private func decodeAll(_ name: String, from source: any DecodableTensors, info: TensorInfo) throws -> [Float] {
        guard info.byteCount <= 16 << 30 else {
            throw CheckpointError.unsupported(file: model, reason: "tensor \(name) is too large to decode at once")
        }
        var out = [Float](repeating: 0, count: info.elementCount)
        try out.withUnsafeMutableBufferPointer { try source.decode(name, rows: nil, into: $0) }
        return out
    }
}
