import ArgumentParser
import Checkpoints
import Corpus
import Foundation
import Tokenizers

/// `interlingua tokenize MODEL (--text STRING | --input CORPUS) [--no-bos]`: token ids as JSON lines.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the model's token ids of a text or of every sentence of a corpus, as JSON lines.",
        discussion: """
        Each output line is {"id": …, "lang": …, "ids": […]}, in input order (a TSV corpus row by row, \
        columns left to right; JSONL in line order; Flores language by language). With --text the id is "0" \
        and the language "x". BOS follows the model's own metadata unless --no-bos.
        """
    )

    @Argument(help: "A .gguf file or a Hugging Face model folder (or a bare tokenizer.model / tokenizer.json).")
    var model: String

    @Option(help: "A text to tokenize.")
    var text: String?

    @Option(help: "A corpus: TSV (id<TAB>lang…), JSONL ({\"id\",\"lang\",\"text\"}) or a Flores folder.")
    var input: String?

    @Option(help: "Comma-separated languages of the corpus to keep (default: all).")
    var languages: String?

    @Option(help: "Keep only the first N rows of the corpus.")
    var limit: Int?

    @Option(help: "Flores split: dev or devtest.")
    var split: String = "devtest"

    @Flag(help: "Never prepend BOS, whatever the model's metadata says.")
    var noBOS = false

    func validate() throws {
        if (text == nil) == (input == nil) { throw ValidationError("give exactly one of --text STRING or --input FILE") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let tokenizer = try Tokenizers.load(modelAt: URL(fileURLWithPath: model))
        let addBOS = !noBOS && tokenizer.addsBOSByDefault
        var output = JSONLinesWriter()
        if let text {
            output.write(id: "0", language: "x", ids: tokenizer.encode(text, addBOS: addBOS))
        } else if let input {
            let selected = languages.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            let corpus = try ParallelCorpus.load(URL(fileURLWithPath: input), languages: selected, split: split, limit: limit)
            for sentence in corpus.sentences {
                output.write(id: sentence.id, language: sentence.language, ids: tokenizer.encode(sentence.text, addBOS: addBOS))
            }
        }
        output.flush()
    }
}

/// Buffered JSON-lines output on stdout.
struct JSONLinesWriter {
    private var buffer = ""

    mutating func write(id: String, language: String, ids: [Int32]) {
        buffer += "{\"id\":\(Self.quoted(id)),\"lang\":\(Self.quoted(language)),\"ids\":["
        buffer += ids.map(String.init).joined(separator: ",")
        buffer += "]}\n"
        if buffer.utf8.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(buffer.utf8))
        buffer = ""
    }

    /// A JSON string literal (RFC 8259 §7: quote, backslash and control characters escaped).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
