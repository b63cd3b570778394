// Tied word embeddings: the output head is the token-embedding matrix itself (Press & Wolf 2017, "Using
// the Output Embedding to Improve Language Models"; Hugging Face's `tie_word_embeddings`). Everything the
// model layer knows about the tie is here: how a GGUF file says it, which tensor the head reads, how a
// checkpoint serves `lm_head.weight`, and why a stored copy of the head may be skipped.
import Checkpoints
import Foundation

/// The one place where the LM head falls back to the token embedding E ∈ ℝ^{vocab×d}: with tied
/// embeddings the logits are z = h·Eᵀ, otherwise z = h·W_outᵀ with W_out = `lm_head.weight`.
public enum TiedEmbeddings {
    /// The GGUF name of an untied head. llama.cpp's converters write it only for untied models (BLOOM's
    /// writes a copy of the tied embedding, which llama.cpp then uses as the head, and so do we).
    public static let ggufHead = "output.weight"

    /// Whether a GGUF file's embeddings are the head: it stores no `output.weight` (GGUF has no key for
    /// the tie; llama.cpp falls back to `token_embd.weight` the same way).
    public static func isTied(gguf checkpoint: Checkpoint) -> Bool {
        !checkpoint.contains(ggufHead)
    }

    /// The canonical tensor the output head multiplies by: the embeddings when tied, else `lm_head.weight`
    /// (a stored head of a tied model is not read).
    public static func headTensor(_ config: ModelConfig) -> String {
        config.tieWordEmbeddings ? CanonicalName.embedTokens : CanonicalName.lmHead
    }

    /// Checks the head of untied embeddings: `lm_head.weight` must exist (missing, it is named as missing,
    /// not as a shape mismatch) with shape [vocab, d]. `shape` gives a tensor's shape, nil when absent.
    static func checkHead(_ config: ModelConfig, file: String, shape: (String) -> [Int]?) throws {
        guard !config.tieWordEmbeddings else { return }
        guard let found = shape(CanonicalName.lmHead) else {
            throw CheckpointError.tensorNotFound(file: file, tensor: CanonicalName.lmHead)
        }
        let expected = [config.vocabSize, config.dModel]
        guard found == expected else {
            throw ModelError.shapeMismatch(file: file, tensor: CanonicalName.lmHead, expected: expected, found: found)
        }
    }

    /// Serves `lm_head.weight` as the embeddings' entry when the embeddings are tied and no head is
    /// stored, so that the canonical names of every checkpoint include the head.
    static func aliasHead<Entry>(_ entries: inout [String: Entry], config: ModelConfig) {
        guard config.tieWordEmbeddings, entries[CanonicalName.lmHead] == nil,
              let embed = entries[CanonicalName.embedTokens] else { return }
        entries[CanonicalName.lmHead] = embed
    }

    /// Why a stored LM head (one of the family's `heads` names) may be skipped: the embeddings are tied.
    static func skipReason(_ name: String, config: ModelConfig, heads: [String]) -> String? {
        config.tieWordEmbeddings && heads.contains(name) ? "tie_word_embeddings: the embeddings are the LM head" : nil
    }
}
