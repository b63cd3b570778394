// Prompt templates that wrap a corpus sentence, and the location of the sentence's own tokens inside them.
import Tokenizers

/// How a sentence is wrapped before it is fed to the model.
///
/// - `raw`: the sentence alone.
/// - `alpaca`: the Stanford Alpaca prompt with input (as x-LLM / m-LLaMA fine-tune with), the sentence
///   being the input: "Below is an instruction that describes a task, paired with an input that provides
///   further context. Write a response that appropriately completes the request.\n\n### Instruction:\n
///   {instruction}\n\n### Input:\n{sentence}\n\n### Response:".
/// - `alpaca-no-input`: Alpaca's no-input prompt, the sentence being the instruction: "Below is an
///   instruction that describes a task. Write a response that appropriately completes the
///   request.\n\n### Instruction:\n{sentence}\n\n### Response:".
/// - `instruction`: a bare instruction prompt: "{instruction}\n{sentence}\n".
public enum PromptTemplate: String, CaseIterable, Sendable, Codable {
    case raw
    case alpaca
    case alpacaNoInput = "alpaca-no-input"
    case instruction

    /// The instruction paired with the sentence when the template has one.
    public static let defaultInstruction = "Repeat the following sentence."

    /// The text before and after the sentence.
    public func surroundings(instruction: String = PromptTemplate.defaultInstruction) -> (prefix: String, suffix: String) {
        switch self {
        case .raw:
            return ("", "")
        case .alpaca:
            return ("Below is an instruction that describes a task, paired with an input that provides further "
                + "context. Write a response that appropriately completes the request.\n\n### Instruction:\n"
                + instruction + "\n\n### Input:\n", "\n\n### Response:")
        case .alpacaNoInput:
            return ("Below is an instruction that describes a task. Write a response that appropriately "
                + "completes the request.\n\n### Instruction:\n", "\n\n### Response:")
        case .instruction:
            return (instruction + "\n", "\n")
        }
    }

    /// The whole prompt around `sentence`.
    public func prompt(_ sentence: String, instruction: String = PromptTemplate.defaultInstruction) -> String {
        let (prefix, suffix) = surroundings(instruction: instruction)
        return prefix + sentence + suffix
    }
}

/// A sentence's prompt as token ids, with the span of the sentence's own tokens.
public struct EncodedPrompt: Sendable, Equatable {
    /// Token ids of the whole prompt (BOS first when the model adds one).
    public var ids: [Int32]
    /// Whether `ids[0]` is a BOS the tokenizer prepended.
    public var startsWithBOS: Bool
    /// The sentence's own tokens inside `ids`.
    public var sentenceSpan: Range<Int>

    public init(ids: [Int32], startsWithBOS: Bool, sentenceSpan: Range<Int>) {
        self.ids = ids
        self.startsWithBOS = startsWithBOS
        self.sentenceSpan = sentenceSpan
    }

    /// The tokens pooled: the sentence span, or the whole prompt when `wholePrompt`; BOS is excluded
    /// unless `includeBOS` (it can only join a span that starts right after it).
    public func poolSpan(wholePrompt: Bool, includeBOS: Bool) -> Range<Int> {
        let bosEnd = startsWithBOS ? 1 : 0
        var span = wholePrompt ? bosEnd..<ids.count : sentenceSpan
        if includeBOS && startsWithBOS && span.lowerBound == 1 { span = 0..<span.upperBound }
        return span
    }
}

extension PromptTemplate {
    /// Tokenizes the prompt of `sentence` and locates the sentence's tokens in it.
    ///
    /// The prompt is tokenized as a whole (so tokens are exactly what the model sees); the sentence span
    /// is found by tokenizing the prompt up to the sentence's start and up to its end, and taking the
    /// length of each result's common prefix with the whole prompt's ids. Templates put the sentence
    /// between newlines, where neither SentencePiece nor byte-level BPE merges across, so the span is
    /// exact; nil when the tokenizer merged across a boundary so that no consistent span exists.
    public func encode(_ sentence: String, tokenizer: any Tokenizer, addBOS: Bool,
                       instruction: String = PromptTemplate.defaultInstruction) -> EncodedPrompt? {
        let (prefix, suffix) = surroundings(instruction: instruction)
        let ids = tokenizer.encode(prefix + sentence + suffix, addBOS: addBOS)
        let startsWithBOS = addBOS && tokenizer.bosID != nil && ids.first == tokenizer.bosID
        let bosEnd = startsWithBOS ? 1 : 0
        let start = prefix.isEmpty ? bosEnd : Self.commonPrefixLength(ids, tokenizer.encode(prefix, addBOS: addBOS))
        let end = suffix.isEmpty ? ids.count
            : Self.commonPrefixLength(ids, tokenizer.encode(prefix + sentence, addBOS: addBOS))
        guard start >= bosEnd, end >= start else { return nil }
        return EncodedPrompt(ids: ids, startsWithBOS: startsWithBOS, sentenceSpan: start..<end)
    }

    static func commonPrefixLength(_ a: [Int32], _ b: [Int32]) -> Int {
        var n = 0
        while n < a.count, n < b.count, a[n] == b[n] { n += 1 }
        return n
    }
}
