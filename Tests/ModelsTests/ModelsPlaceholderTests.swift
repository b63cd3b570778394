import Testing

// Replaced by the Models issue's tests.
@Test func modelsBuilds() { #expect(Bool(true)) }
