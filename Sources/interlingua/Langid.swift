import ArgumentParser
import Foundation
import Responses

/// `interlingua langid TEXTS`: the language of every text, one JSON line each.
struct Langid: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Identify the language of every text (CLD2, or a fastText model with --lid).",
        discussion: """
        TEXTS is JSONL with {"id", "lang"?, "text"} (a 'generate' output works) or a corpus (TSV, JSONL, Flores \
        folder). Writes {"id", "lang", "detected", "confidence"} per text: detected is an ISO 639-1 code, 'und' \
        when the identifier cannot tell (empty text, no letters, not UTF-8). When texts carry their language, \
        the accuracy per language goes to stderr.
        """
    )

    @Argument(help: "JSONL texts or a corpus.")
    var texts: String

    @Option(name: .shortAndLong, help: "Write the JSON lines here instead of stdout.")
    var output: String?

    @Option(help: "A fastText language-identification model (lid.176.bin / lid.176.ftz) instead of CLD2.")
    var lid: String?

    @Option(help: "Restrict a fastText model's decision to these languages (comma list, or 'study' = the texts' own languages plus English); the confidence is renormalised over them.")
    var candidates: String?

    func run() throws {
        let records = try TextRecords.load(URL(fileURLWithPath: texts))
        let identifier = try LanguageIdentifiers.make(
            lid, candidates: LanguageIdentifiers.candidates(candidates, textLanguages: records.map(\.language)))
        var lines = ""
        var hits: [String: (Int, Int)] = [:]
        var order: [String] = []
        for r in records {
            let guess = identifier.identify(r.text)
            lines += LanguageIDLine(r, guess).json() + "\n"
            if let l = r.language {
                if hits[l] == nil { order.append(l) }
                let (h, n) = hits[l] ?? (0, 0)
                hits[l] = (h + (guess.language == LanguageCodes.normalized(l) ? 1 : 0), n + 1)
            }
        }
        if let output {
            do { try Data(lines.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw ResponsesError.writeFailed(path: output, reason: error.localizedDescription)
            }
        } else {
            FileHandle.standardOutput.write(Data(lines.utf8))
        }
        if !order.isEmpty {
            let total = hits.values.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
            let parts = order.map { l in "\(l) \(hits[l]!.0)/\(hits[l]!.1)" }.joined(separator: ", ")
            FileHandle.standardError.write(Data(String(format: "langid (%@): %@; all %d/%d = %.1f %%\n", identifier.name, parts,
                                                       total.0, total.1, 100 * Double(total.0) / Double(max(total.1, 1))).utf8))
        }
    }
}
