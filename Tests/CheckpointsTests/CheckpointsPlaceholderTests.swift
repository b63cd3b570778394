import Testing

// Replaced by the Checkpoints issue's tests.
@Test func checkpointsBuilds() { #expect(Bool(true)) }
