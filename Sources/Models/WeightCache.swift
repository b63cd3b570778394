// `--weight-cache auto|off|SIZE`: whether a run keeps every layer's decoded weights in memory.
import Foundation

/// The memory a run may spend on decoded weights (`DecoderModel.keepsDecodedWeights`).
///
/// Kept, a layer is decoded once per run; otherwise once per packed batch (a quantized model re-decodes
/// its whole weight set for every batch). Only all layers or none are kept, and only when all of them
/// fit: the decoded size is `DecoderModel.decodedWeightBytes` (4 bytes per projection weight: 0.54 GB for
/// SmolLM2-135M, 1.1 GB for Gemma 3 270M, about 26 GB for a 7B model).
///
/// - `auto`: keep when the decoded weights take at most `autoShare` (one half) of `MemAvailable`
///   (/proc/meminfo) at the start of the run, leaving the other half for the batch activations, the
///   memory-mapped model file and other processes; a 7B model (26 GB) is never kept on a 24 GB machine.
/// - `off`: never keep (per-layer decoding, the lowest memory).
/// - SIZE (`512M`, `2G`, `1.5GiB`, bytes): keep when the decoded weights fit in SIZE and in `MemAvailable`.
public enum WeightCache: Equatable, Sendable, CustomStringConvertible {
    case auto
    case off
    case bytes(Int)

    /// The share of `MemAvailable` that `auto` may use.
    public static let autoShare = 0.5

    /// Parses `auto`, `off` or a size with an optional K/M/G/T suffix (powers of 1024; `B`, `iB` allowed).
    public init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        switch text {
        case "auto": self = .auto
        case "off", "0", "none": self = .off
        default:
            var number = Substring(text)
            for suffix in ["ib", "b"] where number.hasSuffix(suffix) { number = number.dropLast(suffix.count); break }
            var multiplier = 1.0
            if let last = number.last, let power = ["k": 1, "m": 2, "g": 3, "t": 4][String(last)] {
                multiplier = pow(1024, Double(power))
                number = number.dropLast()
            }
            guard let value = Double(number), value.isFinite, value >= 0, value * multiplier < 1e18 else { return nil }
            self = .bytes(Int(value * multiplier))
        }
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .off: return "off"
        case .bytes(let n): return String(format: "%.2f GiB", Double(n) / 1_073_741_824)
        }
    }

    /// Whether `decodedBytes` of weights may be kept with `available` bytes free (default: `MemAvailable`).
    public func keeps(decodedBytes: Int, available: Int? = WeightCache.memoryAvailable) -> Bool {
        guard decodedBytes > 0 else { return false }
        let free = available ?? 0  // unknown free memory: keep nothing rather than guess
        switch self {
        case .off: return false
        case .auto: return Double(decodedBytes) <= Self.autoShare * Double(free)
        case .bytes(let limit): return decodedBytes <= min(limit, free)
        }
    }

    /// Applies the policy to `model` (keeping or not) and returns whether it keeps its weights.
    @discardableResult
    public func apply(to model: any DecoderModel, available: Int? = WeightCache.memoryAvailable) -> Bool {
        let keep = keeps(decodedBytes: model.decodedWeightBytes, available: available)
        model.keepsDecodedWeights = keep
        return keep
    }

    /// `MemAvailable` of /proc/meminfo in bytes (nil where there is none).
    public static var memoryAvailable: Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kib = Int(fields[1]) else { return nil }
            return kib * 1024
        }
        return nil
    }
}
