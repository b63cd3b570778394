// Attributes: small named values attached to groups and datasets.
import CHDF5
import Foundation

/// The value of an attribute. Numbers are stored as 64-bit little-endian integers or doubles
/// (`H5T_STD_I64LE`, `H5T_IEEE_F64LE`), strings as variable-length UTF-8; the single cases are scalar
/// attributes, the array cases 1-D ones. Reading accepts any integer or float width and fixed-length
/// strings too; a 1-D attribute of one element reads as an array case.
public enum H5AttributeValue: Equatable, Sendable {
    case int(Int64)
    case double(Double)
    case string(String)
    case ints([Int64])
    case doubles([Double])
    case strings([String])
}

/// Groups (including the root group) and datasets carry attributes.
public protocol H5AttributeOwner {
    /// Creates the attribute `name`, replacing any attribute of that name.
    func setAttribute(_ name: String, _ value: H5AttributeValue) throws
    /// The value of the attribute `name`.
    func attribute(_ name: String) throws -> H5AttributeValue
    /// Names of all attributes, in byte order.
    func attributeNames() throws -> [String]
    /// Whether an attribute `name` exists.
    func hasAttribute(_ name: String) -> Bool
}

/// The attribute operations on one object, shared by groups and datasets.
struct H5Attributes {
    let objectID: hid_t
    let site: H5Site

    private func site(for name: String) -> H5Site {
        H5Site(file: site.file, path: "\(site.path) attribute '\(name)'")
    }

    func has(_ name: String) -> Bool {
        HDF5Library.locked {
            let exists = H5Aexists(objectID, name)
            if exists < 0 { _ = HDF5Library.takeErrorStack() }
            return exists > 0
        }
    }

    /// A name no attribute here has: `H5Aexists` with it decodes every attribute message of a compact
    /// attribute store (see `names`).
    static let decodeCheckName = "\u{1}interlingua: decode every attribute message"

    func names() throws -> [String] {
        final class Names { var list: [String] = [] }
        let names = Names()
        let site = self.site
        try HDF5Library.locked {
            // libhdf5 1.10.8 iterates attributes kept in the object header (compact storage: every attribute
            // of an earliest-format file) through a table of decoded copies (H5A__compact_build_table) that
            // grows by doubling and whose new slots are not initialised; when one attribute message fails to
            // decode (a damaged datatype or dataspace), the error path closes every slot of the table, the
            // uninitialised ones too (H5A__attr_release_table → H5A__close): a SIGSEGV or not, depending on
            // what that memory held — which is why a probe process survived bytes that crashed the reader.
            // H5Aexists decodes the same messages one by one without the table and fails cleanly, so it
            // runs first; a decoded message stays decoded in libhdf5's copy of the header, so the iteration
            // below meets no decoding failure. Dense storage (a fractal heap, checksummed) is looked up by
            // name and left to the iteration.
            try site.check(H5Aexists(objectID, Self.decodeCheckName), "H5Aexists (decoding every attribute)")
            var position: hsize_t = 0
            _ = try withExtendedLifetime(names) {
                try site.check(H5Aiterate2(objectID, H5_INDEX_NAME, H5_ITER_INC, &position, { _, name, _, data in
                    guard let name, let data else { return 0 }
                    Unmanaged<Names>.fromOpaque(data).takeUnretainedValue().list.append(String(cString: name))
                    return 0
                }, Unmanaged.passUnretained(names).toOpaque()), "H5Aiterate2")
            }
        }
        return names.list
    }

    func set(_ name: String, _ value: H5AttributeValue) throws {
        let site = site(for: name)
        if name.isEmpty { throw site.invalid("empty attribute name") }
        try HDF5Library.locked {
            if try site.check(H5Aexists(objectID, name), "H5Aexists") > 0 {
                // A scalar 64-bit integer is rewritten in place: no object-header change, so a flag such as
                // the activation file's `complete` flips with one small write (crash-safe), not delete + create.
                if case .int(let number) = value, try overwriteScalarInteger(name, number, site: site) { return }
                try site.check(H5Adelete(objectID, name), "H5Adelete")
            }
            switch value {
            case .int(let number):
                try withUnsafePointer(to: number) {
                    try create(name, site: site, fileType: ih5_t_std_i64le(), memoryType: ih5_t_native_int64(),
                               length: nil, data: $0)
                }
            case .double(let number):
                try withUnsafePointer(to: number) {
                    try create(name, site: site, fileType: ih5_t_ieee_f64le(), memoryType: ih5_t_native_double(),
                               length: nil, data: $0)
                }
            case .ints(let numbers):
                try numbers.withUnsafeBufferPointer {
                    try create(name, site: site, fileType: ih5_t_std_i64le(), memoryType: ih5_t_native_int64(),
                               length: numbers.count, data: $0.baseAddress)
                }
            case .doubles(let numbers):
                try numbers.withUnsafeBufferPointer {
                    try create(name, site: site, fileType: ih5_t_ieee_f64le(), memoryType: ih5_t_native_double(),
                               length: numbers.count, data: $0.baseAddress)
                }
            case .string(let text):
                try createStrings(name, site: site, [text], length: nil)
            case .strings(let texts):
                try createStrings(name, site: site, texts, length: texts.count)
            }
        }
    }

    /// Writes `number` into the existing attribute `name` when it is a scalar 8-byte integer; false otherwise
    /// (lock held).
    private func overwriteScalarInteger(_ name: String, _ number: Int64, site: H5Site) throws -> Bool {
        let attribute = try site.check(H5Aopen(objectID, name, ih5_p_default()), "H5Aopen")
        defer { _ = H5Aclose(attribute) }
        let type = try site.check(H5Aget_type(attribute), "H5Aget_type")
        defer { _ = H5Tclose(type) }
        let space = try site.check(H5Aget_space(attribute), "H5Aget_space")
        defer { _ = H5Sclose(space) }
        guard H5Tget_class(type) == H5T_INTEGER, H5Tget_size(type) == 8,
              H5Sget_simple_extent_type(space) == H5S_SCALAR else { return false }
        try withUnsafePointer(to: number) {
            _ = try site.check(H5Awrite(attribute, ih5_t_native_int64(), $0), "H5Awrite")
        }
        return true
    }

    func get(_ name: String) throws -> H5AttributeValue {
        let site = site(for: name)
        return try HDF5Library.locked {
            guard has(name) else { throw HDF5Error.objectNotFound(file: site.file, path: site.path) }
            let attribute = try site.check(H5Aopen(objectID, name, ih5_p_default()), "H5Aopen")
            defer { _ = H5Aclose(attribute) }
            let type = try site.check(H5Aget_type(attribute), "H5Aget_type")
            defer { _ = H5Tclose(type) }
            let space = try site.check(H5Aget_space(attribute), "H5Aget_space")
            defer { _ = H5Sclose(space) }
            let spaceClass = H5Sget_simple_extent_type(space)
            let isScalar = spaceClass == H5S_SCALAR
            let count = spaceClass == H5S_NULL
                ? 0 : Int(try site.check(H5Sget_simple_extent_npoints(space), "H5Sget_simple_extent_npoints"))

            let typeClass = H5Tget_class(type)
            switch typeClass {
            case H5T_INTEGER:
                let numbers = try readNumbers(attribute, Int64.self, count: count, site: site)
                return isScalar ? .int(numbers.first ?? 0) : .ints(numbers)
            case H5T_FLOAT:
                let numbers = try readNumbers(attribute, Double.self, count: count, site: site)
                return isScalar ? .double(numbers.first ?? 0) : .doubles(numbers)
            case H5T_STRING:
                let texts = try H5Strings.read(fileType: type, count: count, site: site) { memoryType, buffer in
                    try site.check(H5Aread(attribute, memoryType, buffer), "H5Aread")
                }
                return isScalar ? .string(texts.first ?? "") : .strings(texts)
            default:
                throw HDF5Error.wrongType(file: site.file, path: site.path,
                                          expected: "an attribute of numbers or strings",
                                          found: "an attribute of \(_typeClassName(typeClass))")
            }
        }
    }

    // MARK: - Helpers (lock held)

    /// Creates the attribute with a scalar dataspace (`length` nil) or a 1-D one, and writes `data` unless
    /// there is nothing to write (`H5Awrite` refuses a null buffer even for zero elements).
    private func create(_ name: String, site: H5Site, fileType: hid_t, memoryType: hid_t, length: Int?,
                        data: UnsafeRawPointer?) throws {
        let space: hid_t
        if let length {
            var extent = [hsize_t(length)]
            space = try site.check(H5Screate_simple(1, &extent, nil), "H5Screate_simple")
        } else {
            space = try site.check(H5Screate(H5S_SCALAR), "H5Screate")
        }
        defer { _ = H5Sclose(space) }
        let attribute = try site.check(H5Acreate2(objectID, name, fileType, space, ih5_p_default(), ih5_p_default()),
                                       "H5Acreate2")
        defer { _ = H5Aclose(attribute) }
        if let data, length != 0 { try site.check(H5Awrite(attribute, memoryType, data), "H5Awrite") }
    }

    private func createStrings(_ name: String, site: H5Site, _ texts: [String], length: Int?) throws {
        let type = try H5Strings.variableUTF8Type(site: site)
        defer { _ = H5Tclose(type) }
        try H5Strings.withCStrings(texts) { buffer in
            try create(name, site: site, fileType: type, memoryType: type, length: length, data: buffer)
        }
    }

    private func readNumbers<T: HDF5Scalar>(_ attribute: hid_t, _: T.Type, count: Int, site: H5Site) throws -> [T] {
        try _checkReadable(count: count, elementSize: MemoryLayout<T>.stride, site: site)
        guard count > 0 else { return [] }
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let address = buffer.baseAddress else { return }
            try site.check(H5Aread(attribute, T.hdf5Kind.nativeType, address), "H5Aread")
            initialized = count
        }
    }
}
