// A short identity of a trace run: model, corpus, tokens and settings, checked by `--resume`.
import Foundation
import Checkpoints
import Models

/// FNV-1a 64-bit over a canonical byte serialization of everything that determines the output file
/// (not a cryptographic hash: it guards against resuming with different inputs by mistake).
public struct RunFingerprint: Sendable {
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var h = hash
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        hash = h
    }

    public mutating func add(_ string: String) {
        var s = string
        s.withUTF8 { add(UnsafeRawBufferPointer($0)) }
        addSeparator()
    }

    public mutating func add(_ ids: [Int32]) {
        ids.withUnsafeBytes { add($0) }
        addSeparator()
    }

    /// Ends a field (unit separator) so that "ab"+"c" and "a"+"bc" differ.
    private mutating func addSeparator() {
        var separator: UInt8 = 0x1f
        withUnsafeBytes(of: &separator) { add($0) }
    }

    public var hex: String { String(hash, radix: 16).leftPadded(to: 16) }

    /// The fingerprint of a run of `plan` on a model described by `modelIdentity` and `config`.
    public static func of(plan: TracePlan, modelIdentity: String, config: ModelConfig) -> String {
        var f = RunFingerprint()
        // 2: batches packed across languages (the plan, and so the journal's batch count, changed).
        // 3: batches balanced to an even count (`TracePlan.balancedPack`): the same change again.
        f.add("interlingua.trace/3")
        f.add(modelIdentity)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        f.add((try? encoder.encode(config)).map { String(decoding: $0, as: UTF8.self) } ?? "")
        f.add((try? encoder.encode(plan.settings)).map { String(decoding: $0, as: UTF8.self) } ?? "")
        for id in plan.corpus.ids { f.add(id) }
        for (l, tokenized) in plan.languages.enumerated() {
            f.add(tokenized.language)
            for text in plan.corpus.texts[l] { f.add(text) }
            f.add(tokenized.ids)
            f.add(tokenized.offsets.map { Int32(truncatingIfNeeded: $0) })
            f.add(tokenized.poolSpans.flatMap { [Int32($0.lowerBound), Int32($0.upperBound)] })
        }
        return f.hex
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
