import Foundation
import Testing
import TestSupport

@Suite("Every subcommand follows the same exit-status and message conventions")
struct ConventionTests {
    @Test("--version and --help exit 0 on stdout")
    func versionAndHelp() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        for command in ["inspect", "tokenize", "trace", "align", "plot", "report", "generate", "langid", "responses"] {
            let help = try CLI.run([command, "--help"])
            #expect(help.status == 0, "\(command): \(help.stderr)")
            #expect(help.stdout.contains("USAGE: interlingua \(command)"), "\(command)")
        }
    }

    @Test("a usage error exits 2 and starts with 'error: ', as the top-level help says")
    func usageError() throws {
        let missing = try CLI.run(["trace"])
        expectUsageError(missing, "Missing expected argument")
        let badChoice = try CLI.run(["align", CLI.activations, "--output", "out", "--pool", "median"])
        expectUsageError(badChoice, "median")
        let help = try CLI.run(["--help"])
        #expect(help.stdout.contains("2 on a usage error"))
    }

    @Test("a runtime error is one line 'error: …' naming the file, exit 1")
    func runtimeError() throws {
        expectRuntimeError(try CLI.run(["inspect", "no-such-model.gguf"]), "no-such-model.gguf")
    }

    @Test("a duplicated language is a one-line usage error in trace and tokenize, not a crash (#16.1)")
    func duplicateLanguages() throws {
        let trace = try CLI.run(["trace", CLI.model, CLI.corpus, "--languages", "en,en", "--limit", "5", "--output", "t.h5"])
        expectUsageError(trace, "'en' is listed twice")
        let tokenize = try CLI.run(["tokenize", CLI.model, "--input", CLI.corpus, "--languages", "en, el ,en"])
        expectUsageError(tokenize, "'en' is listed twice")
        let flores = try CLI.run(["tokenize", CLI.model, "--input", CLI.corpus, "--languages", "eng_Latn,eng_Latn"])
        expectUsageError(flores, "'eng_Latn' is listed twice")
        let pools = try CLI.run(["trace", CLI.model, CLI.corpus, "--pool", "mean,mean", "--output", "t.h5"])
        expectUsageError(pools, "'mean' is listed twice")
        let metrics = try CLI.run(["align", CLI.activations, "--output", "a", "--metrics", "cosine,cosine"])
        expectUsageError(metrics, "'cosine' is listed twice")
    }

    @Test("tokenize and trace check --split like every other choice")
    func split() throws {
        expectUsageError(try CLI.run(["tokenize", CLI.model, "--input", CLI.corpus, "--split", "test"]), "test")
        expectUsageError(try CLI.run(["trace", CLI.model, CLI.corpus, "--split", "test", "--output", "t.h5"]), "test")
    }

    @Test("trace and align describe --threads in the same words")
    func threadsWording() throws {
        func help(_ command: String) throws -> String {
            try CLI.run([command, "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        let trace = try help("trace"), align = try help("align")
        let line = "--threads <N> Threads to compute with (default: every core)."
        #expect(trace.contains(line) && align.contains(line))
        // --limit counts rows of the corpus, each a sentence in every language.
        #expect(trace.contains("--limit <N> Use only the first N rows of the corpus (N sentences in each language)."))
    }
}
