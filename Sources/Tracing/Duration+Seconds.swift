// The one Duration → seconds conversion of the tracer, the CLI and the benchmarks.

extension Duration {
    /// The duration in seconds (`components` is seconds + attoseconds, 10⁻¹⁸ s).
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
