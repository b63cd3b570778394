// The three reference tokenizers, each opened once per test process through `Checkpoint.open`.
import Checkpoints
import Foundation
import TestSupport
import Tokenizers

enum ModelTokenizers {
    static let tinyMLlama: Result<any Tokenizer, Error> = Result {
        try Tokenizers.load(for: try Checkpoint.open(TestPaths.fixture("tiny-mllama")))
    }
    static let gemma3Checkpoint: Result<Checkpoint, Error> = Result { try Checkpoint.open(TestPaths.gemma3) }
    static let smolLM2Checkpoint: Result<Checkpoint, Error> = Result { try Checkpoint.open(TestPaths.smolLM2) }
    static let gemma3: Result<any Tokenizer, Error> = Result { try Tokenizers.load(for: try gemma3Checkpoint.get()) }
    static let smolLM2: Result<any Tokenizer, Error> = Result { try Tokenizers.load(for: try smolLM2Checkpoint.get()) }
}
