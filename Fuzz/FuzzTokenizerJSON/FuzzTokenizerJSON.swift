// libFuzzer target: Hugging Face `tokenizer.json` (BPE vocabularies, merges, added tokens, normalizers and
// pre-tokenizers), then encoding and decoding with the tokenizer built.
import FuzzSupport
import Foundation
import Tokenizers

@_cdecl("FuzzTokenizerJSON_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc: argc, argv: argv, fileName: "tokenizer.json") { url in
        do {
            let tokenizer = try Tokenizers.huggingFace(tokenizerJSON: url)
            for text in sampleTexts { _ = tokenizer.decode(tokenizer.encode(text, addBOS: true)) }
        } catch is TokenizerError {
        } catch {
            fatalError("not a TokenizerError: \(error)")
        }
    }
}
