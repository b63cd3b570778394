// Linear scales and "nice" ticks.
import Foundation

/// Tick steps by the 1-2-5 rule (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990): the step
/// is 1, 2 or 5 × 10^k, the one whose tick count is closest to the target.
public enum NiceTicks {
    /// The 1-2-5 step giving about `targetCount` intervals over `span` (> 0).
    public static func step(span: Double, targetCount: Int) -> Double {
        guard span.isFinite, span > 0 else { return 1 }
        let raw = span / Double(max(1, targetCount))
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        let nice: Double
        if fraction < 1.5 { nice = 1 } else if fraction < 3.5 { nice = 2 } else if fraction < 7.5 { nice = 5 } else { nice = 10 }
        return nice * magnitude
    }

    /// The multiples of the 1-2-5 step that lie in `lower ... upper` (inclusive up to rounding).
    public static func ticks(lower: Double, upper: Double, targetCount: Int = 5) -> [Double] {
        guard lower.isFinite, upper.isFinite else { return [] }
        if lower == upper { return [lower] }
        let (lo, hi) = lower < upper ? (lower, upper) : (upper, lower)
        let step = step(span: hi - lo, targetCount: targetCount)
        let first = ceil(lo / step - 1e-9)
        let last = floor(hi / step + 1e-9)
        guard last >= first, last - first < 10_000 else { return [] }
        return stride(from: first, through: last, by: 1).map { clean($0 * step) }
    }

    /// `lower ... upper` widened outward to multiples of the 1-2-5 step, so the first and last ticks are the
    /// axis ends. A degenerate range (one value) becomes that value ± 1 (or ± 5 % of it).
    public static func niceDomain(lower: Double, upper: Double, targetCount: Int = 5) -> ClosedRange<Double> {
        guard lower.isFinite, upper.isFinite else { return 0...1 }
        var (lo, hi) = lower <= upper ? (lower, upper) : (upper, lower)
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) * 0.05
            lo -= pad
            hi += pad
        }
        let step = step(span: hi - lo, targetCount: targetCount)
        return clean(floor(lo / step + 1e-9) * step)...clean(ceil(hi / step - 1e-9) * step)
    }

    /// Removes binary floating-point noise (0.30000000000000004 → 0.3) from a tick value.
    static func clean(_ value: Double) -> Double {
        guard value != 0, value.isFinite else { return value == 0 ? 0 : value }
        let digits = 12 - Int(floor(log10(abs(value))))
        let factor = pow(10, Double(max(0, min(digits, 15))))
        return (value * factor).rounded() / factor
    }

    /// A tick label with just as many decimals as `step` needs (step 0.25 → "0.25", 0.2 → "0.2", 5 → "5"):
    /// the fewest decimals d ≤ 6 for which step · 10^d is an integer.
    public static func label(_ value: Double, step: Double) -> String {
        guard value.isFinite else { return "" }
        var decimals = 0
        if step.isFinite, step > 0 {
            while decimals < 6 {
                let scaled = step * pow(10, Double(decimals))
                if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { break }
                decimals += 1
            }
        }
        return format(value, decimals: decimals)
    }

    private static func format(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        // "-0" and "-0.0" read as a glitch.
        if Double(text) == 0 { return String(format: "%.\(decimals)f", 0.0) }
        return text.replacingOccurrences(of: "-", with: "\u{2212}")
    }
}

/// An affine map from a data interval to a pixel interval: `y = range.lower + (x − d0)/(d1 − d0) ·
/// (range.upper − range.lower)`. The pixel interval may be reversed (y axes grow downward in SVG).
public struct LinearScale: Sendable, Equatable {
    public let domainLower: Double
    public let domainUpper: Double
    public let rangeStart: Double
    public let rangeEnd: Double

    public init(domain: ClosedRange<Double>, range: (start: Double, end: Double)) {
        domainLower = domain.lowerBound
        domainUpper = domain.upperBound
        rangeStart = range.start
        rangeEnd = range.end
    }

    public var domain: ClosedRange<Double> { domainLower...domainUpper }

    /// The pixel position of `value` (the middle of the range when the domain is a single point).
    public func callAsFunction(_ value: Double) -> Double {
        let span = domainUpper - domainLower
        guard span != 0 else { return (rangeStart + rangeEnd) / 2 }
        return rangeStart + (value - domainLower) / span * (rangeEnd - rangeStart)
    }

    /// 1-2-5 ticks inside the domain.
    public func ticks(targetCount: Int = 5) -> [Double] {
        NiceTicks.ticks(lower: domainLower, upper: domainUpper, targetCount: targetCount)
    }
}
