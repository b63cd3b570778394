import Activations
import Testing
import Tracing

@Suite("Pooling follows its formula")
struct PoolingFormulaTests {
    // Three tokens, d = 2.
    let states: [Float] = [1, 10, 2, 20, 6, 60]

    @Test("mean, last and position-weighted mean by hand")
    func byHand() {
        #expect(Pooling.mean.pool(states, rows: 0..<3, dimension: 2) == [3, 30])
        #expect(Pooling.last.pool(states, rows: 0..<3, dimension: 2) == [6, 60])
        // (1·1 + 2·2 + 3·6) / 6 = 23/6
        #expect(Pooling.weighted.pool(states, rows: 0..<3, dimension: 2) == [Float(23.0 / 6), Float(230.0 / 6)])
        // Weights restart at 1 at the span's first row.
        #expect(Pooling.weighted.pool(states, rows: 1..<3, dimension: 2) == [Float(14.0 / 3), Float(140.0 / 3)])
        #expect(Pooling.mean.pool(states, rows: 1..<2, dimension: 2) == [2, 20])
    }
}
