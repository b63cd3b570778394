// libFuzzer target: SentencePiece `tokenizer.model` protobufs, then encoding and decoding with them.
import FuzzSupport
import Foundation
import Tokenizers

@_cdecl("FuzzSentencePiece_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc: argc, argv: argv, fileName: "tokenizer.model") { url in
        do {
            let tokenizer = try Tokenizers.sentencePiece(model: url)
            for text in sampleTexts { _ = tokenizer.decode(tokenizer.encode(text, addBOS: true)) }
        } catch is TokenizerError {
        } catch {
            fatalError("not a TokenizerError: \(error)")
        }
    }
}
