// Runs the built release `interlingua` binary as a user would: arguments, working folder, exit status,
// stdout and stderr.
import Foundation
import Testing
import TestSupport

/// The outcome of one `interlingua` run.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String

    /// stderr's lines (no trailing empty line).
    var errorLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

enum CLI {
    /// The `interlingua` executable: `$INTERLINGUA_BIN`, else next to the test bundle (both are built into
    /// `.build/<triple>/release/`), else `.build/release/` of this repository.
    static let binary: URL? = {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["INTERLINGUA_BIN"] { candidates.append(URL(fileURLWithPath: path)) }
        var bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            bundle.deleteLastPathComponent()
            candidates.append(bundle.appendingPathComponent("interlingua"))
        }
        candidates.append(TestPaths.repository.appendingPathComponent(".build/release/interlingua"))
        return candidates.first { fm.isExecutableFile(atPath: $0.path) && !isDirectory($0) }
    }()

    private static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Runs `interlingua arguments…` in `directory` (a fresh scratch folder when nil) and waits for it.
    /// Output goes through files, so a chatty run cannot fill a pipe and stall.
    static func run(_ arguments: [String], in directory: URL? = nil,
                    environment: [String: String] = [:], executable: URL? = nil,
                    arguments executableArguments: [String]? = nil) throws -> CLIResult {
        let binary = try executable ?? #require(binary, "build the binary first: swift build -c release")
        let scratch = try TestPaths.temporaryDirectory("cli-run")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout"), err = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = executableArguments ?? arguments
        process.currentDirectoryURL = directory ?? scratch
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] ?? "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// The tiny m-LLaMA fixture (a Hugging Face folder with torch.save shards).
    static let model = TestPaths.fixture("tiny-mllama").path
    /// 8 Django UI messages in en, el, zh.
    static let corpus = TestPaths.fixture("cli/corpus.tsv").path
    /// Synthetic pooled activations with a known alignment structure.
    static let activations = TestPaths.fixture("alignment/activations.h5").path
}

/// Expects a runtime error: exit 1 and exactly one stderr line `error: …` containing every `fragment`.
func expectRuntimeError(_ result: CLIResult, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 1, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.errorLines.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(result.stderr.contains(fragment), "missing '\(fragment)' in: \(result.stderr)", sourceLocation: sourceLocation)
    }
}

/// Expects a usage error: exit 2, stderr starting `error: ` and containing every `fragment`.
func expectUsageError(_ result: CLIResult, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 2, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(result.stderr.contains(fragment), "missing '\(fragment)' in: \(result.stderr)", sourceLocation: sourceLocation)
    }
}
