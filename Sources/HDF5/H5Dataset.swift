// A dataset: an n-dimensional array of numbers or strings in an HDF5 file.
import CHDF5
import Foundation

/// An open dataset. Numeric reads and writes use the native memory type of the Swift element type
/// (`H5T_NATIVE_*`) whatever the type stored in the file, so libhdf5 converts widths and byte orders.
/// Selections are hyperslabs given as `offset` (start) and `count` (extent) per dimension, row-major like
/// the values. Every size is checked before libhdf5 is called. Instances can be shared across threads
/// (see `H5File`).
public final class H5Dataset: H5AttributeOwner, @unchecked Sendable {
    let id: hid_t
    /// The file the dataset is in; kept alive as long as the dataset is.
    public let file: H5File
    /// Absolute path of the dataset inside the file.
    public let path: String

    init(id: hid_t, file: H5File, path: String) {
        self.id = id
        self.file = file
        self.path = path
    }

    deinit {
        let id = self.id
        HDF5Library.locked { _ = H5Dclose(id) }
    }

    var site: H5Site { H5Site(file: file.url.path, path: path) }

    // MARK: - Shape

    /// The current extent (`[]` for a scalar dataset, and also if the library cannot answer).
    public var shape: [Int] { (try? HDF5Library.locked { try extent() })?.current ?? [] }

    /// The largest extent the dataset may grow to; nil entries are unlimited (`H5S_UNLIMITED`). `[]` for a
    /// scalar dataset, and also if the library cannot answer.
    public var maxShape: [Int?] { (try? HDF5Library.locked { try extent() })?.maximum ?? [] }

    /// The chunk extent, or nil when the dataset is not chunked.
    public var chunkShape: [Int]? {
        try? HDF5Library.locked { () throws -> [Int]? in
            let properties = try site.check(H5Dget_create_plist(id), "H5Dget_create_plist")
            defer { _ = H5Pclose(properties) }
            guard H5Pget_layout(properties) == H5D_CHUNKED else { return nil }
            let rank = try site.check(H5Pget_chunk(properties, 0, nil), "H5Pget_chunk")
            var chunk = [hsize_t](repeating: 0, count: Int(rank))
            try site.check(H5Pget_chunk(properties, rank, &chunk), "H5Pget_chunk")
            return chunk.map { Int($0) }
        }
    }

    /// Where a contiguous dataset's raw data lies in the file (`H5Dget_offset`, `H5Dget_storage_size`), nil
    /// for a chunked, compact or virtual dataset or one with no storage allocated. For tools and tests that
    /// need to tell raw data from metadata.
    public var contiguousStorage: Range<Int>? {
        HDF5Library.locked {
            let offset = H5Dget_offset(id)
            let bytes = H5Dget_storage_size(id)
            if offset == haddr_t.max { _ = HDF5Library.takeErrorStack(); return nil }
            guard bytes > 0, let start = Int(exactly: offset), let count = Int(exactly: bytes),
                  !start.addingReportingOverflow(count).overflow else { return nil }
            return start ..< start + count
        }
    }

    /// The current and maximum extents from the dataspace (lock held). A null dataspace (h5py's
    /// `h5py.Empty`) reads as shape `[0]`.
    func extent() throws -> (current: [Int], maximum: [Int?]) {
        let space = try site.check(H5Dget_space(id), "H5Dget_space")
        defer { _ = H5Sclose(space) }
        if H5Sget_simple_extent_type(space) == H5S_NULL { return ([0], [0]) }
        // At most H5S_MAX_RANK (32): the library refuses larger ranks.
        let rank = try site.check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims")
        var current = [hsize_t](repeating: 0, count: Int(rank))
        var maximum = [hsize_t](repeating: 0, count: Int(rank))
        try site.check(H5Sget_simple_extent_dims(space, &current, &maximum), "H5Sget_simple_extent_dims")
        let unlimited = ih5_s_unlimited()
        let currentExtents = current.compactMap { Int(exactly: $0) }
        let maximumExtents = maximum.map { $0 == unlimited ? nil : Int(exactly: $0) }
        guard currentExtents.count == current.count,
              zip(maximum, maximumExtents).allSatisfy({ $0 == unlimited || $1 != nil }) else {
            throw site.invalid("extent \(current) / \(maximum) does not fit in Int")
        }
        return (currentExtents, maximumExtents)
    }

    // MARK: - Reading numbers

    /// Every value, row-major.
    public func read<T: HDF5Scalar>(_: T.Type) throws -> [T] {
        let current = try HDF5Library.locked { try extent().current }
        return try read(T.self, offset: Array(repeating: 0, count: current.count), count: current)
    }

    /// The values of the hyperslab `offset ..< offset + count`, row-major.
    public func read<T: HDF5Scalar>(_: T.Type, offset: [Int], count: [Int]) throws -> [T] {
        try HDF5Library.locked {
            let total = try checkSelection(offset: offset, count: count)
            try _checkReadable(count: total, elementSize: MemoryLayout<T>.stride, site: site)
            return try [T](unsafeUninitializedCapacity: total) { buffer, initialized in
                try read(into: buffer, offset: offset, count: count)
                initialized = total
            }
        }
    }

    /// Reads the hyperslab `offset ..< offset + count` into `buffer`, which must hold exactly its values.
    public func read<T: HDF5Scalar>(into buffer: UnsafeMutableBufferPointer<T>, offset: [Int], count: [Int]) throws {
        try HDF5Library.locked {
            try requireNumbers()
            let total = try checkSelection(offset: offset, count: count)
            guard buffer.count == total else {
                throw site.shapeMismatch("a buffer of \(buffer.count) values for a selection of \(count) = \(total) values")
            }
            guard total > 0, let address = buffer.baseAddress else { return }
            try withSelection(offset: offset, count: count) { memorySpace, fileSpace in
                try site.check(H5Dread(id, T.hdf5Kind.nativeType, memorySpace, fileSpace, ih5_p_default(), address),
                               "H5Dread")
            }
        }
    }

    // MARK: - Writing numbers

    /// Writes every value, row-major; `values.count` must equal the product of `shape`.
    public func write<T: HDF5Scalar>(_ values: [T]) throws {
        let current = try HDF5Library.locked { try extent().current }
        try write(values, offset: Array(repeating: 0, count: current.count), count: current)
    }

    /// Writes the hyperslab `offset ..< offset + count` from `values`, row-major.
    public func write<T: HDF5Scalar>(_ values: [T], offset: [Int], count: [Int]) throws {
        try values.withUnsafeBufferPointer { try write($0, offset: offset, count: count) }
    }

    /// Writes the hyperslab `offset ..< offset + count` straight from `values` (no copy on this side;
    /// libhdf5 converts in place only when the file type differs from `T`'s native type).
    public func write<T: HDF5Scalar>(_ values: UnsafeBufferPointer<T>, offset: [Int], count: [Int]) throws {
        try HDF5Library.locked {
            try requireNumbers()
            let total = try checkSelection(offset: offset, count: count)
            guard values.count == total else {
                throw site.shapeMismatch("\(values.count) values for a selection of \(count) = \(total) values")
            }
            guard total > 0, let address = values.baseAddress else { return }
            try withSelection(offset: offset, count: count) { memorySpace, fileSpace in
                try site.check(H5Dwrite(id, T.hdf5Kind.nativeType, memorySpace, fileSpace, ih5_p_default(), address),
                               "H5Dwrite")
            }
        }
    }

    // MARK: - Growing

    /// Changes the extent (`H5Dset_extent`); each dimension must stay within `maxShape`. Only chunked
    /// datasets can change extent.
    public func resize(to newShape: [Int]) throws {
        try HDF5Library.locked {
            let (current, maximum) = try extent()
            guard newShape.count == current.count else {
                throw site.shapeMismatch("cannot resize a rank-\(current.count) dataset to \(newShape)")
            }
            for (dimension, extent) in newShape.enumerated() {
                if extent < 0 { throw site.invalid("negative extent in \(newShape)") }
                if let limit = maximum[dimension], extent > limit {
                    throw site.shapeMismatch("cannot resize to \(newShape): dimension \(dimension) is limited to \(limit)")
                }
            }
            var dimensions = newShape.map { hsize_t($0) }
            try site.check(H5Dset_extent(id, &dimensions), "H5Dset_extent")
        }
    }

    /// Grows dimension 0 by `rows` and writes `values` (row-major, `rows` × the other dimensions) there.
    public func append<T: HDF5Scalar>(_ values: [T], rows: Int) throws {
        try values.withUnsafeBufferPointer { try append($0, rows: rows) }
    }

    /// Grows dimension 0 by `rows` and writes `values` there, straight from the buffer.
    public func append<T: HDF5Scalar>(_ values: UnsafeBufferPointer<T>, rows: Int) throws {
        try HDF5Library.locked {
            let current = try extent().current
            guard let firstExtent = current.first else {
                throw site.shapeMismatch("cannot append to a scalar dataset")
            }
            if rows < 0 { throw site.invalid("cannot append \(rows) rows") }
            let rowShape = Array(current.dropFirst())
            guard let rowLength = _elementCount(rowShape),
                  case let (expected, overflow) = rows.multipliedReportingOverflow(by: rowLength), !overflow,
                  values.count == expected else {
                throw site.shapeMismatch("\(values.count) values cannot be \(rows) rows of \(rowShape)")
            }
            try requireNumbers()
            var grown = current
            grown[0] = firstExtent + rows
            try resize(to: grown)
            try write(values, offset: [firstExtent] + rowShape.map { _ in 0 }, count: [rows] + rowShape)
        }
    }

    // MARK: - Attributes

    var attributes: H5Attributes { H5Attributes(objectID: id, site: site) }

    public func setAttribute(_ name: String, _ value: H5AttributeValue) throws {
        try attributes.set(name, value)
    }

    public func attribute(_ name: String) throws -> H5AttributeValue { try attributes.get(name) }
    public func attributeNames() throws -> [String] { try attributes.names() }
    public func hasAttribute(_ name: String) -> Bool { attributes.has(name) }

    // MARK: - Helpers (lock held)

    /// The class of the type stored in the file (`H5T_INTEGER`, `H5T_FLOAT`, `H5T_STRING`, …).
    func storedTypeClass() throws -> H5T_class_t {
        let type = try site.check(H5Dget_type(id), "H5Dget_type")
        defer { _ = H5Tclose(type) }
        let typeClass = H5Tget_class(type)
        if typeClass.rawValue < 0 { throw site.failure("H5Tget_class") }
        return typeClass
    }

    /// Refuses numeric access to a dataset of strings (or compounds, …): libhdf5 has no conversion there
    /// and would only fail with a cryptic stack.
    func requireNumbers() throws {
        let typeClass = try storedTypeClass()
        if typeClass != H5T_INTEGER && typeClass != H5T_FLOAT {
            throw HDF5Error.wrongType(file: site.file, path: site.path, expected: "a dataset of numbers",
                                      found: "a dataset of \(_typeClassName(typeClass))")
        }
    }

    /// Checks a hyperslab against the current extent and returns its number of values.
    func checkSelection(offset: [Int], count: [Int]) throws -> Int {
        let current = try extent().current
        guard offset.count == current.count, count.count == current.count else {
            throw site.shapeMismatch("selection offset \(offset) count \(count) does not match the rank of shape \(current)")
        }
        for dimension in current.indices {
            let start = offset[dimension], extent = count[dimension]
            if start < 0 || extent < 0 || start > current[dimension] - extent {
                throw site.shapeMismatch("selection offset \(offset) count \(count) lies outside shape \(current)")
            }
        }
        guard let total = _elementCount(count) else {
            throw site.shapeMismatch("selection count \(count) overflows")
        }
        return total
    }

    /// Runs `body` with a memory dataspace of extent `count` and the file dataspace with the hyperslab
    /// selected. A scalar dataset (rank 0) uses `H5S_ALL` for both.
    func withSelection(offset: [Int], count: [Int], _ body: (hid_t, hid_t) throws -> Void) throws {
        if count.isEmpty {
            try body(ih5_s_all(), ih5_s_all())
            return
        }
        var start = offset.map { hsize_t($0) }
        var extent = count.map { hsize_t($0) }
        let memorySpace = try site.check(H5Screate_simple(Int32(extent.count), &extent, nil), "H5Screate_simple")
        defer { _ = H5Sclose(memorySpace) }
        let fileSpace = try site.check(H5Dget_space(id), "H5Dget_space")
        defer { _ = H5Sclose(fileSpace) }
        try site.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &extent, nil),
                       "H5Sselect_hyperslab")
        try body(memorySpace, fileSpace)
    }
}

/// How a type class reads in a message ("a dataset of strings").
func _typeClassName(_ typeClass: H5T_class_t) -> String {
    switch typeClass {
    case H5T_INTEGER: return "integers"
    case H5T_FLOAT: return "floating-point numbers"
    case H5T_STRING: return "strings"
    case H5T_COMPOUND: return "compound values"
    case H5T_ENUM: return "enumerated values"
    case H5T_ARRAY: return "arrays"
    case H5T_VLEN: return "variable-length sequences"
    case H5T_REFERENCE: return "references"
    case H5T_OPAQUE: return "opaque values"
    case H5T_BITFIELD: return "bit fields"
    default: return "values of an unknown type class"
    }
}
