// Fault injection: the disk fills up during a trace (a small tmpfs, mounted by the test), then space is
// freed and the trace resumed (issue #15). Needs root to mount; skipped with a message otherwise.
import Foundation
import HDF5
import Testing
import TestSupport

/// A tmpfs of `size` at `folder`, or nil (with the reason) when this process may not mount one.
private func mountTmpfs(_ folder: URL, size: String) -> String? {
    guard getuid() == 0 else { return "not root" }
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", folder.path]
    mount.standardError = FileHandle.nullDevice
    do { try mount.run() } catch { return "cannot run mount: \(error)" }
    mount.waitUntilExit()
    return mount.terminationStatus == 0 ? nil : "mount -t tmpfs failed (no CAP_SYS_ADMIN?)"
}

private func run(_ tool: String, _ arguments: [String]) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    p.standardError = FileHandle.nullDevice
    try? p.run()
    p.waitUntilExit()
}

/// Whether this process can mount a tmpfs (root with CAP_SYS_ADMIN); decided once by trying.
private let tmpfsUnavailable: String? = {
    guard let dir = try? TestPaths.temporaryDirectory("tmpfs-probe") else { return "no temporary folder" }
    defer { try? FileManager.default.removeItem(at: dir) }
    if let reason = mountTmpfs(dir, size: "64k") { return reason }
    run("/bin/umount", [dir.path])
    return nil
}()

@Suite("Disk full at any point of a trace: one error line, no crash; --resume after freeing space gives the uninterrupted file")
struct DiskFullTests {
    static let binaryBuilt = FileManager.default.isExecutableFile(atPath: interlinguaBinary.path)

    @Test(.enabled(if: binaryBuilt && tmpfsUnavailable == nil,
                   "needs root and mount(8) to fill a small tmpfs (\(tmpfsUnavailable ?? ""))"))
    func fillTheDiskThenResume() throws {
        let dir = try TestPaths.temporaryDirectory("disk-full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.tsv")
        try writeCorpus(corpus, rows: 60)
        func arguments(_ output: URL) -> [String] {
            ["trace", TestPaths.fixture("tiny-mllama").path, corpus.path, "--output", output.path,
             "--pool", "mean,last", "--token-states", "--batch-tokens", "64", "--threads", "1"]
        }
        let reference = dir.appendingPathComponent("reference.h5")
        let clean = try runInterlingua(arguments(reference))
        try #require(clean.status == 0, "\(clean.stderr)")
        let expected = try allDatasets(reference)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: reference.path)[.size] as? Int)

        // Full while the journal is written, while the file is created, early and late among the batches.
        for limit in [4096, 64 << 10, size / 3, size * 9 / 10] {
            let mountPoint = dir.appendingPathComponent("tmpfs-\(limit)")
            try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
            try #require(mountTmpfs(mountPoint, size: "\(limit)") == nil)
            defer { run("/bin/umount", [mountPoint.path]) }
            let output = mountPoint.appendingPathComponent("out.h5")

            let full = try runInterlingua(arguments(output))
            #expect(full.status == 1, "limit \(limit): \(full.stderr)")
            let lines = full.stderr.split(separator: "\n").filter { !$0.hasPrefix("trace: ") }
            #expect(lines.count == 1 && lines[0].hasPrefix("error: ") && lines[0].count < 300,
                    "limit \(limit): \(full.stderr)")
            #expect(full.stderr.lowercased().contains("no space left"), "limit \(limit): \(full.stderr)")

            // Free space (grow the tmpfs; its files stay) and resume.
            run("/bin/mount", ["-o", "remount,size=\(4 * size + (1 << 20))", mountPoint.path])
            let resumed = try runInterlingua(arguments(output) + ["--resume"])
            try #require(resumed.status == 0, "limit \(limit): \(resumed.stderr)")
            let found = try allDatasets(output)
            #expect(found.keys.sorted() == expected.keys.sorted())
            for (path, values) in expected { #expect(found[path] == values, "limit \(limit): \(path) differs") }
            #expect(try H5File.open(output).root.attribute("complete") == .int(1))
            #expect(!FileManager.default.fileExists(atPath: output.path + ".progress"))
        }
    }
}
