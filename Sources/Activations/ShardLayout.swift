// A shard of a trace (`trace --shard I/N`): the file layout that records which part of the plan it holds.
// README "Running on a cluster" and docs/activations.md describe the layout; ShardMerge puts shards together.
import Foundation

/// The rows a shard holds, as runs of a language's rows in the order the shard traced them.
///
/// A shard's datasets of language `l` (`/pooled/<pool>/<l>`, `/final_norm/…`, `/sublayers/…`) hold the rows
/// of `l`'s runs concatenated in this order, and `/states/<l>` their tokens in the same order; the row
/// numbers of a run are those of `/ids` (the whole plan's rows).
public struct ShardRows: Sendable, Equatable {
    public struct Run: Sendable, Equatable {
        /// Index into `/languages`.
        public var language: Int
        /// Rows of the whole plan (indices into `/ids`).
        public var rows: Range<Int>

        public init(language: Int, rows: Range<Int>) {
            self.language = language
            self.rows = rows
        }
    }

    public private(set) var runs: [Run] = []

    public init(runs: [Run] = []) {
        for run in runs { append(language: run.language, rows: run.rows) }
    }

    /// Adds rows, extending the language's last run when they continue it.
    public mutating func append(language: Int, rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        // Only the order of a language's own runs matters to its local rows, so its last run may grow.
        if let last = runs.lastIndex(where: { $0.language == language }), runs[last].rows.upperBound == rows.lowerBound {
            runs[last].rows = runs[last].rows.lowerBound..<rows.upperBound
        } else {
            runs.append(Run(language: language, rows: rows))
        }
    }

    /// The runs of `language` with the shard-local index of each run's first row.
    public func runs(language: Int) -> [(rows: Range<Int>, local: Int)] {
        var local = 0
        var out: [(rows: Range<Int>, local: Int)] = []
        for run in runs where run.language == language {
            out.append((run.rows, local))
            local += run.rows.count
        }
        return out
    }

    /// Rows of `language` in the shard.
    public func rowCount(language: Int) -> Int {
        runs.reduce(0) { $0 + ($1.language == language ? $1.rows.count : 0) }
    }

    /// Tokens of `language` in the shard, given the language's `/tokens/<lang>/offsets`.
    public func tokenCount(language: Int, offsets: [Int]) -> Int {
        runs.reduce(0) { $0 + ($1.language == language ? offsets[$1.rows.upperBound] - offsets[$1.rows.lowerBound] : 0) }
    }

    /// The shard-local rows of plan rows `rows` of `language`, which must lie in one run.
    public func localRows(language: Int, rows: Range<Int>) -> Range<Int>? {
        for run in runs(language: language) where run.rows.lowerBound <= rows.lowerBound && rows.upperBound <= run.rows.upperBound {
            let start = run.local + rows.lowerBound - run.rows.lowerBound
            return start..<(start + rows.count)
        }
        return nil
    }

    /// The runs of `language` as token ranges of the whole plan, with the shard-local index of each run's
    /// first token.
    public func tokenRuns(language: Int, offsets: [Int]) -> [(tokens: Range<Int>, local: Int)] {
        var local = 0
        var out: [(tokens: Range<Int>, local: Int)] = []
        for run in runs where run.language == language {
            let tokens = offsets[run.rows.lowerBound]..<offsets[run.rows.upperBound]
            out.append((tokens, local))
            local += tokens.count
        }
        return out
    }

    /// The shard-local tokens of plan tokens `tokens` of `language`, which must lie in one run.
    public func localTokens(language: Int, tokens: Range<Int>, offsets: [Int]) -> Range<Int>? {
        for run in tokenRuns(language: language, offsets: offsets)
        where run.tokens.lowerBound <= tokens.lowerBound && tokens.upperBound <= run.tokens.upperBound {
            let start = run.local + tokens.lowerBound - run.tokens.lowerBound
            return start..<(start + tokens.count)
        }
        return nil
    }

    /// `/shard/rows` values: (language, first row, end row) per run.
    public var flattened: [Int64] { runs.flatMap { [Int64($0.language), Int64($0.rows.lowerBound), Int64($0.rows.upperBound)] } }
}

/// What makes an activation file a shard: its place in the plan and the plan's identity.
public struct ShardHeader: Sendable, Equatable {
    /// 1-based: shard `index` of `count`.
    public var index: Int
    public var count: Int
    /// The run fingerprint an unsharded trace of the same plan writes (and the merged file carries).
    public var planFingerprint: String
    /// Batches and tokens of the whole plan.
    public var planBatches: Int
    public var planTokens: Int
    /// The trace settings of the plan as JSON (sorted keys), compared key by key by the merge.
    public var planSettings: String
    /// The shard's batches: indices of the plan's batches (`/batches` column 0).
    public var batches: Range<Int>
    /// Tokens of the shard's batches.
    public var tokens: Int
    public var rows: ShardRows

    public init(index: Int, count: Int, planFingerprint: String, planBatches: Int, planTokens: Int,
                planSettings: String, batches: Range<Int>, tokens: Int, rows: ShardRows) {
        self.index = index
        self.count = count
        self.planFingerprint = planFingerprint
        self.planBatches = planBatches
        self.planTokens = planTokens
        self.planSettings = planSettings
        self.batches = batches
        self.tokens = tokens
        self.rows = rows
    }
}
