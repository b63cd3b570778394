import ArgumentParser
import Checkpoints
import Corpus
import Foundation
import Tokenizers

/// `interlingua tokenize MODEL (--text STRING | --input CORPUS) [--no-bos] [--pieces] [--summary]`: token ids
/// as JSON lines, or the per-language token counts.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the model's token ids of a text or of every sentence of a corpus, as JSON lines.",
        discussion: """
        Each output line is {"id": …, "lang": …, "ids": […]}, in input order (a TSV corpus row by row, \
        columns left to right; JSONL in line order; Flores language by language). With --text the id is "0" \
        and the language "x". BOS follows the model's own metadata unless --no-bos. --pieces adds \
        "pieces": the vocabulary string of every id. --summary prints instead, per language, sentences, \
        tokens, tokens per sentence and per character (BOS not counted) and the tokens relative to the \
        first language: how much more a language costs the model for the same content.
        """
    )

    @Argument(help: "A .gguf file or a Hugging Face model folder (or a bare tokenizer.model / tokenizer.json).")
    var model: String

    @Option(help: "A text to tokenize.")
    var text: String?

    @Option(help: "A corpus: TSV (id<TAB>lang…), JSONL ({\"id\",\"lang\",\"text\"}) or a Flores folder.")
    var input: String?

    @OptionGroup(title: "Corpus (with --input)")
    var selection: CorpusSelection

    @Flag(help: "Never prepend BOS, whatever the model's metadata says.")
    var noBOS = false

    @Flag(help: "Add the token strings (\"pieces\") to every line.")
    var pieces = false

    @Flag(help: "Print per-language token counts (fertility) instead of the token ids.")
    var summary = false

    func validate() throws {
        if (text == nil) == (input == nil) { throw ValidationError("give exactly one of --text STRING or --input FILE") }
        if text != nil, selection.languages != nil || selection.limit != nil {
            throw ValidationError("--languages and --limit select from an --input corpus, not from --text")
        }
        if summary, pieces { throw ValidationError("--summary prints counts, not tokens: drop --pieces") }
    }

    func run() throws {
        try TraceInputs.checkKinds(model: model, corpus: input ?? "",
                                   usage: "tokenize takes the model first: interlingua tokenize MODEL --input CORPUS")
        let tokenizer = try Tokenizers.load(modelAt: URL(fileURLWithPath: model))
        let addBOS = !noBOS && tokenizer.addsBOSByDefault
        let sentences: [ParallelCorpus.Sentence]
        if let text {
            sentences = [ParallelCorpus.Sentence(id: "0", language: "x", text: text)]
        } else {
            let corpus = try ParallelCorpus.load(URL(fileURLWithPath: input ?? ""), languages: selection.languages,
                                                 split: selection.split.rawValue, limit: selection.limit)
            sentences = corpus.sentences
        }
        if summary {
            var counts = FertilityTable()
            for sentence in sentences {
                let ids = tokenizer.encode(sentence.text, addBOS: false)
                counts.add(language: sentence.language, tokens: ids.count, characters: sentence.text.count)
            }
            print(counts.text, terminator: "")
            return
        }
        var output = JSONLinesWriter()
        for sentence in sentences {
            let ids = tokenizer.encode(sentence.text, addBOS: addBOS)
            output.write(id: sentence.id, language: sentence.language, ids: ids,
                         pieces: pieces ? ids.map { tokenizer.piece($0) } : nil)
        }
        output.flush()
    }
}

/// Buffered JSON-lines output on stdout.
struct JSONLinesWriter {
    private var buffer = ""

    mutating func write(id: String, language: String, ids: [Int32], pieces: [String]? = nil) {
        buffer += "{\"id\":\(Self.quoted(id)),\"lang\":\(Self.quoted(language)),\"ids\":["
        buffer += ids.map(String.init).joined(separator: ",")
        buffer += "]"
        if let pieces { buffer += ",\"pieces\":[" + pieces.map(Self.quoted).joined(separator: ",") + "]" }
        buffer += "}\n"
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

/// Per-language token counts: the tokenizer's "fertility", which differs a lot between languages and
/// scripts for the same content (Rust et al. 2021; Petrov et al. 2023, "Language model tokenizers introduce
/// unfairness between languages").
struct FertilityTable {
    private(set) var languages: [String] = []
    private var sentences: [String: Int] = [:]
    private var tokens: [String: Int] = [:]
    private var characters: [String: Int] = [:]

    mutating func add(language: String, tokens count: Int, characters chars: Int) {
        if sentences[language] == nil { languages.append(language) }
        sentences[language, default: 0] += 1
        tokens[language, default: 0] += count
        characters[language, default: 0] += chars
    }

    /// One row per language, in input order; "× first" = its tokens over the first language's (parallel
    /// corpora hold the same content in every language).
    var text: String {
        let header = ["language", "sentences", "tokens", "tokens/sentence", "tokens/char", "× first"]
        let base = languages.first.flatMap { tokens[$0] }.map(Double.init) ?? 0
        var rows = [header]
        for language in languages {
            let n = sentences[language] ?? 0, t = tokens[language] ?? 0, c = characters[language] ?? 0
            rows.append([language, "\(n)", "\(t)", String(format: "%.2f", n > 0 ? Double(t) / Double(n) : 0),
                         String(format: "%.3f", c > 0 ? Double(t) / Double(c) : 0),
                         String(format: "%.2f", base > 0 ? Double(t) / base : 0)])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
