// Batched incremental decoding: prefill the prompts layer-major, then advance every active sequence by one
// token per step together, with a KV cache.
import Dispatch
import Foundation
import LinearAlgebra
import Models
import Tokenizers

/// One prompt to continue: its token ids (already templated) and what the output line carries along.
public struct GenerationRequest: Sendable, Equatable {
    public var id: String
    public var language: String?
    public var promptIDs: [Int32]

    public init(id: String, language: String?, promptIDs: [Int32]) {
        self.id = id
        self.language = language
        self.promptIDs = promptIDs
    }
}

/// Why a sequence stopped: its model emitted an end-of-generation token (kept in `outputIDs`), it reached
/// `maxNewTokens`, or its text reached a stop string (the text is cut before it).
public enum FinishReason: String, Sendable, Codable {
    case eos, length, stop
}

public struct GenerationResult: Sendable, Equatable {
    public var id: String
    public var language: String?
    public var promptIDs: [Int32]
    /// New tokens only; the end-of-generation token is included when hit.
    public var outputIDs: [Int32]
    /// The decoded new tokens (special tokens produce no text), cut before a stop string.
    public var text: String
    public var finish: FinishReason
    /// Per step, the top-1 − top-2 logit margin.
    public var margins: [Float]
}

public struct GenerationSettings: Sendable {
    public var maxNewTokens: Int
    public var eosIDs: Set<Int32>
    public var stopStrings: [String]
    public var sampling: SamplingSettings
    /// Sequences decoded together (KV cache slots).
    public var maxConcurrent: Int
    /// Token budget of one prefill forward pass.
    public var prefillTokens: Int
    /// Re-run the whole prefix every step instead of caching keys and values (a reference for tests).
    public var recomputePrefix: Bool

    public init(maxNewTokens: Int = 128, eosIDs: Set<Int32>, stopStrings: [String] = [],
                sampling: SamplingSettings = SamplingSettings(), maxConcurrent: Int = 32, prefillTokens: Int = 4096,
                recomputePrefix: Bool = false) {
        self.maxNewTokens = maxNewTokens
        self.eosIDs = eosIDs
        self.stopStrings = stopStrings
        self.sampling = sampling
        self.maxConcurrent = maxConcurrent
        self.prefillTokens = prefillTokens
        self.recomputePrefix = recomputePrefix
    }
}

/// Seconds and tokens of a generation run, split into prefill and decoding.
public struct GenerationTiming: Sendable, Equatable {
    public var prefillSeconds = 0.0
    public var prefillTokens = 0
    public var decodeSeconds = 0.0
    public var decodeTokens = 0
    public var decodeSteps = 0
    public init() {}
}

/// Generates continuations of many prompts with one model.
///
/// Prefill: waiting prompts are packed (no padding) into forward passes of at most `prefillTokens`
/// tokens, run layer-major (embed, every block over all packed tokens, final norm), writing their keys and
/// values into free cache slots; logits only at each prompt's last position. Decoding: each step packs the
/// last token of every active sequence into one batch, so every projection is one sgemm with one row per
/// sequence; attention reads the slot's cache. A finished sequence leaves the batch and frees its slot for
/// the next waiting prompt. Results never depend on which prompts share a batch (per-sequence random
/// streams; attention per sequence), up to float summation order in the projections.
public final class Generator {
    public let model: any DecoderModel
    public let tokenizer: any Tokenizer
    public let settings: GenerationSettings
    public private(set) var timing = GenerationTiming()

    public init(model: any DecoderModel, tokenizer: any Tokenizer, settings: GenerationSettings) throws {
        guard settings.maxNewTokens >= 1 else { throw GenerationError.badOption(reason: "--max-new-tokens must be at least 1") }
        guard settings.maxConcurrent >= 1 else { throw GenerationError.badOption(reason: "the batch must hold at least one sequence") }
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
    }

    private final class Sequence {
        let index: Int
        let request: GenerationRequest
        var slot = -1
        var output: [Int32] = []
        var margins: [Float] = []
        var random: SequenceRandom
        var finish: FinishReason?
        var text = ""

        init(index: Int, request: GenerationRequest, seed: UInt64) {
            self.index = index
            self.request = request
            random = SequenceRandom(seed: seed, stream: request.id)
        }
    }

    /// Results in the order of `requests`. `progress` is called with the number of finished sequences.
    public func generate(_ requests: [GenerationRequest], progress: ((Int) -> Void)? = nil) throws -> [GenerationResult] {
        let config = model.config
        let limit = max(config.contextLength, 1)
        for r in requests {
            guard !r.promptIDs.isEmpty else { throw GenerationError.emptyPrompt(id: r.id) }
            let needed = r.promptIDs.count + settings.maxNewTokens
            guard needed <= limit else { throw GenerationError.promptTooLong(id: r.id, tokens: needed, limit: limit) }
        }
        guard !requests.isEmpty else { return [] }
        let sequences = requests.enumerated().map { Sequence(index: $0, request: $1, seed: settings.sampling.seed) }
        let slots = min(settings.maxConcurrent, requests.count)
        let capacity = (requests.map(\.promptIDs.count).max() ?? 0) + settings.maxNewTokens
        let cache = settings.recomputePrefix ? nil : try KVCache(config: config, slots: slots, capacity: capacity)
        var freeSlots = Array((0..<slots).reversed())
        var waiting = sequences[...]
        var active: [Sequence] = []
        var finished = 0

        while !waiting.isEmpty || !active.isEmpty {
            // Fill free slots with waiting prompts, one prefill pass per token budget.
            var admitted: [Sequence] = []
            var budget = 0
            while let next = waiting.first, !freeSlots.isEmpty,
                  admitted.isEmpty || budget + next.request.promptIDs.count <= settings.prefillTokens {
                waiting = waiting.dropFirst()
                next.slot = freeSlots.removeLast()
                cache?.reset(slot: next.slot)
                budget += next.request.promptIDs.count
                admitted.append(next)
            }
            if !admitted.isEmpty {
                let start = DispatchTime.now().uptimeNanoseconds
                let logits = try forward(admitted.map(\.request.promptIDs), slots: admitted.map(\.slot), cache: cache)
                timing.prefillSeconds += seconds(since: start)
                timing.prefillTokens += budget
                try choose(logits, for: admitted)
                active += admitted
            } else if !active.isEmpty {
                let start = DispatchTime.now().uptimeNanoseconds
                let inputs = active.map { s in
                    cache == nil ? s.request.promptIDs + s.output : [s.output[s.output.count - 1]]
                }
                let logits = try forward(inputs, slots: active.map(\.slot), cache: cache)
                timing.decodeSeconds += seconds(since: start)
                timing.decodeTokens += active.count
                timing.decodeSteps += 1
                try choose(logits, for: active)
            }
            // Finished sequences leave the batch.
            var still: [Sequence] = []
            for s in active {
                if s.finish != nil {
                    freeSlots.append(s.slot)
                    finished += 1
                    progress?(finished)
                } else {
                    still.append(s)
                }
            }
            active = still
        }
        return sequences.map { s in
            GenerationResult(id: s.request.id, language: s.request.language, promptIDs: s.request.promptIDs,
                             outputIDs: s.output, text: s.text, finish: s.finish ?? .length, margins: s.margins)
        }
    }

    /// One forward pass over packed `inputs` (sentence s continues cache slot `slots[s]` when caching);
    /// the logits at each sentence's last token, [inputs.count, vocab].
    private func forward(_ inputs: [[Int32]], slots: [Int], cache: KVCache?) throws -> Matrix<Float> {
        var tokens: [Int32] = []
        var ranges: [Range<Int>] = []
        for ids in inputs {
            ranges.append(tokens.count..<(tokens.count + ids.count))
            tokens += ids
        }
        let context = cache.map { KVCacheContext(cache: $0, slots: slots) }
        let batch = PackedBatch(tokens: tokens, sequences: ranges, cache: context)
        var hidden = try model.embed(batch)
        for layer in 0..<model.config.nLayers {
            try model.applyBlock(layer, to: &hidden, batch: batch, captureSubLayers: false)
        }
        context?.commit(batch)
        let lastRows = ranges.map { $0.upperBound - 1 }
        let normed = try model.applyFinalNorm(hidden)
        let logits = try model.logits(normed, rows: lastRows)
        guard logits.rows == inputs.count, logits.cols >= 1 else {
            throw GenerationError.modelOutput(reason: "logits are \(logits.rows)×\(logits.cols) for \(inputs.count) sequences")
        }
        return logits
    }

    /// Appends each sequence's next token and decides whether it is done.
    private func choose(_ logits: Matrix<Float>, for batch: [Sequence]) throws {
        let vocab = logits.cols
        logits.storage.withUnsafeBufferPointer { all in
            for (row, s) in batch.enumerated() {
                let slice = UnsafeBufferPointer(rebasing: all[(row * vocab)..<((row + 1) * vocab)])
                let choice = Sampler.choose(slice, settings: settings.sampling, random: &s.random)
                s.output.append(choice.id)
                s.margins.append(choice.margin)
                if settings.eosIDs.contains(choice.id) {
                    s.finish = .eos
                }
                s.text = tokenizer.decode(s.output)
                if let stop = firstStop(in: s.text) {
                    s.text = String(s.text[..<stop])
                    s.finish = .stop
                } else if s.finish == nil, s.output.count >= settings.maxNewTokens {
                    s.finish = .length
                }
            }
        }
    }

    private func firstStop(in text: String) -> String.Index? {
        var best: String.Index?
        for stop in settings.stopStrings where !stop.isEmpty {
            if let r = text.range(of: stop), best.map({ r.lowerBound < $0 }) ?? true { best = r.lowerBound }
        }
        return best
    }
}

@inline(__always)
func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9
}
