import Foundation
import HDF5
import Testing

@Suite("Numeric datasets round-trip for every element type, rank and layout")
struct DatasetRoundTripTests {
    @Test func chunkedCompressedFloat32OfRankThree() throws {
        let file = try H5File.create(try scratchFile())
        let values = (0..<(3 * 4 * 5)).map { Float($0) * 0.25 - 7 }
        let written = try file.root.writeDataset("activations/layer", values, shape: [3, 4, 5], chunk: [1, 4, 5],
                                                 deflate: 6, shuffle: true)
        #expect(written.shape == [3, 4, 5])
        #expect(written.chunkShape == [1, 4, 5])
        let dataset = try file.root.dataset("/activations/layer")
        #expect(try dataset.read(Float.self) == values)
    }

    @Test func everyElementTypeRoundTrips() throws {
        let file = try H5File.create(try scratchFile())
        let root = file.root
        #expect(try root.writeDataset("f64", [1e-300, -2.5, .pi], shape: [3]).read(Double.self) == [1e-300, -2.5, .pi])
        let int32s: [Int32] = [.min, -1, 0, 1, .max, 42]
        #expect(try root.writeDataset("i32", int32s, shape: [2, 3], deflate: 1).read(Int32.self) == int32s)
        let int64s: [Int64] = (0..<16).map { Int64(1) << 40 + Int64($0) - 8 }
        #expect(try root.writeDataset("i64", int64s, shape: [2, 2, 2, 2], shuffle: true).read(Int64.self) == int64s)
        let int8s: [Int8] = [-128, -1, 0, 127]
        #expect(try root.writeDataset("i8", int8s, shape: [4]).read(Int8.self) == int8s)
        let bytes: [UInt8] = [0, 1, 254, 255]
        #expect(try root.writeDataset("u8", bytes, shape: [2, 2]).read(UInt8.self) == bytes)
        let scalar = try root.writeDataset("scalar", [3.25] as [Float], shape: [])
        #expect(scalar.shape == [])
        #expect(scalar.chunkShape == nil)
        #expect(try scalar.read(Float.self) == [3.25])
    }

    @Test func readsConvertToTheRequestedNativeType() throws {
        let file = try H5File.create(try scratchFile())
        let dataset = try file.root.writeDataset("f32", [0.5, -1.25, 3] as [Float], shape: [3])
        #expect(try dataset.read(Double.self) == [0.5, -1.25, 3])
        let integers = try file.root.writeDataset("i32", [7, -9] as [Int32], shape: [2])
        #expect(try integers.read(Int64.self) == [7, -9])
        #expect(try integers.read(Float.self) == [7, -9])
    }

    @Test func filtersWithoutAChunkGetOneOfAtMostOneMebibyte() throws {
        let file = try H5File.create(try scratchFile())
        let dataset = try file.root.createDataset("big", of: Float.self, shape: [1000, 600], deflate: 1)
        // 1000 × 600 floats = 2.4 MB: halving the largest dimension gives 500 × 600 = 1.2 MB, still above
        // 1 MiB = 1 048 576 bytes, then 500 × 300 = 600 kB.
        #expect(dataset.chunkShape == [500, 300])
        let contiguous = try file.root.createDataset("plain", of: Float.self, shape: [10, 10])
        #expect(contiguous.chunkShape == nil)
    }

    @Test func earlyAllocationReadsTheFillValueBeforeAnyWrite() throws {
        let file = try H5File.create(try scratchFile())
        let dataset = try file.root.createDataset("early", of: Double.self, shape: [2, 3], chunk: [1, 3],
                                                  allocateEarly: true)
        #expect(try dataset.read(Double.self) == Array(repeating: 0, count: 6))
    }
}

@Suite("Dataset creation refuses impossible layouts before calling the library")
struct DatasetLayoutValidationTests {
    @Test func impossibleLayoutsAreNamedInTheError() throws {
        let url = try scratchFile()
        let root = try H5File.create(url).root
        #expect(throws: HDF5Error.invalidArgument(file: url.path, path: "/d", detail: "deflate level 12 is outside 0…9")) {
            try root.createDataset("d", of: Float.self, shape: [4], deflate: 12)
        }
        #expect(throws: HDF5Error.invalidArgument(file: url.path, path: "/d", detail: "negative extent in shape [4, -1]")) {
            try root.createDataset("d", of: Float.self, shape: [4, -1])
        }
        #expect(throws: HDF5Error.shapeMismatch(file: url.path, path: "/d",
                                                detail: "chunk [2] does not match the rank of shape [4, 4]")) {
            try root.createDataset("d", of: Float.self, shape: [4, 4], chunk: [2])
        }
        #expect(throws: HDF5Error.shapeMismatch(file: url.path, path: "/d",
                                                detail: "maxShape [2] is smaller than shape [4]")) {
            try root.createDataset("d", of: Float.self, shape: [4], maxShape: [2])
        }
        #expect(throws: HDF5Error.invalidArgument(file: url.path, path: "/d",
                                                  detail: "a scalar dataset cannot be chunked, filtered or grown")) {
            try root.createDataset("d", of: Float.self, shape: [], deflate: 1)
        }
        #expect(!root.contains("d"))
    }
}

@Suite("An unlimited first dimension grows by appends")
struct AppendTests {
    @Test func appendsGrowDimensionZeroAndKeepEarlierRows() throws {
        let url = try scratchFile()
        do {
            let file = try H5File.create(url)
            let dataset = try file.root.createDataset("rows", of: Float.self, shape: [0, 3], maxShape: [nil, 3],
                                                      chunk: [4, 3], deflate: 4, shuffle: true)
            #expect(dataset.maxShape == [nil, 3])
            try dataset.append([1, 2, 3, 4, 5, 6] as [Float], rows: 2)
            let more: [Float] = [7, 8, 9, 10, 11, 12, 13, 14, 15]
            try more.withUnsafeBufferPointer { try dataset.append($0, rows: 3) }
            #expect(dataset.shape == [5, 3])
        }
        let dataset = try H5File.open(url).root.dataset("rows")
        #expect(dataset.shape == [5, 3])
        #expect(try dataset.read(Float.self) == (1...15).map(Float.init))
    }

    @Test func resizeWithinLimitsAndRefusalsBeyondThem() throws {
        let url = try scratchFile()
        let file = try H5File.create(url)
        let dataset = try file.root.createDataset("grow", of: Int32.self, shape: [1, 2], maxShape: [nil, 4])
        try dataset.resize(to: [3, 4])
        #expect(dataset.shape == [3, 4])
        #expect(throws: HDF5Error.shapeMismatch(file: url.path, path: "/grow",
                                                detail: "cannot resize to [3, 5]: dimension 1 is limited to 4")) {
            try dataset.resize(to: [3, 5])
        }
        #expect(throws: HDF5Error.shapeMismatch(file: url.path, path: "/grow",
                                                detail: "5 values cannot be 2 rows of [4]")) {
            try dataset.append([1, 2, 3, 4, 5] as [Int32], rows: 2)
        }
        #expect(dataset.shape == [3, 4])
    }
}

@Suite("Hyperslabs read and write sub-blocks")
struct HyperslabTests {
    /// value[i][j][k] = 100 i + 10 j + k
    static func value(_ i: Int, _ j: Int, _ k: Int) -> Float { Float(100 * i + 10 * j + k) }

    @Test func pointerWritesFillSlabsThatReadBackInPlace() throws {
        let file = try H5File.create(try scratchFile())
        let dataset = try file.root.createDataset("cube", of: Float.self, shape: [4, 5, 6], chunk: [1, 5, 6],
                                                  deflate: 1, shuffle: true)
        // Write layer by layer, as the tracer does.
        for i in 0..<4 {
            var layer = [Float]()
            for j in 0..<5 { for k in 0..<6 { layer.append(Self.value(i, j, k)) } }
            try layer.withUnsafeBufferPointer { try dataset.write($0, offset: [i, 0, 0], count: [1, 5, 6]) }
        }
        // A block in the middle: i in 1..<3, j in 2..<4, k in 3..<6.
        let block = try dataset.read(Float.self, offset: [1, 2, 3], count: [2, 2, 3])
        var expected = [Float]()
        for i in 1..<3 { for j in 2..<4 { for k in 3..<6 { expected.append(Self.value(i, j, k)) } } }
        #expect(block == expected)

        var row = [Float](repeating: -1, count: 6)
        try row.withUnsafeMutableBufferPointer { try dataset.read(into: $0, offset: [3, 4, 0], count: [1, 1, 6]) }
        #expect(row == (0..<6).map { Self.value(3, 4, $0) })
    }

    @Test func arrayWritesReplaceOnlyTheSelection() throws {
        let file = try H5File.create(try scratchFile())
        let dataset = try file.root.writeDataset("grid", [Int64](repeating: 0, count: 12), shape: [3, 4])
        try dataset.write([1, 2, 3, 4] as [Int64], offset: [1, 1], count: [2, 2])
        #expect(try dataset.read(Int64.self) == [0, 0, 0, 0,
                                                  0, 1, 2, 0,
                                                  0, 3, 4, 0])
        #expect(try dataset.read(Int64.self, offset: [0, 0], count: [0, 4]) == [])
    }

    @Test func selectionsOutsideTheShapeOrOfTheWrongSizeAreRefused() throws {
        let url = try scratchFile()
        let file = try H5File.create(url)
        let dataset = try file.root.createDataset("m", of: Double.self, shape: [2, 3])
        #expect(throws: HDF5Error.shapeMismatch(file: url.path, path: "/m",
                                                detail: "selection offset [1, 1] count [2, 2] lies outside shape [2, 3]")) {
            try dataset.read(Double.self, offset: [1, 1], count: [2, 2])
        }
        #expect(throws: HDF5Error.shapeMismatch(file: url.path, path: "/m",
                                                detail: "selection offset [0] count [2] does not match the rank of shape [2, 3]")) {
            try dataset.read(Double.self, offset: [0], count: [2])
        }
        #expect(throws: HDF5Error.shapeMismatch(file: url.path, path: "/m",
                                                detail: "3 values for a selection of [1, 2] = 2 values")) {
            try dataset.write([1, 2, 3] as [Double], offset: [0, 0], count: [1, 2])
        }
        #expect(throws: HDF5Error.shapeMismatch(file: url.path, path: "/m",
                                                detail: "5 values for a selection of [2, 3] = 6 values")) {
            try dataset.write([1, 2, 3, 4, 5] as [Double])
        }
        #expect(throws: HDF5Error.shapeMismatch(file: url.path, path: "/n", detail: "4 values for shape [5]")) {
            try file.root.writeDataset("n", [1, 2, 3, 4] as [Float], shape: [5])
        }
        #expect(!file.root.contains("n"))
    }
}
