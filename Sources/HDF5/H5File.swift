// An open HDF5 file.
import CHDF5
import Foundation

/// An open HDF5 file; the file is closed when this object and every group and dataset opened from it are
/// gone. Instances can be shared across threads: the identifier never changes and every libhdf5 call goes
/// through the module's one lock.
public final class H5File: @unchecked Sendable {
    let id: hid_t
    /// Where the file is.
    public let url: URL

    private init(id: hid_t, url: URL) {
        self.id = id
        self.url = url
    }

    deinit {
        let id = self.id
        HDF5Library.locked { _ = H5Fclose(id) }
    }

    /// Creates a new file. Refuses a file that already exists unless `overwrite`, in which case that file is
    /// truncated (`H5F_ACC_TRUNC`; `H5F_ACC_EXCL` otherwise, so a file appearing in between is not lost).
    /// `fileLocking: false` skips HDF5's advisory file lock (see `accessProperties`).
    public static func create(_ url: URL, overwrite: Bool = false, fileLocking: Bool = true) throws -> H5File {
        let site = H5Site(file: url.path, path: "/")
        if !overwrite && FileManager.default.fileExists(atPath: url.path) {
            throw HDF5Error.fileExists(file: url.path)
        }
        return try HDF5Library.locked {
            let flags = overwrite ? ih5_f_acc_trunc() : ih5_f_acc_excl()
            let access = try accessProperties(fileLocking: fileLocking, selfChecking: true, site: site)
            defer { _ = H5Pclose(access) }
            let id = try site.check(H5Fcreate(url.path, flags, ih5_p_default(), access), "H5Fcreate")
            return H5File(id: id, url: url)
        }
    }

    /// Opens an existing file, read-only unless `writable`; `fileLocking` as for `create`. Where a probe
    /// command is installed (`HDF5Probe`), the file's metadata is first read in a child process.
    public static func open(_ url: URL, writable: Bool = false, fileLocking: Bool = true) throws -> H5File {
        let site = H5Site(file: url.path, path: "/")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw HDF5Error.fileNotFound(file: url.path)
        }
        if isDirectory.boolValue { throw HDF5Error.notHDF5(file: url.path) }
        // Outside the lock: the probe waits for another process.
        try HDF5Probe.check(url)
        return try HDF5Library.locked {
            // H5Fis_hdf5 looks for the superblock signature at 0, 512, 1024, … (after any user block).
            if try site.check(H5Fis_hdf5(url.path), "H5Fis_hdf5") == 0 {
                throw HDF5Error.notHDF5(file: url.path)
            }
            let flags = writable ? ih5_f_acc_rdwr() : ih5_f_acc_rdonly()
            let access = try accessProperties(fileLocking: fileLocking, selfChecking: false, site: site)
            defer { if access != ih5_p_default() { _ = H5Pclose(access) } }
            let id = try site.check(H5Fopen(url.path, flags, access), "H5Fopen")
            return H5File(id: id, url: url)
        }
    }

    /// File-access properties: the default, or with HDF5's file locking off (`H5Pset_file_locking`, HDF5
    /// ≥ 1.10.7), and for a new file the self-checking format. HDF5 takes an exclusive `flock` on a file
    /// opened for writing, so no other process — h5py, `interlingua align` — can open it until the writer
    /// closes it. A writer whose every later write is raw data at preallocated offsets (the activation file)
    /// can safely let readers in. Call under the lock.
    ///
    /// `selfChecking`: `H5Pset_libver_bounds(H5F_LIBVER_V18, H5F_LIBVER_LATEST)` — the file then has a
    /// version-2 superblock (HDF5 File Format Specification II.A, with a checksum), version-2 object headers
    /// (IV.A.1.b, a checksum per header chunk) holding links and attribute messages, and checksummed
    /// fractal heaps and v2 B-trees (III.G, III.A.2) for large groups and attribute sets, instead of the
    /// unchecked superblock v0, v1 object headers, symbol tables, local heaps and v1 B-trees of the earliest
    /// format. A flipped byte in any of them is then a checksum error libhdf5 reports, not a structure it
    /// follows. Readable by HDF5 ≥ 1.8 (h5py ≥ 2). Not applied when opening: the bounds only shape objects
    /// created later, and libhdf5 refuses to open an older-format file for writing under a higher low bound.
    private static func accessProperties(fileLocking: Bool, selfChecking: Bool, site: H5Site) throws -> hid_t {
        if fileLocking && !selfChecking { return ih5_p_default() }
        let access = try site.check(H5Pcreate(ih5_p_file_access()), "H5Pcreate(file access)")
        do {
            if !fileLocking {
                _ = try site.check(H5Pset_file_locking(access, false, true), "H5Pset_file_locking")
            }
            if selfChecking {
                _ = try site.check(H5Pset_libver_bounds(access, H5F_LIBVER_V18, ih5_f_libver_latest()),
                                   "H5Pset_libver_bounds")
            }
        } catch {
            _ = H5Pclose(access)
            throw error
        }
        return access
    }

    /// The root group `/`. It uses the file identifier as its location, which libhdf5 accepts wherever a
    /// group is expected (the root group is the file's location), so getting it cannot fail.
    public var root: H5Group { H5Group(rootOf: self) }

    /// Writes every buffered change of the file to disk (`H5Fflush`, global scope).
    public func flush() throws {
        let site = H5Site(file: url.path, path: "/")
        _ = try HDF5Library.locked { try site.check(H5Fflush(id, H5F_SCOPE_GLOBAL), "H5Fflush") }
    }
}
