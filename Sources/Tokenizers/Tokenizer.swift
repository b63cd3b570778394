// The tokenizer interface the tracer and the CLI use.
import Checkpoints

/// Text → token ids and back, exactly as the model's reference tokenizer does it.
public protocol Tokenizer: Sendable {
    /// Number of ids (including added tokens).
    var vocabularySize: Int { get }
    var bosID: Int32? { get }
    var eosID: Int32? { get }
    /// Whether the model's own metadata asks for BOS to be prepended (GGUF `add_bos_token`,
    /// HF `add_bos_token` / post-processor).
    var addsBOSByDefault: Bool { get }
    /// Token ids of `text`; BOS is prepended when `addBOS` is true and the model has one. Text that looks
    /// like a special token (`<s>`, `</s>`, `<pad>`) is encoded as ordinary text.
    func encode(_ text: String, addBOS: Bool) -> [Int32]
    /// Text of `ids` (control tokens such as BOS/EOS produce no text).
    func decode(_ ids: [Int32]) -> String
    /// The vocabulary string of `id` (e.g. `▁the`, `Ġthe`, `<s>`); "" for an id outside the vocabulary.
    func piece(_ id: Int32) -> String
    /// The control and special added tokens by text (`<|im_start|>`, `<start_of_turn>`, `<bos>`): the markup
    /// a chat template writes, which `encode(_:addBOS:parsingSpecialTokens:)` turns into these ids.
    var specialTokens: [(text: String, id: Int32)] { get }
}

extension Tokenizer {
    /// Encodes with the model's own BOS rule.
    public func encode(_ text: String) -> [Int32] { encode(text, addBOS: addsBOSByDefault) }

    /// Default piece: the id's decoded text (a tokenizer with a vocabulary table overrides it).
    public func piece(_ id: Int32) -> String { decode([id]) }
}
