// The row bookkeeping of a shard file: plan rows and tokens to the shard's own.
import Activations
import Testing

@Suite("a shard's rows map to its datasets in run order")
struct ShardRowsTests {
    @Test("contiguous rows of a language join one run; local rows and tokens follow the runs")
    func mapping() {
        var rows = ShardRows()
        rows.append(language: 0, rows: 6..<8)
        rows.append(language: 1, rows: 0..<3)
        rows.append(language: 0, rows: 8..<10)   // continues language 0's run
        rows.append(language: 1, rows: 5..<6)    // a second run of language 1
        #expect(rows.runs == [.init(language: 0, rows: 6..<10), .init(language: 1, rows: 0..<3), .init(language: 1, rows: 5..<6)])
        #expect(rows.rowCount(language: 0) == 4 && rows.rowCount(language: 1) == 4 && rows.rowCount(language: 2) == 0)
        #expect(rows.localRows(language: 0, rows: 8..<10) == 2..<4)
        #expect(rows.localRows(language: 1, rows: 5..<6) == 3..<4)
        #expect(rows.localRows(language: 1, rows: 2..<6) == nil)   // spans a gap
        // Sentence n of language 1 has n + 1 tokens: offsets 0 1 3 6 10 15 21.
        let offsets = [0, 1, 3, 6, 10, 15, 21]
        #expect(rows.tokenCount(language: 1, offsets: offsets) == 6 + 6)
        #expect(rows.localTokens(language: 1, tokens: 15..<21, offsets: offsets) == 6..<12)
        #expect(rows.localTokens(language: 1, tokens: 1..<3, offsets: offsets) == 1..<3)
        #expect(rows.flattened == [0, 6, 10, 1, 0, 3, 1, 5, 6])
        #expect(ShardRows(runs: rows.runs) == rows)
    }
}
