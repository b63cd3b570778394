import ArgumentParser
import Checkpoints
import Foundation

/// `interlingua inspect MODEL`: what a checkpoint holds — architecture facts, tensors, tokenizer — and,
/// with `--tensor`, one tensor's statistics or its values as a NumPy file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a checkpoint (GGUF, safetensors, PyTorch .bin or Hugging Face folder).",
        discussion: """
        Prints architecture, layers, hidden size, heads, FFN size, vocabulary, RoPE, norm epsilon, context \
        length, tensor count and dtypes, tokenizer kind and total bytes. With --tensor NAME (canonical or the \
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
        let checkpoint = try Checkpoint.open(URL(fileURLWithPath: model))
        if let tensor {
            try describe(tensor, in: checkpoint)
            return
        }
        let summary = CheckpointSummary(checkpoint)
        if json {
            print(try summary.json())
            return
        }
        print(summary.text)
        if list {
            for name in checkpoint.tensorNames {
                let info = try checkpoint.info(name)
                let source = checkpoint.sourceName(of: name).flatMap { $0 == name ? nil : "  (\($0))" } ?? ""
                print("  \(name)  \(info.dtype.rawValue) \(info.shape)\(source)")
            }
        }
    }

    private func describe(_ name: String, in checkpoint: Checkpoint) throws {
        guard let canonical = checkpoint.canonicalName(for: name) else {
            throw CheckpointError.tensorNotFound(file: checkpoint.url.path, tensor: name)
        }
        let info = try checkpoint.info(canonical)
        if let dump, !force, FileManager.default.fileExists(atPath: dump) {
            throw CheckpointError.unsupported(file: dump, reason: "file exists (pass --force to replace it)")
        }
        let stats = try checkpoint.statistics(of: canonical)
        if json {
            let object: [String: Any] = [
                "name": canonical, "source_name": checkpoint.sourceName(of: canonical) ?? canonical,
                "dtype": info.dtype.rawValue, "shape": info.shape, "count": stats.count,
                "min": Double(stats.min), "max": Double(stats.max), "mean": stats.mean, "std": stats.std,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("""
            tensor  \(canonical)\(checkpoint.sourceName(of: canonical).flatMap { $0 == canonical ? nil : " (\($0))" } ?? "")
            dtype   \(info.dtype.rawValue)
            shape   \(info.shape)
            min     \(stats.min)
            max     \(stats.max)
            mean    \(stats.mean)
            std     \(stats.std)
            """)
        }
        if let dump {
            try NumPyFile.write(try checkpoint.decodeAll(canonical), shape: info.shape, to: URL(fileURLWithPath: dump), overwrite: force)
            FileHandle.standardError.write(Data("wrote \(dump)\n".utf8))
        }
    }
}
