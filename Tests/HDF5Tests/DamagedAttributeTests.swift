import Foundation
import HDF5
import Testing
import TestSupport

/// The alignment fixture (HDF5's earliest format: a version-1 object header for the root, its eight
/// attributes in it) with the datatype of the root's last attribute, `complete`, given version 10: the
/// datatype message (HDF5 File Format Specification IV.A.2.d: class and version in the first byte) no longer
/// decodes. Attribute message version 1 (IV.A.2.m): version, reserved, name size (2), datatype size (2),
/// dataspace size (2), then the name, datatype and dataspace, each padded to 8 bytes.
func fixtureWithUndecodableAttribute() throws -> URL {
    var bytes = try Data(contentsOf: TestPaths.fixture("alignment/activations.h5"))
    let name = try #require(bytes.ranges(of: Data("complete\0".utf8)).first?.lowerBound)
    let message = name - 8
    #expect(bytes[message] == 1 && bytes[message + 2] == 9, "attribute message version 1, name size 9")
    let datatype = name + 16
    #expect(bytes[datatype] == 0x10, "datatype version 1, class 0 (fixed-point)")
    bytes[datatype] ^= 0xb0
    let url = try scratchFile("undecodable-attribute.h5")
    try bytes.write(to: url)
    return url
}

@Suite("An attribute that fails to decode is a thrown error naming the file, never a crash")
struct DamagedAttributeTests {
    /// libhdf5 1.10.8's H5Aiterate2 over such a header closes uninitialised slots of its attribute table on
    /// the way out (a SIGSEGV depending on the memory's contents: the flip scans' four crashes); the names
    /// are listed only after every attribute message decoded.
    @Test("Listing the attributes of a version-1 object header whose last attribute's datatype is damaged throws")
    func namesOfDamagedHeader() throws {
        let url = try fixtureWithUndecodableAttribute()
        let file = try H5File.open(url)
        let error = try #require(throws: HDF5Error.self) { _ = try file.root.attributeNames() }
        #expect(error.localizedDescription.hasPrefix(url.path + ": "), "\(error.localizedDescription)")
        #expect(!error.localizedDescription.contains("\n"))
        // The attributes before the damaged one still read.
        #expect(try file.root.attribute("format") == .string("interlingua.activations"))
    }

    @Test("The attributes of an undamaged earliest-format header are listed as before")
    func namesOfIntactHeader() throws {
        let file = try H5File.open(TestPaths.fixture("alignment/activations.h5"))
        #expect(try file.root.attributeNames() == ["architecture", "complete", "d_model", "format", "format_version",
                                                   "model", "n_layers", "template"])
    }
}
