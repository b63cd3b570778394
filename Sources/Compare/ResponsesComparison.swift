// Same-language answer rates of several models (Zhu et al. / x-LLM's response-content check, per model):
// per instruction language, the share of answers identified in that language, with a percentile-bootstrap
// interval over responses, and the paired difference of two runs over the prompt ids both answered.
import Alignment
import Foundation

/// One `interlingua responses` output (responses.json), reduced to what the comparison reads.
public struct ResponsesCompareRun: Sendable {
    /// One answer: its prompt id, instruction language, and whether it was identified in that language
    /// (empty answers are not).
    public struct Answer: Sendable, Equatable {
        public var id: String
        public var lang: String
        public var same: Bool

        public init(id: String, lang: String, same: Bool) {
            self.id = id
            self.lang = lang
            self.same = same
        }
    }

    public var label: String
    public var path: String
    public var identifier: String
    public var answers: [Answer]

    public init(label: String, path: String, identifier: String, answers: [Answer]) {
        self.label = label
        self.path = path
        self.identifier = identifier
        self.answers = answers
    }
}

/// The responses part of compare.json.
public struct ResponsesComparison: Codable, Sendable, Equatable {
    public struct Run: Codable, Sendable, Equatable {
        public var label: String
        public var path: String
        public var identifier: String
        public var answers: Int
        /// Instruction languages the run answered, in its file order (absent in compare.json files written
        /// before this field existed).
        public var languages: [String]? = nil
    }

    /// One model's same-language answer rate in one instruction language.
    public struct Rate: Codable, Sendable, Equatable {
        public var run: String
        public var lang: String
        public var answers: Int
        public var same: Int
        /// same / answers.
        public var rate: Double
        public var ciLow: Double?
        public var ciHigh: Double?

        enum CodingKeys: String, CodingKey {
            case run, lang, answers, same, rate
            case ciLow = "ci_low"
            case ciHigh = "ci_high"
        }
    }

    /// rate(A) − rate(B) in one language: paired over the prompt ids both answered, else unpaired.
    public struct Difference: Codable, Sendable, Equatable {
        public var runA: String
        public var runB: String
        public var lang: String
        public var paired: Bool
        /// Answers the difference is computed on (paired: the shared ids; unpaired: A's + B's).
        public var answers: Int
        public var difference: Double
        public var ciLow: Double?
        public var ciHigh: Double?
        public var excludesZero: Bool

        enum CodingKeys: String, CodingKey {
            case lang, paired, answers, difference
            case runA = "run_a"
            case runB = "run_b"
            case ciLow = "ci_low"
            case ciHigh = "ci_high"
            case excludesZero = "excludes_zero"
        }
    }

    public static let metric = "same_language_rate"

    public var runs: [Run]
    /// Instruction languages every run answered (in the first run's order).
    public var languages: [String]
    public var rates: [Rate]
    public var differences: [Difference]
}

/// Computes a `ResponsesComparison`.
public struct ResponsesComparator {
    public var runs: [ResponsesCompareRun]
    public var settings: CompareSettings

    public init(runs: [ResponsesCompareRun], settings: CompareSettings) {
        self.runs = runs
        self.settings = settings
    }

    func design(_ n: Int, seedOffset: UInt64) -> BootstrapDesign? {
        settings.bootstrapDesign(n, seedOffset: seedOffset)
    }

    /// Replicate shares Σ_i C[b][i] · x_i / N of 0/1 indicators x.
    static func replicates(_ design: BootstrapDesign, _ x: [Double]) -> [Double] {
        let n = design.sentences
        return (0..<design.replicates).map { b in
            var s = 0.0
            for i in 0..<n { s += design.counts.storage[b * n + i] * x[i] }
            return s / Double(n)
        }
    }

    public func run(leftOut: inout [String]) throws -> ResponsesComparison {
        guard Set(runs.map(\.label)).count == runs.count else {
            throw CompareError.invalidSetting("run labels must differ (\(runs.map(\.label).joined(separator: ", "))); name them with --label")
        }
        var order: [String] = []
        for a in runs.first?.answers ?? [] where !order.contains(a.lang) { order.append(a.lang) }
        let languages = order.filter { lang in runs.allSatisfy { $0.answers.contains { $0.lang == lang } } }
        for run in runs {
            let extra = Set(run.answers.map(\.lang)).subtracting(languages).sorted()
            if !extra.isEmpty {
                leftOut.append("responses \(run.label): languages not answered by every run: " + extra.joined(separator: ", "))
            }
        }
        guard !languages.isEmpty else { throw CompareError.nothingInCommon("the responses runs share no instruction language") }
        var rates: [ResponsesComparison.Rate] = []
        var differences: [ResponsesComparison.Difference] = []
        for lang in languages {
            let subsets = runs.map { run in run.answers.filter { $0.lang == lang } }
            for (run, answers) in zip(runs, subsets) {
                let x = answers.map { $0.same ? 1.0 : 0.0 }
                let same = answers.filter(\.same).count
                let interval = design(x.count, seedOffset: 0).map { percentileInterval(Self.replicates($0, x), level: settings.confidence) }
                rates.append(.init(run: run.label, lang: lang, answers: answers.count, same: same,
                                   rate: Double(same) / Double(answers.count), ciLow: interval?.low, ciHigh: interval?.high))
            }
            for a in 0..<runs.count {
                for b in (a + 1)..<runs.count {
                    let d = difference(lang, runs[a].label, subsets[a], runs[b].label, subsets[b])
                    differences.append(d)
                    if !d.paired {
                        let note = "responses \(d.runA) − \(d.runB) [\(lang)] compared unpaired (no shared prompt id)"
                        if !leftOut.contains(note) { leftOut.append(note) }
                    }
                }
            }
        }
        let summaries = runs.map { run -> ResponsesComparison.Run in
            var own: [String] = []
            for a in run.answers where !own.contains(a.lang) { own.append(a.lang) }
            return ResponsesComparison.Run(label: run.label, path: run.path, identifier: run.identifier,
                                           answers: run.answers.count, languages: own)
        }
        if Set(runs.map(\.identifier)).count > 1 {
            leftOut.append("responses: the runs were identified by different identifiers ("
                           + runs.map { "\($0.label): \($0.identifier)" }.joined(separator: ", ") + ")")
        }
        return ResponsesComparison(runs: summaries, languages: languages, rates: rates, differences: differences)
    }

    /// Paired: both runs' indicators over the ids both answered (A's order), one design; unpaired: each run's
    /// answers resampled by its own design.
    func difference(_ lang: String, _ labelA: String, _ a: [ResponsesCompareRun.Answer], _ labelB: String,
                    _ b: [ResponsesCompareRun.Answer]) -> ResponsesComparison.Difference {
        let indexB = Dictionary(b.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let unique = Set(a.map(\.id)).count == a.count && Set(b.map(\.id)).count == b.count
        let shared = unique ? a.enumerated().compactMap { i, answer in indexB[answer.id].map { (i, $0) } } : []
        func indicator(_ answer: ResponsesCompareRun.Answer) -> Double { answer.same ? 1 : 0 }
        if !shared.isEmpty {
            let xa = shared.map { indicator(a[$0.0]) }, xb = shared.map { indicator(b[$0.1]) }
            let n = Double(shared.count)
            let estimate = xa.reduce(0, +) / n - xb.reduce(0, +) / n
            var low: Double?, high: Double?
            if let d = design(shared.count, seedOffset: 0) {
                let ra = Self.replicates(d, xa), rb = Self.replicates(d, xb)
                let interval = percentileInterval(zip(ra, rb).map { $0 - $1 }, level: settings.confidence)
                (low, high) = (interval.low, interval.high)
            }
            return .init(runA: labelA, runB: labelB, lang: lang, paired: true, answers: shared.count, difference: estimate,
                         ciLow: low, ciHigh: high, excludesZero: (low ?? 0) > 0 || (high ?? 0) < 0)
        }
        let xa = a.map(indicator), xb = b.map(indicator)
        let estimate = xa.reduce(0, +) / Double(xa.count) - xb.reduce(0, +) / Double(xb.count)
        var low: Double?, high: Double?
        if let da = design(xa.count, seedOffset: 0), let db = design(xb.count, seedOffset: 0x9E37_79B9_7F4A_7C15) {
            let interval = percentileInterval(zip(Self.replicates(da, xa), Self.replicates(db, xb)).map { $0 - $1 }, level: settings.confidence)
            (low, high) = (interval.low, interval.high)
        }
        return .init(runA: labelA, runB: labelB, lang: lang, paired: false, answers: xa.count + xb.count, difference: estimate,
                     ciLow: low, ciHigh: high, excludesZero: (low ?? 0) > 0 || (high ?? 0) < 0)
    }
}
