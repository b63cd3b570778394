import Testing

// Replaced by the Alignment issue's tests.
@Test func alignmentBuilds() { #expect(Bool(true)) }
