// libFuzzer target: parallel corpora (TSV with a header, or JSONL when the first character is `{`)
// through `ParallelCorpus.load`, the loader `trace` and `tokenize` use.
import Corpus
import FuzzSupport
import Foundation

@_cdecl("FuzzCorpus_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc: argc, argv: argv, fileName: "corpus.tsv") { url in
        do {
            let corpus = try ParallelCorpus.load(url)
            if let first = corpus.languages.first {
                _ = try ParallelCorpus.load(url, languages: [first], limit: 2)
            }
        } catch is CorpusError {
        } catch {
            fatalError("not a CorpusError: \(error)")
        }
    }
}
