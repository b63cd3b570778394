// Language Activation Probability Entropy (Tang et al. 2024, "Language-Specific Neurons: The Key to
// Multilingual Capabilities in Large Language Models", ACL 2024, §2.2; their `identify.py`), computed the way
// the NumPy reference ../shared/tools/lape_reference.py states it.
import Foundation

/// The knobs of the selection, with the paper's defaults.
public struct LAPESettings: Sendable, Equatable {
    /// Candidates need some p above this quantile of all p (step 4–5; default 0.95).
    public var filterQuantile: ExactFraction
    /// Share of all neurons kept, lowest entropy first (step 6; default 0.01).
    public var topRate: ExactFraction
    /// A kept neuron belongs to every language whose p exceeds this quantile of all p (step 7; default 0.95).
    public var assignQuantile: ExactFraction

    public static let defaults = LAPESettings(filterQuantile: ExactFraction("0.95")!, topRate: ExactFraction("0.01")!,
                                              assignQuantile: ExactFraction("0.95")!)

    public init(filterQuantile: ExactFraction, topRate: ExactFraction, assignQuantile: ExactFraction) {
        self.filterQuantile = filterQuantile
        self.topRate = topRate
        self.assignQuantile = assignQuantile
    }

    /// Refuses quantiles or a rate of 0 (no rank to take).
    public func validate() throws {
        for (name, value) in [("--filter-quantile", filterQuantile), ("--top-rate", topRate), ("--assign-quantile", assignQuantile)]
        where value.numerator == 0 {
            throw NeuronsError.badSetting("\(name) must be above 0 (got \(value))")
        }
    }
}

/// Activation counts of one model over several languages: the input of LAPE.
public struct NeuronCounts: Sendable {
    public var source: String
    public var languages: [String]
    public var nLayers: Int
    public var dFFN: Int
    /// Per language: [nLayers · dFFN] row-major (layer, neuron).
    public var counts: [[Int64]]
    /// Per language: tokens counted.
    public var tokens: [Int64]

    /// Checks shapes and that every count lies in 0…tokens.
    public init(source: String, languages: [String], nLayers: Int, dFFN: Int, counts: [[Int64]], tokens: [Int64]) throws {
        func fail(_ reason: String) -> NeuronsError { .badCounts(source: source, reason: reason) }
        guard !languages.isEmpty else { throw fail("no languages") }
        guard Set(languages).count == languages.count else { throw fail("a language is listed twice") }
        guard nLayers > 0, dFFN > 0 else { throw fail("n_layers = \(nLayers) and d_ffn = \(dFFN) must be positive") }
        guard counts.count == languages.count, tokens.count == languages.count else {
            throw fail("\(counts.count) count tables and \(tokens.count) token counts for \(languages.count) languages")
        }
        for (l, table) in counts.enumerated() {
            guard table.count == nLayers * dFFN else {
                throw fail("\(languages[l]) has \(table.count) counts, expected \(nLayers) × \(dFFN)")
            }
            guard tokens[l] > 0 else { throw fail("\(languages[l]) has no counted tokens (an activation probability needs some)") }
            if let bad = table.firstIndex(where: { $0 < 0 || $0 > tokens[l] }) {
                throw fail("\(languages[l]): count \(table[bad]) at [\(bad / dFFN), \(bad % dFFN)] is outside 0…\(tokens[l])")
            }
        }
        self.source = source
        self.languages = languages
        self.nLayers = nLayers
        self.dFFN = dFFN
        self.counts = counts
        self.tokens = tokens
    }
}

/// One kept neuron.
public struct SelectedNeuron: Sendable, Equatable {
    public var layer: Int
    public var neuron: Int
    public var entropy: Double
    /// Activation probability per language (input order).
    public var p: [Double]
    /// The languages it is assigned to.
    public var languages: [String]
}

/// The outcome of LAPE, with every number the reference reports.
public struct LAPEResult: Sendable {
    public var languages: [String]
    public var nLayers: Int
    public var dFFN: Int
    public var tokens: [Int64]
    public var settings: LAPESettings
    /// M = n_layers · d_ffn · n_languages.
    public var valueCount: Int
    /// k of the filter threshold (k-th smallest of all p).
    public var thresholdRank: Int
    public var threshold: Double
    public var assignThresholdRank: Int
    public var assignThreshold: Double
    public var candidateCount: Int
    /// m = round(top_rate · n_layers · d_ffn).
    public var topCount: Int
    /// Kept neurons, lowest entropy first (ties by layer · d_ffn + neuron).
    public var neurons: [SelectedNeuron]
    /// Entropy of the last kept neuron (nil when none is kept).
    public var entropyCutoff: Double?
    /// Candidates / kept neurons within `tieEpsilon` of the cut-off.
    public var nearCutoffCandidates: Int
    public var nearCutoffSelected: Int
    public static let tieEpsilon = 1e-9

    /// Per language: its neurons as sorted (layer, neuron) pairs.
    public var selected: [String: [[Int]]] {
        var out: [String: [[Int]]] = [:]
        for l in languages { out[l] = [] }
        for n in neurons { for l in n.languages { out[l, default: []].append([n.layer, n.neuron]) } }
        for l in languages { out[l]?.sort { ($0[0], $0[1]) < ($1[0], $1[1]) } }
        return out
    }

    /// Per language: how many of its neurons sit in each layer.
    public var perLayer: [String: [Int]] {
        var out: [String: [Int]] = [:]
        for l in languages { out[l] = [Int](repeating: 0, count: nLayers) }
        for n in neurons { for l in n.languages { out[l]?[n.layer] += 1 } }
        return out
    }

    /// overlap[a][b] = neurons assigned to both languages a and b (the diagonal: a's own count).
    public var overlap: [[Int]] {
        let index = Dictionary(uniqueKeysWithValues: languages.enumerated().map { ($1, $0) })
        var out = [[Int]](repeating: [Int](repeating: 0, count: languages.count), count: languages.count)
        for n in neurons {
            let ids = n.languages.compactMap { index[$0] }
            for a in ids { for b in ids { out[a][b] += 1 } }
        }
        return out
    }
}

/// LAPE neuron selection.
///
///  1. p_l[i,j] = c_l[i,j] / N_l
///  2. q_l = p_l / Σ_l' p_l'  (0 where every p is 0)
///  3. H[i,j] = −Σ_l q_l ln q_l  (0 ln 0 = 0; summed in language order)
///  4. τ = the k-th smallest of all M = L·F·G values of p, k = round(0.95·M) halves up
///  5. candidates: some p_l[i,j] > τ
///  6. keep the m = round(0.01·L·F) candidates of lowest H (ties: flat index i·F + j ascending)
///  7. each kept neuron belongs to every l with p_l[i,j] > τ_assign (by default τ itself)
/// All in Double.
public enum LAPE {
    public static func select(_ input: NeuronCounts, settings: LAPESettings = .defaults) throws -> LAPEResult {
        try settings.validate()
        let g = input.languages.count
        let cells = input.nLayers * input.dFFN
        // p laid out [cell, language] as the reference's [L, F, G].
        var p = [Double](repeating: 0, count: cells * g)
        for l in 0..<g {
            let n = Double(input.tokens[l])
            let c = input.counts[l]
            for i in 0..<cells { p[i * g + l] = Double(c[i]) / n }
        }
        var entropy = [Double](repeating: 0, count: cells)
        for i in 0..<cells {
            var total = 0.0
            for l in 0..<g { total += p[i * g + l] }
            guard total > 0 else { continue }
            var h = 0.0
            for l in 0..<g {
                let q = p[i * g + l] / total
                if q > 0 { h -= q * Foundation.log(q) }
            }
            entropy[i] = h
        }
        let m = p.count
        let sorted = p.sorted()
        let k = max(1, settings.filterQuantile.rank(of: m))
        let tau = sorted[k - 1]
        let kAssign = max(1, settings.assignQuantile.rank(of: m))
        let tauAssign = sorted[kAssign - 1]

        var candidates: [Int] = []
        for i in 0..<cells where (0..<g).contains(where: { p[i * g + $0] > tau }) { candidates.append(i) }
        let top = settings.topRate.rank(of: cells)
        let ordered = candidates.sorted { a, b in entropy[a] != entropy[b] ? entropy[a] < entropy[b] : a < b }
        let keep = Array(ordered.prefix(top))
        let neurons = keep.map { i -> SelectedNeuron in
            let ps = Array(p[(i * g)..<((i + 1) * g)])
            return SelectedNeuron(layer: i / input.dFFN, neuron: i % input.dFFN, entropy: entropy[i], p: ps,
                                  languages: (0..<g).filter { ps[$0] > tauAssign }.map { input.languages[$0] })
        }
        let cutoff = keep.last.map { entropy[$0] }
        func near(_ set: [Int]) -> Int {
            guard let cutoff else { return 0 }
            return set.filter { abs(entropy[$0] - cutoff) <= LAPEResult.tieEpsilon }.count
        }
        return LAPEResult(languages: input.languages, nLayers: input.nLayers, dFFN: input.dFFN, tokens: input.tokens,
                          settings: settings, valueCount: m, thresholdRank: k, threshold: tau,
                          assignThresholdRank: kAssign, assignThreshold: tauAssign, candidateCount: candidates.count,
                          topCount: top, neurons: neurons, entropyCutoff: cutoff,
                          nearCutoffCandidates: near(candidates), nearCutoffSelected: near(keep))
    }
}
