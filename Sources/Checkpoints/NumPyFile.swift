// Writing a decoded tensor as a NumPy .npy file, so a Python user can look at any weight.
//
// Format: numpy.lib.format, version 1.0 — magic "\x93NUMPY", bytes 1 0, u16 little-endian header length,
// an ASCII dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (…), } padded with spaces and a
// final newline so the data starts at a multiple of 64 bytes, then the elements in C order.
import Foundation

public enum NumPyFile {
    /// The bytes of a `.npy` v1.0 file holding `values` (little-endian float32) with `shape`.
    public static func encode(_ values: [Float], shape: [Int]) -> Data {
        let dims = shape.map(String.init)
        let tuple = dims.count == 1 ? "(\(dims[0]),)" : "(\(dims.joined(separator: ", ")))"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(tuple), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        // '<f4' is little-endian, the byte order of every platform Interlingua builds on.
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Writes `values` as `.npy` at `url`, atomically (temporary file + rename). An existing file is
    /// replaced only when `overwrite` is true, else `CheckpointError.unsupported` says so.
    public static func write(_ values: [Float], shape: [Int], to url: URL, overwrite: Bool = false) throws {
        if !overwrite, FileManager.default.fileExists(atPath: url.path) {
            throw CheckpointError.unsupported(file: url.path, reason: "file exists (pass --force to replace it)")
        }
        do {
            try encode(values, shape: shape).write(to: url, options: .atomic)
        } catch {
            throw CheckpointError.unreadable(file: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
