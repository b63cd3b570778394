import Foundation
import Testing
import TestSupport
import Tracing

@Suite("Trace progress arrives within each batch, layer by layer, naming the language (#16.8)")
struct ProgressTests {
    @Test("every batch reports each of its layers, then itself, and tokens never go backwards")
    func perLayer() throws {
        let dir = try TestPaths.temporaryDirectory("progress")
        let run = try doubleRun(output: dir.appendingPathComponent("p.h5"))
        var reports: [TraceProgress] = []
        _ = try run.run(resume: false) { reports.append($0) }
        let batches = run.plan.batches
        // 2 layers per batch + the batch's own report.
        #expect(reports.count == batches.count * 3)
        for (index, batch) in batches.enumerated() {
            let own = reports[(3 * index)..<(3 * index + 3)].map { $0 }
            let language = batch.segments.map { run.plan.languages[$0.language].language }.joined(separator: "+")
            #expect(own.map(\.language) == [language, language, language])
            #expect(own.map(\.layersDone) == [1, 2, 0] && own.map(\.layersTotal) == [2, 2, 0])
            #expect(own[0].batchesDone == index && own[2].batchesDone == index + 1)
        }
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.tokensDone <= $1.tokensDone })
        #expect(reports.last?.tokensDone == run.plan.tokenCount)
    }
}
