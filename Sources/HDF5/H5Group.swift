// A group: the directories of an HDF5 file.
import CHDF5
import Foundation

/// An open group. Paths given to its methods are relative to it (`"a/b"`) or absolute (`"/a/b"`).
/// Instances can be shared across threads (see `H5File`).
public final class H5Group: H5AttributeOwner, @unchecked Sendable {
    let id: hid_t
    /// The root group borrows the file's identifier and must not close it.
    private let ownsID: Bool
    /// The file the group is in; kept alive as long as the group is.
    public let file: H5File
    /// Absolute path of the group inside the file.
    public let path: String

    init(rootOf file: H5File) {
        self.id = file.id
        self.ownsID = false
        self.file = file
        self.path = "/"
    }

    init(id: hid_t, file: H5File, path: String) {
        self.id = id
        self.ownsID = true
        self.file = file
        self.path = path
    }

    deinit {
        if ownsID {
            let id = self.id
            HDF5Library.locked { _ = H5Gclose(id) }
        }
    }

    var site: H5Site { H5Site(file: file.url.path, path: path) }

    func site(for relative: String) -> H5Site {
        H5Site(file: file.url.path, path: _absolutePath(relative, in: path))
    }

    // MARK: - Groups

    /// Opens the existing group at `path`.
    public func group(_ path: String) throws -> H5Group {
        try HDF5Library.locked {
            let id = try openObject(path, kind: H5I_GROUP)
            return H5Group(id: id, file: file, path: site(for: path).path)
        }
    }

    /// Opens the group at `path`, creating it and any missing intermediate groups first.
    public func createGroup(_ path: String) throws -> H5Group {
        try HDF5Library.locked {
            let site = site(for: path)
            if path.isEmpty { throw site.invalid("empty group path") }
            if linkExists(path) { return try group(path) }
            let linkProperties = try intermediateGroupsLinkProperties(site)
            defer { _ = H5Pclose(linkProperties) }
            let id = try site.check(H5Gcreate2(self.id, path, linkProperties, ih5_p_default(), ih5_p_default()),
                                    "H5Gcreate2")
            return H5Group(id: id, file: file, path: site.path)
        }
    }

    /// Whether a link exists at `path`, at any depth. False when any intermediate link is missing or is not
    /// a group.
    public func contains(_ path: String) -> Bool {
        HDF5Library.locked { linkExists(path) }
    }

    /// Names of the group's direct members (groups, datasets, other links), in byte order of the names.
    public func memberNames() throws -> [String] {
        let site = self.site
        return try HDF5Library.locked {
            var info = H5G_info_t()
            try site.check(H5Gget_info(id, &info), "H5Gget_info")
            var names: [String] = []
            for index in 0..<info.nlinks {
                let length = try site.check(H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index,
                                                               nil, 0, ih5_p_default()), "H5Lget_name_by_idx")
                try _checkReadable(count: length + 1, elementSize: 1, site: site)
                var name = [CChar](repeating: 0, count: length + 1)
                try site.check(H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index,
                                                  &name, name.count, ih5_p_default()), "H5Lget_name_by_idx")
                names.append(_string(nulTerminated: name))
            }
            return names
        }
    }

    /// Removes the link at `path` (`H5Ldelete`); the object goes with its last link. The file does not
    /// shrink: HDF5 reuses freed space only within the same session.
    public func remove(_ path: String) throws {
        let site = site(for: path)
        try HDF5Library.locked {
            guard !path.isEmpty, linkExists(path) else {
                throw HDF5Error.objectNotFound(file: site.file, path: site.path)
            }
            try site.check(H5Ldelete(id, path, ih5_p_default()), "H5Ldelete")
        }
    }

    // MARK: - Datasets

    /// Opens the existing dataset at `path`.
    public func dataset(_ path: String) throws -> H5Dataset {
        try HDF5Library.locked {
            let id = try openObject(path, kind: H5I_DATASET)
            return H5Dataset(id: id, file: file, path: site(for: path).path)
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

    /// Checks each prefix of `path` in turn: `H5Lexists` fails, rather than answering false, when an
    /// intermediate link is missing.
    func linkExists(_ path: String) -> Bool {
        let isAbsolute = path.hasPrefix("/")
        let parts = path.split(separator: "/")
        if parts.isEmpty { return isAbsolute }
        var prefix = isAbsolute ? "/" : ""
        for (index, part) in parts.enumerated() {
            prefix += (index == 0 ? "" : "/") + part
            let exists = H5Lexists(id, prefix, ih5_p_default())
            if exists <= 0 {
                if exists < 0 { _ = HDF5Library.takeErrorStack() }
                return false
            }
        }
        return true
    }

    /// Opens the object at `path` and checks that it is a group or a dataset as `kind` says.
    func openObject(_ path: String, kind: H5I_type_t) throws -> hid_t {
        let site = site(for: path)
        if path.isEmpty { throw site.invalid("empty object path") }
        guard linkExists(path) else { throw HDF5Error.objectNotFound(file: site.file, path: site.path) }
        let id = try site.check(H5Oopen(self.id, path, ih5_p_default()), "H5Oopen")
        let found = H5Iget_type(id)
        if found != kind {
            _ = H5Oclose(id)
            throw HDF5Error.wrongType(file: site.file, path: site.path,
                                      expected: _objectKindName(kind), found: _objectKindName(found))
        }
        return id
    }

    /// A link-creation property list that creates missing intermediate groups.
    func intermediateGroupsLinkProperties(_ site: H5Site) throws -> hid_t {
        let properties = try site.check(H5Pcreate(ih5_p_link_create()), "H5Pcreate(link create)")
        if H5Pset_create_intermediate_group(properties, 1) < 0 {
            let error = site.failure("H5Pset_create_intermediate_group")
            _ = H5Pclose(properties)
            throw error
        }
        return properties
    }
}

func _objectKindName(_ kind: H5I_type_t) -> String {
    switch kind {
    case H5I_GROUP: return "a group"
    case H5I_DATASET: return "a dataset"
    case H5I_DATATYPE: return "a named datatype"
    default: return "an object of another kind"
    }
}
