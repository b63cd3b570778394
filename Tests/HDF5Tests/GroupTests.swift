import Foundation
import HDF5
import Testing

@Suite("Groups are created on demand, found by path and listed")
struct GroupTests {
    @Test func createGroupMakesIntermediateGroupsAndReturnsExistingOnes() throws {
        let file = try H5File.create(try scratchFile())
        let deep = try file.root.createGroup("a/b/c")
        #expect(deep.path == "/a/b/c")
        #expect(file.root.contains("a"))
        #expect(file.root.contains("a/b"))
        #expect(file.root.contains("/a/b/c"))
        #expect(try file.root.group("a").contains("b/c"))
        try deep.setAttribute("mark", .int(7))
        let again = try file.root.createGroup("/a/b/c")
        #expect(try again.attribute("mark") == .int(7))
        let relative = try file.root.group("a").createGroup("b/d")
        #expect(relative.path == "/a/b/d")
    }

    @Test func containsIsFalseForMissingLinksAtAnyDepth() throws {
        let file = try H5File.create(try scratchFile())
        _ = try file.root.writeDataset("g/data", [1, 2] as [Int64], shape: [2])
        #expect(file.root.contains("/"))
        #expect(!file.root.contains("x"))
        #expect(!file.root.contains("x/y/z"))
        #expect(!file.root.contains("g/other"))
        #expect(!file.root.contains("g/data/below"))  // a dataset has no members
        #expect(file.root.contains("g/data"))
    }

    @Test func memberNamesListDirectMembersInNameOrder() throws {
        let file = try H5File.create(try scratchFile())
        _ = try file.root.createGroup("zeta")
        _ = try file.root.createGroup("alpha/inner")
        _ = try file.root.writeDataset("mid", [0.5] as [Float], shape: [1])
        #expect(try file.root.memberNames() == ["alpha", "mid", "zeta"])
        #expect(try file.root.group("alpha").memberNames() == ["inner"])
        #expect(try file.root.group("zeta").memberNames() == [])
    }

    @Test func removedLinksAreGoneAndCanBeRecreated() throws {
        let url = try scratchFile()
        let file = try H5File.create(url)
        _ = try file.root.writeDataset("g/partial", [1, 2] as [Float], shape: [2])
        try file.root.remove("g/partial")
        #expect(!file.root.contains("g/partial"))
        #expect(file.root.contains("g"))
        #expect(try file.root.writeDataset("g/partial", [3] as [Float], shape: [1]).read(Float.self) == [3])
        #expect(throws: HDF5Error.objectNotFound(file: url.path, path: "/g/none")) { try file.root.remove("g/none") }
    }

    @Test func openingTheWrongKindOrAMissingPathIsATypedError() throws {
        let url = try scratchFile()
        let file = try H5File.create(url)
        _ = try file.root.writeDataset("g/data", [1] as [Int32], shape: [1])
        #expect(throws: HDF5Error.objectNotFound(file: url.path, path: "/g/missing")) {
            try file.root.dataset("g/missing")
        }
        #expect(throws: HDF5Error.wrongType(file: url.path, path: "/g/data", expected: "a group", found: "a dataset")) {
            try file.root.group("g/data")
        }
        #expect(throws: HDF5Error.wrongType(file: url.path, path: "/g", expected: "a dataset", found: "a group")) {
            try file.root.dataset("g")
        }
        #expect(throws: HDF5Error.objectExists(file: url.path, path: "/g/data")) {
            try file.root.createDataset("g/data", of: Float.self, shape: [2])
        }
    }
}
