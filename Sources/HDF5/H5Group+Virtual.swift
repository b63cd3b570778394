// Virtual datasets (HDF5 ≥ 1.10, "RFC: HDF5 Virtual Dataset", THG 2014; `H5Pset_virtual`): a dataset whose
// values live in hyperslabs of datasets in other files, mapped without copying.
import CHDF5
import Foundation

/// One block of a virtual dataset: the hyperslab `destinationOffset ..< destinationOffset + count` of the
/// virtual dataset reads the hyperslab `sourceOffset ..< sourceOffset + count` of `sourceDataset` in
/// `sourceFile`.
///
/// A relative `sourceFile` is looked up by libhdf5 relative to the folder of the file holding the virtual
/// dataset (and, before that, in `$HDF5_VDS_PREFIX`), so a folder of a virtual file and its sources can be
/// moved as a whole.
public struct H5VirtualMapping: Sendable, Equatable {
    public var sourceFile: String
    public var sourceDataset: String
    /// The extent of the source dataset (its dataspace).
    public var sourceShape: [Int]
    public var sourceOffset: [Int]
    public var destinationOffset: [Int]
    public var count: [Int]

    public init(sourceFile: String, sourceDataset: String, sourceShape: [Int], sourceOffset: [Int],
                destinationOffset: [Int], count: [Int]) {
        self.sourceFile = sourceFile
        self.sourceDataset = sourceDataset
        self.sourceShape = sourceShape
        self.sourceOffset = sourceOffset
        self.destinationOffset = destinationOffset
        self.count = count
    }
}

extension H5Group {
    /// Creates a virtual dataset of `T` with extent `shape` over `mappings`. Values no mapping covers, and
    /// those of a source file that cannot be opened when reading, read as `fill` (libhdf5 does not fail on a
    /// missing source: choose a fill that cannot pass for data, such as NaN).
    public func createVirtualDataset<T: HDF5Scalar>(_ path: String, of: T.Type, shape: [Int], fill: T,
                                                    mappings: [H5VirtualMapping]) throws -> H5Dataset {
        try HDF5Library.locked {
            let site = site(for: path)
            if path.isEmpty { throw site.invalid("empty dataset path") }
            if linkExists(path) { throw HDF5Error.objectExists(file: site.file, path: site.path) }
            guard !shape.isEmpty, shape.allSatisfy({ $0 >= 0 }), _elementCount(shape) != nil else {
                throw site.invalid("a virtual dataset needs a non-scalar, non-negative shape (got \(shape))")
            }
            for m in mappings {
                let rank = shape.count
                guard m.sourceShape.count == rank, m.sourceOffset.count == rank, m.destinationOffset.count == rank,
                      m.count.count == rank else {
                    throw site.shapeMismatch("mapping of \(m.sourceFile):\(m.sourceDataset) does not match rank \(rank)")
                }
                for k in 0..<rank {
                    if m.count[k] < 0 || m.sourceOffset[k] < 0 || m.destinationOffset[k] < 0
                        || m.sourceOffset[k] + m.count[k] > m.sourceShape[k]
                        || m.destinationOffset[k] + m.count[k] > shape[k] {
                        throw site.shapeMismatch("mapping \(m.sourceFile):\(m.sourceDataset) offset \(m.sourceOffset) → \(m.destinationOffset) count \(m.count) lies outside \(m.sourceShape) / \(shape)")
                    }
                }
            }

            var extent = shape.map { hsize_t($0) }
            let space = try site.check(H5Screate_simple(Int32(extent.count), &extent, nil), "H5Screate_simple")
            defer { _ = H5Sclose(space) }
            let properties = try site.check(H5Pcreate(ih5_p_dataset_create()), "H5Pcreate(dataset create)")
            defer { _ = H5Pclose(properties) }
            var fillValue = fill
            try site.check(H5Pset_fill_value(properties, T.hdf5Kind.nativeType, &fillValue), "H5Pset_fill_value")

            for m in mappings where !m.count.contains(0) {
                var count = m.count.map { hsize_t($0) }
                var destination = m.destinationOffset.map { hsize_t($0) }
                try site.check(H5Sselect_hyperslab(space, H5S_SELECT_SET, &destination, nil, &count, nil),
                               "H5Sselect_hyperslab")
                var sourceExtent = m.sourceShape.map { hsize_t($0) }
                let sourceSpace = try site.check(H5Screate_simple(Int32(sourceExtent.count), &sourceExtent, nil),
                                                 "H5Screate_simple")
                defer { _ = H5Sclose(sourceSpace) }
                var source = m.sourceOffset.map { hsize_t($0) }
                try site.check(H5Sselect_hyperslab(sourceSpace, H5S_SELECT_SET, &source, nil, &count, nil),
                               "H5Sselect_hyperslab")
                try site.check(H5Pset_virtual(properties, space, m.sourceFile, m.sourceDataset, sourceSpace),
                               "H5Pset_virtual")
            }
            try site.check(H5Sselect_all(space), "H5Sselect_all")

            let linkProperties = try intermediateGroupsLinkProperties(site)
            defer { _ = H5Pclose(linkProperties) }
            let id = try site.check(H5Dcreate2(self.id, path, T.hdf5Kind.fileType, space, linkProperties, properties,
                                               ih5_p_default()), "H5Dcreate2")
            return H5Dataset(id: id, file: file, path: site.path)
        }
    }
}

extension H5Dataset {
    /// Whether the dataset is virtual (`H5D_VIRTUAL` layout).
    public var isVirtual: Bool {
        (try? HDF5Library.locked { () throws -> Bool in
            let properties = try site.check(H5Dget_create_plist(id), "H5Dget_create_plist")
            defer { _ = H5Pclose(properties) }
            return H5Pget_layout(properties) == H5D_VIRTUAL
        }) ?? false
    }
}
