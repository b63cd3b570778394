// The tokenized corpus and its packing into batches: everything decided before any compute.
import Corpus
import Tokenizers

/// One language's prompts, token ids concatenated in row order.
public struct TokenizedLanguage: Sendable, Equatable {
    public var language: String
    /// All prompts' ids, concatenated.
    public var ids: [Int32]
    /// Sentence n's prompt is `ids[offsets[n] ..< offsets[n+1]]` (N+1 entries).
    public var offsets: [Int]
    /// The pooled tokens of sentence n, relative to its prompt's first token.
    public var poolSpans: [Range<Int>]
    /// Whether sentence n's prompt starts with a BOS the tokenizer added (empty: none does).
    public var startsWithBOS: [Bool] = []

    public var sentenceCount: Int { offsets.count - 1 }
    public func tokenRange(_ n: Int) -> Range<Int> { offsets[n]..<offsets[n + 1] }
}

/// Consecutive rows of one language inside a batch.
public struct TraceSegment: Sendable, Equatable {
    /// Index into the plan's languages.
    public var language: Int
    /// Row indices (shared by every language).
    public var sentences: Range<Int>
    /// Indices into that language's concatenated token ids.
    public var tokens: Range<Int>

    public init(language: Int, sentences: Range<Int>, tokens: Range<Int>) {
        self.language = language
        self.sentences = sentences
        self.tokens = tokens
    }
}

/// Sentences of any languages packed without padding into one forward pass: a run of the corpus's
/// sentences taken language after language, row after row, so each language contributes one segment of
/// consecutive rows (a small corpus runs in as few batches as its tokens allow, not one per language).
public struct TraceBatch: Sendable, Equatable {
    /// In packing order: the batch's token rows are the segments' prompts concatenated.
    public var segments: [TraceSegment]

    public init(segments: [TraceSegment]) { self.segments = segments }

    /// One language's rows (a batch of a single segment).
    public init(language: Int, sentences: Range<Int>, tokens: Range<Int>) {
        segments = [TraceSegment(language: language, sentences: sentences, tokens: tokens)]
    }

    public var tokenCount: Int { segments.reduce(0) { $0 + $1.tokens.count } }
    public var sentenceCount: Int { segments.reduce(0) { $0 + $1.sentences.count } }
}

/// The tokenized corpus and its batches.
public struct TracePlan: Sendable {
    public let corpus: ParallelCorpus
    public let settings: TraceSettings
    public let languages: [TokenizedLanguage]
    public let batches: [TraceBatch]

    public var tokenCount: Int { languages.reduce(0) { $0 + $1.ids.count } }

    /// Tokenizes every sentence with the template and the model's BOS rule, then packs.
    /// Throws before any compute (and before any output exists) when a sentence has nothing to pool, or
    /// when its prompt is longer than `contextLength` (the model's trained context: positions past it are
    /// outside what the model was trained on, so the trace would be silently off-distribution).
    public init(corpus: ParallelCorpus, tokenizer: any Tokenizer, settings: TraceSettings, contextLength: Int? = nil) throws {
        var languages: [TokenizedLanguage] = []
        for (l, lang) in corpus.languages.enumerated() {
            var ids: [Int32] = []
            var offsets = [0]
            var spans: [Range<Int>] = []
            var bos: [Bool] = []
            offsets.reserveCapacity(corpus.sentenceCount + 1)
            for (n, text) in corpus.texts[l].enumerated() {
                guard let prompt = settings.template.encode(text, tokenizer: tokenizer,
                                                            addBOS: tokenizer.addsBOSByDefault,
                                                            instruction: settings.instruction) else {
                    throw TracingError.templateSpanNotFound(language: lang, id: corpus.ids[n])
                }
                let span = prompt.poolSpan(wholePrompt: settings.poolWholePrompt, includeBOS: settings.bosInPool)
                guard !span.isEmpty else { throw TracingError.emptySentence(language: lang, id: corpus.ids[n]) }
                if let contextLength, prompt.ids.count > contextLength {
                    throw TracingError.sentenceTooLong(source: corpus.source, language: lang, id: corpus.ids[n],
                                                       tokens: prompt.ids.count, limit: contextLength)
                }
                ids.append(contentsOf: prompt.ids)
                offsets.append(ids.count)
                spans.append(span)
                bos.append(prompt.startsWithBOS)
            }
            languages.append(TokenizedLanguage(language: lang, ids: ids, offsets: offsets, poolSpans: spans,
                                               startsWithBOS: bos))
        }
        self.init(corpus: corpus, settings: settings, languages: languages)
    }

    /// A plan from already tokenized languages (packing only): every sentence of every language in one
    /// sequence (language-major, rows in order) packed within `batchTokens` by `balancedPack`.
    public init(corpus: ParallelCorpus, settings: TraceSettings, languages: [TokenizedLanguage]) {
        self.corpus = corpus
        self.settings = settings
        self.languages = languages
        var all: [(language: Int, row: Int)] = []
        var lengths: [Int] = []
        for (l, tokenized) in languages.enumerated() {
            for n in 0..<tokenized.sentenceCount {
                all.append((l, n))
                lengths.append(tokenized.tokenRange(n).count)
            }
        }
        batches = Self.balancedPack(lengths: lengths, budget: settings.batchTokens).map { range in
            var segments: [TraceSegment] = []
            var i = range.lowerBound
            while i < range.upperBound {
                let l = all[i].language
                var j = i
                while j < range.upperBound && all[j].language == l { j += 1 }
                let rows = all[i].row..<(all[j - 1].row + 1)
                let offsets = languages[l].offsets
                segments.append(TraceSegment(language: l, sentences: rows,
                                             tokens: offsets[rows.lowerBound]..<offsets[rows.upperBound]))
                i = j
            }
            return TraceBatch(segments: segments)
        }
    }

    /// Greedy packing of consecutive sentences: a batch takes sentences while their total length stays
    /// within `budget`; a sentence longer than the budget forms a batch of its own.
    public static func pack(lengths: [Int], budget: Int) -> [Range<Int>] {
        var batches: [Range<Int>] = []
        var start = 0
        var total = 0
        for (i, length) in lengths.enumerated() {
            if i > start && total + length > budget {
                batches.append(start..<i)
                start = i
                total = 0
            }
            total += length
        }
        if start < lengths.count { batches.append(start..<lengths.count) }
        return batches
    }

    /// Packing into batches of even size: as many batches as greedy `pack` within `budget` makes (one more
    /// when that count is odd, the corpus has at least 1024 tokens and another sentence to split at), with
    /// the smallest cap that still fits in that many — the linear-partition bound found by bisection on
    /// the cap, since greedy packing's batch count only falls as the cap grows. Batches of one corpus then
    /// cost about the same, so lanes that run batches side by side (`TraceRun`) finish together; the
    /// count does not depend on the thread count, so `--resume` and shards see the same plan anywhere.
    public static func balancedPack(lengths: [Int], budget: Int) -> [Range<Int>] {
        let greedy = pack(lengths: lengths, budget: budget)
        var count = greedy.count
        if count % 2 == 1 && lengths.reduce(0, +) >= 1024 && count < lengths.count { count += 1 }
        var low = 1
        var high = max(budget, 1)
        while low < high {
            let cap = (low + high) / 2
            if pack(lengths: lengths, budget: cap).count <= count { high = cap } else { low = cap + 1 }
        }
        return pack(lengths: lengths, budget: low)
    }
}
