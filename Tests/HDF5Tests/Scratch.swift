// Shared helpers of the HDF5 tests.
import Foundation
import TestSupport

/// A path `name` in a new, empty temporary directory.
func scratchFile(_ name: String = "test.h5") throws -> URL {
    try TestPaths.temporaryDirectory("hdf5").appendingPathComponent(name)
}
