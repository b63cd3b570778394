import Testing

// Replaced by the Plotting issue's tests.
@Test func plottingBuilds() { #expect(Bool(true)) }
