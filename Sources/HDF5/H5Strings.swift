// Strings in HDF5: variable-length UTF-8 (what this module writes for attributes, and h5py's `str`) and
// fixed-length strings (what it writes for string datasets; h5py's `np.bytes_` / `S<n>` arrays).
import CHDF5
import Foundation

enum H5Strings {
    /// A new variable-length, NUL-terminated UTF-8 string type (`H5T_C_S1` with size `H5T_VARIABLE` and
    /// character set `H5T_CSET_UTF8`, as h5py writes `str`). The caller closes it. Lock held.
    static func variableUTF8Type(site: H5Site) throws -> hid_t {
        let type = try site.check(H5Tcopy(ih5_t_c_s1()), "H5Tcopy(H5T_C_S1)")
        if H5Tset_size(type, ih5_t_variable()) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0 {
            let error = site.failure("H5Tset_size/H5Tset_cset")
            _ = H5Tclose(type)
            throw error
        }
        return type
    }

    /// A new fixed-length UTF-8 string type of `width` bytes, NUL-padded (`H5T_STR_NULLPAD`: a value of
    /// exactly `width` bytes has no terminator). The caller closes it. Lock held.
    static func fixedUTF8Type(width: Int, site: H5Site) throws -> hid_t {
        let type = try site.check(H5Tcopy(ih5_t_c_s1()), "H5Tcopy(H5T_C_S1)")
        if H5Tset_size(type, width) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0
            || H5Tset_strpad(type, H5T_STR_NULLPAD) < 0 {
            let error = site.failure("H5Tset_size/H5Tset_cset/H5Tset_strpad")
            _ = H5Tclose(type)
            throw error
        }
        return type
    }

    /// Calls `body` with an array of NUL-terminated copies of `values`, the memory layout of a
    /// variable-length string buffer (`char *[]`). A string's bytes after an embedded NUL are lost, as in
    /// any C string. `body` gets nil for an empty array.
    static func withCStrings<R>(_ values: [String], _ body: (UnsafeRawPointer?) throws -> R) rethrows -> R {
        let copies = values.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        return try copies.withUnsafeBufferPointer { try body($0.baseAddress.map { UnsafeRawPointer($0) }) }
    }

    /// Reads `count` strings stored with `fileType`, variable- or fixed-length, through `read(memoryType,
    /// buffer)` (an `H5Dread` or `H5Aread`). Fixed-length values end at the first NUL (`H5T_STR_NULLTERM`,
    /// `H5T_STR_NULLPAD`) or lose their trailing spaces (`H5T_STR_SPACEPAD`). Bytes are decoded as UTF-8,
    /// which ASCII is a part of; invalid sequences become U+FFFD. Lock held.
    static func read(fileType: hid_t, count: Int, site: H5Site,
                     _ read: (hid_t, UnsafeMutableRawPointer) throws -> Void) throws -> [String] {
        if count == 0 { return [] }
        let isVariable = try site.check(H5Tis_variable_str(fileType), "H5Tis_variable_str") > 0
        if isVariable {
            try _checkReadable(count: count, elementSize: MemoryLayout<UnsafeMutablePointer<CChar>?>.stride,
                               site: site)
            let characterSet = H5Tget_cset(fileType)
            let memoryType = try site.check(H5Tcopy(ih5_t_c_s1()), "H5Tcopy(H5T_C_S1)")
            defer { _ = H5Tclose(memoryType) }
            // The library converts only between strings of the same character set.
            try site.check(H5Tset_size(memoryType, ih5_t_variable()), "H5Tset_size")
            try site.check(H5Tset_cset(memoryType, characterSet), "H5Tset_cset")
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try pointers.withUnsafeMutableBytes { bytes in
                guard let address = bytes.baseAddress else { return }
                try read(memoryType, address)
            }
            // The library allocated each string; it must free them too.
            defer { for pointer in pointers where pointer != nil { _ = H5free_memory(pointer) } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(fileType)
        if size == 0 { throw site.failure("H5Tget_size") }
        try _checkReadable(count: count, elementSize: size, site: site)
        let padding = H5Tget_strpad(fileType)
        let memoryType = try site.check(H5Tcopy(fileType), "H5Tcopy")
        defer { _ = H5Tclose(memoryType) }
        var bytes = [UInt8](repeating: 0, count: count * size)
        try bytes.withUnsafeMutableBytes { buffer in
            guard let address = buffer.baseAddress else { return }
            try read(memoryType, address)
        }
        return (0..<count).map { index in
            var value = bytes[index * size ..< (index + 1) * size]
            if padding == H5T_STR_SPACEPAD {
                while value.last == 0x20 { value.removeLast() }
            } else if let end = value.firstIndex(of: 0) {
                value = value[..<end]
            }
            return String(decoding: value, as: UTF8.self)
        }
    }
}

extension H5Dataset {
    /// Every string of a string dataset (scalar or any rank, flattened row-major): variable-length or
    /// fixed-length, UTF-8 or ASCII.
    public func readStrings() throws -> [String] {
        let site = self.site
        return try HDF5Library.locked {
            let type = try site.check(H5Dget_type(id), "H5Dget_type")
            defer { _ = H5Tclose(type) }
            let typeClass = H5Tget_class(type)
            guard typeClass == H5T_STRING else {
                throw HDF5Error.wrongType(file: site.file, path: site.path, expected: "a dataset of strings",
                                          found: "a dataset of \(_typeClassName(typeClass))")
            }
            let space = try site.check(H5Dget_space(id), "H5Dget_space")
            defer { _ = H5Sclose(space) }
            let count = Int(try site.check(H5Sget_simple_extent_npoints(space), "H5Sget_simple_extent_npoints"))
            return try H5Strings.read(fileType: type, count: count, site: site) { memoryType, buffer in
                try site.check(H5Dread(id, memoryType, ih5_s_all(), ih5_s_all(), ih5_p_default(), buffer), "H5Dread")
            }
        }
    }
}
