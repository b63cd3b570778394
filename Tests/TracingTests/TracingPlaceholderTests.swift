import Testing

// Replaced by the Tracing issue's tests.
@Test func tracingBuilds() { #expect(Bool(true)) }
