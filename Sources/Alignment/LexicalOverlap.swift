// The lexical-overlap control: how well translations are found from their tokens alone. Each sentence
// is a bag of token ids pooled like its hidden states (one-hot rows of the vocabulary, the same
// weights over the same token span), so a layer can be compared with what shared surface tokens
// already give (UI strings share placeholders, names and punctuation across languages).
import LinearAlgebra

/// A sentence as sparse pooled one-hot vectors: token id → weight (weights sum to 1).
public typealias TokenBag = [Int: Double]

/// The bag of `tokens` under a pooling's position weights: mean 1/T each, weighted t/Σt (t = 1…T),
/// last only the final token.
public func tokenBag(_ tokens: [Int], weights: TokenWeights) -> TokenBag {
    var bag: TokenBag = [:]
    let t = tokens.count
    guard t > 0 else { return bag }
    switch weights {
    case .mean:
        for id in tokens { bag[id, default: 0] += 1 / Double(t) }
    case .weighted:
        let total = Double(t * (t + 1) / 2)
        for (position, id) in tokens.enumerated() { bag[id, default: 0] += Double(position + 1) / total }
    case .last:
        bag[tokens[t - 1]] = 1
    }
    return bag
}

/// Position weights of the pooled token span (as the trace's pooling).
public enum TokenWeights: Sendable {
    case mean, weighted, last
}

/// The N × M cosine matrix of two lists of bags (a bag with no tokens has cosine 0 with everything).
public func bagCosines(_ x: [TokenBag], _ y: [TokenBag]) -> Matrix<Double> {
    var s = Matrix<Double>(rows: x.count, cols: y.count)
    var postings: [Int: [(row: Int, weight: Double)]] = [:]
    for (j, bag) in y.enumerated() { for (id, w) in bag { postings[id, default: []].append((j, w)) } }
    func norm(_ bag: TokenBag) -> Double { bag.sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value * $1.value }.squareRoot() }
    let xNorms = x.map(norm), yNorms = y.map(norm)
    let m = y.count
    s.storage.withUnsafeMutableBufferPointer { p in
        for (i, bag) in x.enumerated() {
            // Sorted ids: the sums run in one order on every platform (dictionary order is per process).
            for id in bag.keys.sorted() {
                guard let list = postings[id], let w = bag[id] else { continue }
                for entry in list { p[i * m + entry.row] += w * entry.weight }
            }
            for j in 0..<m {
                let norm = xNorms[i] * yNorms[j]
                p[i * m + j] = norm > 0 ? p[i * m + j] / norm : 0
            }
        }
    }
    return s
}

/// The lexical-overlap control of every pair: retrieval P@1 (mean of both directions) and the mean
/// translation cosine on the sentences' token bags, with intervals from the run's bootstrap design;
/// nil when the source has no token ids.
func lexicalOverlapControl(_ source: LayerSource, pairs: [LanguagePair], design: BootstrapDesign?,
                           confidence: Double) throws -> (pairs: [LexicalBaseline], mean: LexicalBaseline)? {
    guard !pairs.isEmpty else { return nil }
    var bags: [String: [TokenBag]] = [:]
    for language in Set(pairs.flatMap { [$0.source, $0.target] }).sorted() {
        guard let tokens = try source.pooledTokens(language: language) else { return nil }
        guard tokens.count == source.sentenceCount else {
            throw AlignmentError.shapeMismatch("\(language) has token ids for \(tokens.count) sentences, expected \(source.sentenceCount)")
        }
        bags[language] = tokens.map { tokenBag($0, weights: source.tokenWeights) }
    }
    var statistics: [SentenceStatistic] = []
    for pair in pairs {
        guard let x = bags[pair.source], let y = bags[pair.target] else { return nil }
        let s = bagCosines(x, y)
        statistics.append(.average(retrievalAtOne(s, direction: .forward), retrievalAtOne(s, direction: .backward)))
        statistics.append(translationCosine(s))
    }
    func mean(_ offset: Int) -> SentenceStatistic {
        let chosen = stride(from: offset, to: statistics.count, by: 2).map { statistics[$0] }
        let n = chosen.first?.pseudoValues.count ?? 0
        let values = (0..<n).map { i in chosen.reduce(0) { $0 + $1.pseudoValues[i] } / Double(chosen.count) }
        return SentenceStatistic(value: chosen.reduce(0) { $0 + $1.value } / Double(chosen.count), pseudoValues: values)
    }
    statistics += [mean(0), mean(1)]
    let replicates = design.map { $0.replicate(statistics) }
    func estimate(_ index: Int) -> Estimate {
        let stat = statistics[index]
        guard let replicates else { return Estimate(value: stat.value) }
        let interval = percentileInterval((0..<replicates.rows).map { replicates[$0, index] }, level: confidence)
        return Estimate(value: stat.value, ciLow: interval.low, ciHigh: interval.high)
    }
    let perPair = pairs.enumerated().map { index, pair in
        LexicalBaseline(source: pair.source, target: pair.target, retrievalP1: estimate(2 * index), cosine: estimate(2 * index + 1))
    }
    let average = LexicalBaseline(source: "*", target: "*", retrievalP1: estimate(statistics.count - 2),
                                  cosine: estimate(statistics.count - 1))
    return (perPair, average)
}
