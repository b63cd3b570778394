import Foundation
import HDF5
import Testing
import TestSupport

/// `sha256sum FILE` (coreutils): an independent SHA-256.
func sha256sum(_ url: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha256sum", url.path]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(text.prefix(64))
}

func stringAttribute(_ file: H5File, _ name: String) throws -> String? {
    if case .string(let s)? = try? file.root.attribute(name) { return s }
    return nil
}

@Suite("The activation file records what was traced, and report shows it (#16.7)")
struct ProvenanceTests {
    @Test("absolute paths, the model's name, SHA-256 of the corpus and of the model folder's files, the format")
    func attributes() throws {
        let file = try H5File.open(TracedFixture.activations)
        let corpus = URL(fileURLWithPath: CLI.corpus).standardizedFileURL
        #expect(try stringAttribute(file, "corpus") == corpus.path)
        #expect(try stringAttribute(file, "corpus_format") == "tsv")
        #expect(try stringAttribute(file, "corpus_sha256") == (try sha256sum(corpus)))
        let model = URL(fileURLWithPath: CLI.model).standardizedFileURL
        #expect(try stringAttribute(file, "model_path") == model.path)
        #expect(try stringAttribute(file, "model_name") == "tiny-mllama")
        // A folder's digest: SHA-256 of its sha256sum listing (model files, sorted by name).
        let names = try FileManager.default.contentsOfDirectory(atPath: model.path).sorted().filter {
            $0.hasSuffix(".bin") || $0.hasSuffix(".model") || $0.hasSuffix(".json")
        }
        let listing = try names.map { "\(try sha256sum(model.appendingPathComponent($0)))  \($0)\n" }.joined()
        let scratch = try TestPaths.temporaryDirectory("listing").appendingPathComponent("listing")
        try Data(listing.utf8).write(to: scratch)
        #expect(try stringAttribute(file, "model_sha256") == (try sha256sum(scratch)))
    }

    @Test("report names the corpus and both digests without --corpus")
    func report() throws {
        let dir = try TestPaths.temporaryDirectory("cli-provenance")
        let align = try CLI.run(["align", TracedFixture.activations.path, "--output", "a", "--bootstrap", "0",
                                 "--knn-k", "3", "--quiet"], in: dir)
        #expect(align.status == 0, "\(align.stderr)")
        let report = try CLI.run(["report", "a"], in: dir)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("a/report.html"), encoding: .utf8)
        let corpus = URL(fileURLWithPath: CLI.corpus).standardizedFileURL
        #expect(html.contains(corpus.path + " (tsv, 8 sentences × 3 languages)"))
        #expect(html.contains(try sha256sum(corpus)))
        #expect(html.contains("model SHA-256"))
        #expect(!html.contains("source not recorded"))
    }

    @Test("a second trace takes the digests from the cache while the files keep their size and time")
    func cached() throws {
        let dir = try TestPaths.temporaryDirectory("cli-digest-cache")
        let corpus = dir.appendingPathComponent("c.tsv")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: CLI.corpus), to: corpus)
        let env = ["INTERLINGUA_CACHE": dir.appendingPathComponent("cache").path]
        let first = try CLI.run(["trace", CLI.model, "c.tsv", "--limit", "2", "--output", "1.h5"], in: dir, environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("SHA-256 of c.tsv"))
        // Doctor the cached digest: a cache hit shows it in the next file.
        let cacheFile = dir.appendingPathComponent("cache/sha256.json")
        let real = try sha256sum(corpus)
        let doctored = try String(contentsOf: cacheFile, encoding: .utf8).replacingOccurrences(of: real, with: String(repeating: "0", count: 64))
        try Data(doctored.utf8).write(to: cacheFile)
        let second = try CLI.run(["trace", CLI.model, "c.tsv", "--limit", "2", "--output", "2.h5"], in: dir, environment: env)
        #expect(!second.stderr.contains("SHA-256 of"), "\(second.stderr)")
        #expect(try stringAttribute(try H5File.open(dir.appendingPathComponent("2.h5")), "corpus_sha256") == String(repeating: "0", count: 64))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: corpus.path)
        let third = try CLI.run(["trace", CLI.model, "c.tsv", "--limit", "2", "--output", "3.h5"], in: dir, environment: env)
        #expect(third.stderr.contains("SHA-256 of c.tsv"))
        #expect(try stringAttribute(try H5File.open(dir.appendingPathComponent("3.h5")), "corpus_sha256") == real)
    }
}
