import Activations
import Foundation
import Testing
import TestSupport

/// Whether `python3 -c "import h5py"` works here.
let h5pyAvailable: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import h5py"]
    process.standardError = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

@Suite("Readers can open an activation file while it is being written (#16.3)")
struct ConcurrentReadTests {
    @Test("h5py opens the file and reads the finished rows while the writer holds it open",
          .enabled(if: h5pyAvailable))
    func h5pyWhileWriting() throws {
        let url = try TestPaths.temporaryDirectory("acts-open").appendingPathComponent("a.h5")
        let writer = try ActivationsWriter.create(at: url, header: smallHeader())
        try writer.writeLayerRows(ActivationsLayout.pooled(.mean, "en"), rows: 0..<2, values: layerValues(rows: 0..<2))
        try writer.flush()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sys, h5py
            f = h5py.File(sys.argv[1], "r")
            print(int(f.attrs["complete"]), float(f["pooled/mean/en"][2][1][3]))
            """, url.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
        #expect(text == "0 213.0\n")
        withExtendedLifetime(writer) {}
    }
}
