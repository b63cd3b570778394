// Creating datasets in a group.
import CHDF5
import Foundation

extension H5Group {
    /// Creates a dataset of `T` with extent `shape` (rank 0 is a scalar) and returns it open.
    ///
    /// - `maxShape`: the extent it may grow to, one entry per dimension, nil for unlimited
    ///   (`H5S_UNLIMITED`); nil means fixed at `shape`.
    /// - `chunk`: chunk extent. Growable, deflated or shuffled datasets must be chunked; without `chunk`
    ///   they get one that halves the largest dimension until a chunk is at most 1 MiB (the size of
    ///   libhdf5's default chunk cache).
    /// - `deflate`: zlib level 0…9 (`H5Pset_deflate`); `shuffle` adds the byte-shuffle filter before it
    ///   (`H5Pset_shuffle`), which groups the bytes of each significance and helps deflate on floats.
    /// - `allocateEarly`: allocate all chunks at creation (`H5D_ALLOC_TIME_EARLY`) instead of on first write.
    ///
    /// Missing intermediate groups are created. Refuses a path that already exists.
    public func createDataset<T: HDF5Scalar>(
        _ path: String, of: T.Type, shape: [Int], maxShape: [Int?]? = nil, chunk: [Int]? = nil,
        deflate: Int? = nil, shuffle: Bool = false, allocateEarly: Bool = false
    ) throws -> H5Dataset {
        try HDF5Library.locked {
            let site = site(for: path)
            let layout = try DatasetLayout(shape: shape, maxShape: maxShape, chunk: chunk, deflate: deflate,
                                           shuffle: shuffle, elementSize: T.hdf5Kind.byteCount, site: site)
            return try create(path, fileType: T.hdf5Kind.fileType, layout: layout, allocateEarly: allocateEarly)
        }
    }

    /// Creates a dataset of `T` with extent `shape`, writes `values` (row-major) and returns it open.
    public func writeDataset<T: HDF5Scalar>(
        _ path: String, _ values: [T], shape: [Int], chunk: [Int]? = nil, deflate: Int? = nil,
        shuffle: Bool = false
    ) throws -> H5Dataset {
        try HDF5Library.locked {
            let site = site(for: path)
            guard let expected = _elementCount(shape), expected == values.count else {
                throw site.shapeMismatch("\(values.count) values for shape \(shape)")
            }
            let dataset = try createDataset(path, of: T.self, shape: shape, chunk: chunk, deflate: deflate,
                                            shuffle: shuffle)
            try dataset.write(values)
            return dataset
        }
    }

    /// Creates a 1-D dataset of UTF-8 strings holding `values` and returns it open.
    ///
    /// The strings are **fixed-length** (`H5T_C_S1`, size = the longest value's UTF-8 bytes, `H5T_STR_NULLPAD`,
    /// `H5T_CSET_UTF8`) and so live in the dataset's own raw data. Variable-length strings live in the
    /// file's global heap (HDF5 File Format Specification III.E), which has no checksum and whose sizes and
    /// indices libhdf5 1.10 follows unchecked: a flipped byte there crashes the reader. Fixed-length values
    /// are plain bytes to libhdf5, and the dataset's type, shape and address sit in a checksummed object
    /// header (see `H5File.create`). Padding costs (longest − mean) bytes per value; when that would make the
    /// dataset more than 4 times (and 1 MiB more than) the variable-length total, the values are written
    /// variable-length instead. Readers here read both kinds; h5py reads both with `.asstr()`. A value's
    /// bytes after an embedded NUL are dropped in either kind (C strings).
    public func writeStrings(_ path: String, _ values: [String]) throws -> H5Dataset {
        try HDF5Library.locked {
            let site = site(for: path)
            let bytes = values.map { Array($0.utf8.prefix { $0 != 0 }) }
            let width = max(1, bytes.map(\.count).max() ?? 1)
            let total = bytes.reduce(0) { $0 + $1.count + 1 }
            let (padded, overflow) = width.multipliedReportingOverflow(by: values.count)
            guard !overflow, padded <= max(4 * total, total + (1 << 20)) else {
                return try writeVariableLengthStrings(path, values, site: site)
            }
            let layout = try DatasetLayout(shape: [values.count], maxShape: nil, chunk: nil, deflate: nil,
                                           shuffle: false, elementSize: width, site: site)
            let type = try H5Strings.fixedUTF8Type(width: width, site: site)
            defer { _ = H5Tclose(type) }
            let dataset = try create(path, fileType: type, layout: layout, allocateEarly: false)
            guard !values.isEmpty else { return dataset }
            var buffer = [UInt8](repeating: 0, count: padded)
            for (index, value) in bytes.enumerated() {
                buffer.replaceSubrange(index * width ..< index * width + value.count, with: value)
            }
            try buffer.withUnsafeBytes { raw in
                try site.check(H5Dwrite(dataset.id, type, ih5_s_all(), ih5_s_all(), ih5_p_default(), raw.baseAddress),
                               "H5Dwrite")
            }
            return dataset
        }
    }

    /// A 1-D dataset of variable-length UTF-8 strings (lock held).
    private func writeVariableLengthStrings(_ path: String, _ values: [String], site: H5Site) throws -> H5Dataset {
        let layout = try DatasetLayout(shape: [values.count], maxShape: nil, chunk: nil, deflate: nil,
                                       shuffle: false, elementSize: 16, site: site)
        let type = try H5Strings.variableUTF8Type(site: site)
        defer { _ = H5Tclose(type) }
        let dataset = try create(path, fileType: type, layout: layout, allocateEarly: false)
        try H5Strings.withCStrings(values) { buffer in
            guard let buffer else { return }
            try site.check(H5Dwrite(dataset.id, type, ih5_s_all(), ih5_s_all(), ih5_p_default(), buffer),
                           "H5Dwrite")
        }
        return dataset
    }

    /// `H5Dcreate2` with the dataspace and creation properties of `layout` (lock held).
    private func create(_ path: String, fileType: hid_t, layout: DatasetLayout, allocateEarly: Bool) throws -> H5Dataset {
        let site = site(for: path)
        if path.isEmpty { throw site.invalid("empty dataset path") }
        if linkExists(path) { throw HDF5Error.objectExists(file: site.file, path: site.path) }

        let space: hid_t
        if layout.shape.isEmpty {
            space = try site.check(H5Screate(H5S_SCALAR), "H5Screate")
        } else {
            var current = layout.shape.map { hsize_t($0) }
            var maximum = layout.maxShape.map { $0.map { hsize_t($0) } ?? ih5_s_unlimited() }
            space = try site.check(H5Screate_simple(Int32(current.count), &current, &maximum), "H5Screate_simple")
        }
        defer { _ = H5Sclose(space) }

        let properties = try site.check(H5Pcreate(ih5_p_dataset_create()), "H5Pcreate(dataset create)")
        defer { _ = H5Pclose(properties) }
        if let chunk = layout.chunk {
            var extent = chunk.map { hsize_t($0) }
            try site.check(H5Pset_chunk(properties, Int32(extent.count), &extent), "H5Pset_chunk")
        }
        // Filters run in the order they are added: shuffle first, so deflate sees the regrouped bytes.
        if layout.shuffle { try site.check(H5Pset_shuffle(properties), "H5Pset_shuffle") }
        if let level = layout.deflate { try site.check(H5Pset_deflate(properties, UInt32(level)), "H5Pset_deflate") }
        if allocateEarly {
            try site.check(H5Pset_alloc_time(properties, H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time")
        }

        let linkProperties = try intermediateGroupsLinkProperties(site)
        defer { _ = H5Pclose(linkProperties) }
        let id = try site.check(H5Dcreate2(self.id, path, fileType, space, linkProperties, properties,
                                           ih5_p_default()), "H5Dcreate2")
        return H5Dataset(id: id, file: file, path: site.path)
    }
}

/// The validated extent, growth limit, chunking and filters of a dataset to create.
struct DatasetLayout {
    let shape: [Int]
    let maxShape: [Int?]
    let chunk: [Int]?
    let deflate: Int?
    let shuffle: Bool

    /// libhdf5 refuses chunks of 4 GiB or more.
    static let chunkByteLimit = 1 << 32 - 1
    /// Target size of a chosen chunk: libhdf5's default chunk cache (1 MiB) then holds a whole chunk.
    static let chosenChunkBytes = 1 << 20

    init(shape: [Int], maxShape: [Int?]?, chunk: [Int]?, deflate: Int?, shuffle: Bool, elementSize: Int,
         site: H5Site) throws {
        if shape.contains(where: { $0 < 0 }) { throw site.invalid("negative extent in shape \(shape)") }
        guard _elementCount(shape) != nil else { throw site.invalid("shape \(shape) overflows") }
        let maxShape = maxShape ?? shape.map { $0 }
        guard maxShape.count == shape.count else {
            throw site.shapeMismatch("maxShape \(_describe(maxShape)) does not match the rank of shape \(shape)")
        }
        for (extent, limit) in zip(shape, maxShape) {
            if let limit, limit < extent {
                throw site.shapeMismatch("maxShape \(_describe(maxShape)) is smaller than shape \(shape)")
            }
        }
        if let deflate, !(0...9).contains(deflate) {
            throw site.invalid("deflate level \(deflate) is outside 0…9")
        }
        let growable = zip(shape, maxShape).contains { extent, limit in limit != extent }
        let needsChunks = growable || deflate != nil || shuffle || chunk != nil
        if shape.isEmpty && needsChunks {
            throw site.invalid("a scalar dataset cannot be chunked, filtered or grown")
        }

        var chosen: [Int]? = nil
        if let chunk {
            guard chunk.count == shape.count else {
                throw site.shapeMismatch("chunk \(chunk) does not match the rank of shape \(shape)")
            }
            for (extent, limit) in zip(chunk, maxShape) {
                if extent < 1 { throw site.invalid("chunk \(chunk) has an extent below 1") }
                if let limit, extent > limit {
                    throw site.invalid("chunk \(chunk) exceeds the fixed dimensions of maxShape \(_describe(maxShape))")
                }
            }
            guard let count = _elementCount(chunk),
                  case let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize),
                  !overflow, bytes <= Self.chunkByteLimit else {
                throw site.invalid("chunk \(chunk) is 4 GiB or more")
            }
            chosen = chunk
        } else if needsChunks {
            chosen = Self.chooseChunk(shape: shape, maxShape: maxShape, elementSize: elementSize)
        }
        self.shape = shape
        self.maxShape = maxShape
        self.chunk = chosen
        self.deflate = deflate
        self.shuffle = shuffle
    }

    /// Starts from the current extent (at least 1, at most a fixed limit) and halves the largest dimension
    /// until a chunk is at most `chosenChunkBytes`.
    static func chooseChunk(shape: [Int], maxShape: [Int?], elementSize: Int) -> [Int] {
        var chunk = zip(shape, maxShape).map { extent, limit in max(1, min(extent, limit ?? Int.max)) }
        while let count = _elementCount(chunk), count > 1, count > chosenChunkBytes / elementSize
            || count.multipliedReportingOverflow(by: elementSize).overflow {
            guard let largest = chunk.indices.max(by: { chunk[$0] < chunk[$1] }) else { break }
            chunk[largest] = (chunk[largest] + 1) / 2
        }
        return chunk
    }
}

/// A maximum extent as messages show it: `[unlimited, 4]`.
func _describe(_ maxShape: [Int?]) -> String {
    "[" + maxShape.map { $0.map(String.init) ?? "unlimited" }.joined(separator: ", ") + "]"
}
