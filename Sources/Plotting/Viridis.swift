// The viridis sequential colormap.

/// Viridis (van der Walt & Smith, matplotlib 2.0 default): perceptually uniform, readable in grayscale and
/// by the common color-vision deficiencies. Interpolated linearly in sRGB between nine control points, the
/// published 9-step sampling (`viridis(9)` in matplotlib/viridisLite: #440154 … #FDE725).
public enum Viridis {
    public static let controlPoints: [RGBColor] = [
        RGBColor(0x440154), RGBColor(0x472D7B), RGBColor(0x3B528B), RGBColor(0x2C728E), RGBColor(0x21908C),
        RGBColor(0x27AD81), RGBColor(0x5DC863), RGBColor(0xAADC32), RGBColor(0xFDE725),
    ]

    /// The color at `t` ∈ [0, 1] (clamped; non-finite values map to the low end).
    public static func color(at t: Double) -> RGBColor {
        let t = t.isFinite ? min(1, max(0, t)) : 0
        let position = t * Double(controlPoints.count - 1)
        let index = min(controlPoints.count - 2, Int(position))
        return RGBColor.interpolate(controlPoints[index], controlPoints[index + 1], position - Double(index))
    }
}
