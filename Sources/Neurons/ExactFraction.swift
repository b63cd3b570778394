// Quantiles and rates as exact decimal fractions, so that ranks are integers computed the reference's way.
import Foundation

/// A decimal number in [0, 1] as numerator / 10^digits (at most 9 digits), parsed from its text.
///
/// `rank(of: M)` = round(value · M) with halves rounded up, in integer arithmetic:
/// (numerator · M + denominator / 2) / denominator — for 0.95 exactly the reference's (95·M + 50) // 100.
public struct ExactFraction: Sendable, Equatable, CustomStringConvertible {
    public let numerator: Int
    public let denominator: Int
    public let text: String

    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !t.isEmpty,
              whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.count <= 9, whole.count <= 1,
              !(whole.isEmpty && fraction.isEmpty) else { return nil }
        var den = 1
        for _ in 0..<fraction.count { den *= 10 }
        let num = (Int(whole.isEmpty ? "0" : String(whole)) ?? 0) * den + (Int(fraction.isEmpty ? "0" : String(fraction)) ?? 0)
        guard num <= den else { return nil }
        numerator = num
        denominator = den
        self.text = t
    }

    public var value: Double { Double(numerator) / Double(denominator) }

    /// round(value · count), halves up, exact (count below 2^33).
    public func rank(of count: Int) -> Int { (numerator * count + denominator / 2) / denominator }

    /// The value in percent as the reference writes it (95, 1), or a fraction of a percent when needed.
    public var percent: Double { Double(numerator) * 100 / Double(denominator) }

    public var description: String { text }
}
