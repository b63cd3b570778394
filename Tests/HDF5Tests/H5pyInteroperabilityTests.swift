import Foundation
import HDF5
import Testing
import TestSupport

/// `Tests/Fixtures/h5py/written-by-h5py.h5` was written once by `make_h5py_fixture.py` next to it
/// (`python3 make_h5py_fixture.py`, h5py 3.16, libhdf5 1.10.8) and committed, so these tests do not need
/// h5py. The expected values below are the ones that script writes.
@Suite("A file written by h5py reads back with the values h5py wrote")
struct H5pyInteroperabilityTests {
    static let url = TestPaths.fixture("h5py/written-by-h5py.h5")

    @Test func chunkedGzipFloat32Matrix() throws {
        let matrix = try H5File.open(Self.url).root.dataset("matrix")
        #expect(matrix.shape == [5, 6])
        #expect(matrix.chunkShape == [2, 3])
        let expected = (0..<5).flatMap { i in (0..<6).map { j in Float(i * 10) + Float(j) / 4 } }
        #expect(try matrix.read(Float.self) == expected)
        #expect(try matrix.read(Float.self, offset: [3, 4], count: [2, 2]) == [31, 31.25, 41, 41.25])
        #expect(try matrix.attribute("units") == .string("nats"))
    }

    @Test func int64VectorBeyondThirtyTwoBits() throws {
        let counts = try H5File.open(Self.url).root.dataset("counts")
        #expect(counts.shape == [7])
        #expect(try counts.read(Int64.self) == (0..<7).map { (Int64(1) << 40) + Int64($0) })
    }

    @Test func variableLengthUTF8Strings() throws {
        let languages = try H5File.open(Self.url).root.dataset("languages")
        #expect(try languages.readStrings() == ["English", "Ελληνικά", "中文", "हिन्दी"])
    }

    @Test func fixedLengthByteStrings() throws {
        let codes = try H5File.open(Self.url).root.dataset("codes")
        #expect(try codes.readStrings() == ["eng_Latn", "ell_Grek", "zho_Hans"])
    }

    @Test func aNullDataspaceReadsAsNoValues() throws {
        let empty = try H5File.open(Self.url).root.dataset("empty")
        #expect(empty.shape == [0])
        #expect(try empty.read(Float.self) == [])
    }

    @Test func nestedGroupsAndTheirMembers() throws {
        let root = try H5File.open(Self.url).root
        #expect(try root.memberNames() == ["codes", "counts", "empty", "languages", "matrix", "outer"])
        let inner = try root.group("outer/inner")
        #expect(try inner.memberNames() == ["ones"])
        #expect(try inner.dataset("ones").read(Double.self) == [1, 1, 1, 1])
        #expect(try inner.attribute("depth") == .int(2))
    }

    @Test func scalarAndArrayAttributesOfEveryKind() throws {
        let root = try H5File.open(Self.url).root
        #expect(try root.attributeNames() == ["fixed", "fixed_names", "format_version", "layers", "model", "names",
                                              "temperature", "weights"])
        #expect(try root.attribute("format_version") == .int(3))
        #expect(try root.attribute("temperature") == .double(0.5))
        #expect(try root.attribute("model") == .string("SmolLM2-135M"))
        #expect(try root.attribute("fixed") == .string("fixed-len"))
        #expect(try root.attribute("layers") == .ints([0, 15, 30]))
        #expect(try root.attribute("weights") == .doubles([0.25, 0.5]))
        #expect(try root.attribute("names") == .strings(["α", "β"]))
        #expect(try root.attribute("fixed_names") == .strings(["ab", "cde"]))
    }
}
