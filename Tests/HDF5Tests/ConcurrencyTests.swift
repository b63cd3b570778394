import Foundation
import HDF5
import Testing

@Suite("Concurrent use from many tasks is serialized safely")
struct ConcurrencyTests {
    @Test func tasksWritingToOneFileAndToTheirOwnFilesAllLand() async throws {
        let shared = try H5File.create(try scratchFile("shared.h5"))
        let dataset = try shared.root.createDataset("rows", of: Float.self, shape: [16, 64])
        let ownFiles = try (0..<16).map { try scratchFile("own-\($0).h5") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<16 {
                group.addTask {
                    let row = [Float](repeating: Float(task), count: 64)
                    try dataset.write(row, offset: [task, 0], count: [1, 64])
                    try shared.root.setAttribute("task\(task)", .int(Int64(task)))
                    let own = try H5File.create(ownFiles[task])
                    let values = (0..<100).map { Double(task * 1000 + $0) }
                    _ = try own.root.writeDataset("g/values", values, shape: [10, 10], deflate: 1)
                    #expect(try own.root.dataset("g/values").read(Double.self) == values)
                }
            }
            try await group.waitForAll()
        }
        let rows = try dataset.read(Float.self)
        #expect(rows == (0..<16).flatMap { [Float](repeating: Float($0), count: 64) })
        #expect(try shared.root.attributeNames().count == 16)
        #expect(try shared.root.attribute("task9") == .int(9))
    }
}
