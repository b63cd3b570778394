import ArgumentParser
import Foundation
import Responses

/// `interlingua responses RESPONSES.jsonl --output DIR`: in which language the model answered.
struct ResponsesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "responses",
        abstract: "Identify the language of every answer of a 'generate' output and count, per instruction language, answers in the same language, English, another language, or empty.",
        discussion: """
        Writes DIR/responses.json (everything, for plot and report), DIR/responses.csv (per instruction \
        language: counts and shares; exact-match and containment counts when the prompts carried "reference"), \
        DIR/language-matrix.csv (instruction × answer language counts) and DIR/langid.jsonl. Draw it with \
        'interlingua plot DIR'.
        """
    )

    @Argument(help: "A 'generate' output (JSONL with id, lang, text).")
    var responses: String

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    @Option(help: "A fastText language-identification model (lid.176.bin / lid.176.ftz) instead of CLD2.")
    var lid: String?

    @Option(help: "Restrict a fastText model's decision to these languages (comma list, or 'study' = the texts' own languages plus English); the confidence is renormalised over them.")
    var candidates: String?

    func run() throws {
        let records = try TextRecords.load(URL(fileURLWithPath: responses))
        let identifier = try LanguageIdentifiers.make(
            lid, candidates: LanguageIdentifiers.candidates(candidates, textLanguages: records.map(\.language)))
        let analysis = ResponseAnalysis(responses: records, identifier: identifier, source: responses)
        try analysis.write(to: URL(fileURLWithPath: output))
        for r in analysis.rows {
            print("\(r.lang): \(r.answers) answers, \(String(format: "%.0f", r.sameShare * 100)) % same language, "
                  + "\(String(format: "%.0f", r.englishShare * 100)) % English, \(String(format: "%.0f", r.otherShare * 100)) % other, "
                  + "\(String(format: "%.0f", r.emptyShare * 100)) % empty"
                  + (r.exactMatch.map { ", exact \($0)/\(r.withReference), contains \(r.contains ?? 0)/\(r.withReference)" } ?? ""))
        }
        print("wrote \(output)/responses.json, responses.csv, language-matrix.csv, langid.jsonl")
    }
}
