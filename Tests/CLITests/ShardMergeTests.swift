// trace --shard I/N and merge, run as a user would on one machine: three shard processes at once, a shard
// killed with SIGKILL and resumed, and every merge refusal — against an unsharded trace of the same plan.
import Foundation
import HDF5
import Testing
import TestSupport

/// A three-language corpus of `rows` short sentences, as TSV.
private func writeCorpus(_ url: URL, rows: Int) throws {
    var tsv = "id\ten\tde\tfr\n"
    let numbers = ["one", "two", "three", "four", "five", "six", "seven"]
    for i in 0..<rows {
        let n = numbers[i % numbers.count]
        tsv += "s\(i)\tThe \(n) cats sleep near window \(i).\tDie \(n) Katzen schlafen am Fenster \(i).\t"
            + "Les \(n) chats dorment près de la fenêtre \(i).\n"
    }
    try Data(tsv.utf8).write(to: url)
}

/// One dataset's stored type and values, exactly: floats and integers as bit patterns, strings as text.
private enum Stored: Equatable {
    case floats([UInt32], shape: [Int])
    case integers([Int64], shape: [Int])
    case strings([String])
}

/// Every dataset of a file by path (virtual datasets read through their mappings).
private func datasets(_ url: URL) throws -> [String: Stored] {
    let file = try H5File.open(url, fileLocking: false)
    var out: [String: Stored] = [:]
    func visit(_ group: H5Group, _ prefix: String) throws {
        for name in try group.memberNames() {
            let path = prefix + "/" + name
            if let child = try? group.group(name) { try visit(child, path); continue }
            let ds = try group.dataset(name)
            if let strings = try? ds.readStrings() {
                out[path] = .strings(strings)
            } else if path.hasPrefix("/tokens/") || path.hasPrefix("/neurons/") || path.hasPrefix("/batches")
                        || path.hasPrefix("/shard/") {
                out[path] = .integers(try ds.read(Int64.self), shape: ds.shape)
            } else {
                out[path] = .floats(try ds.read(Float.self).map(\.bitPattern), shape: ds.shape)
            }
        }
    }
    try visit(file.root, "")
    return out
}

private func attributes(_ url: URL) throws -> [String: H5AttributeValue] {
    let file = try H5File.open(url, fileLocking: false)
    var out: [String: H5AttributeValue] = [:]
    for name in try file.root.attributeNames() { out[name] = try file.root.attribute(name) }
    return out
}

/// Starts `interlingua arguments…` without waiting (stdout and stderr to files in `dir`).
private func start(_ arguments: [String], log: URL) throws -> Process {
    let process = Process()
    process.executableURL = try #require(CLI.binary, "build the binary first: swift build -c release")
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["OPENBLAS_NUM_THREADS"] = "1"
    process.environment = env
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.standardError = handle
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    return process
}

/// The progress journal's `batches_done` (nil while there is none or it is being replaced).
private func batchesDone(_ output: URL) -> Int? {
    guard let data = try? Data(contentsOf: URL(fileURLWithPath: output.path + ".progress")),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    return object["batches_done"] as? Int
}

@Suite("trace --shard I/N and merge give the unsharded trace", .serialized)
struct ShardMergeTests {
    static let model = TestPaths.fixture("tiny-mllama").path
    static let options = ["--pool", "mean,last", "--token-states", "--sublayers", "--neurons", "--batch-tokens", "48",
                          "--threads", "1"]

    /// A scratch folder with the corpus and an unsharded reference trace.
    struct Setup {
        let dir: URL
        let corpus: URL
        let reference: URL
        func trace(_ output: URL, _ extra: [String] = []) -> [String] {
            ["trace", ShardMergeTests.model, corpus.path, "--output", output.path] + ShardMergeTests.options + extra
        }
        func shard(_ i: Int, of n: Int) -> URL { dir.appendingPathComponent("shard-\(i)-of-\(n).h5") }
    }

    static func setup(rows: Int) throws -> Setup {
        let dir = try TestPaths.temporaryDirectory("shard")
        let corpus = dir.appendingPathComponent("corpus.tsv")
        try writeCorpus(corpus, rows: rows)
        let setup = Setup(dir: dir, corpus: corpus, reference: dir.appendingPathComponent("reference.h5"))
        let result = try CLI.run(setup.trace(setup.reference))
        try #require(result.status == 0, "\(result.stderr)")
        return setup
    }

    /// The merged file equals the reference dataset for dataset, bit for bit; its attributes equal the
    /// reference's but for `created` and the merge's own; the one dataset it leaves out is resume bookkeeping.
    static func expectIdentical(_ merged: URL, to reference: URL, mode: String, shards: Int) throws {
        let expected = try datasets(reference)
        let found = try datasets(merged)
        let bookkeeping = Set(expected.keys.filter { $0.hasSuffix("/running") })
        #expect(bookkeeping.count == 3, "the reference counts neurons of 3 languages")
        #expect(Set(found.keys) == Set(expected.keys).subtracting(bookkeeping))
        for (path, values) in expected where !bookkeeping.contains(path) {
            #expect(found[path] == values, "\(path) differs")
        }
        var a = try attributes(reference), b = try attributes(merged)
        let created = (a.removeValue(forKey: "created"), b.removeValue(forKey: "created"))
        #expect(created.0 != nil && created.1 != nil)
        let added = (b.removeValue(forKey: "merged_shards"), b.removeValue(forKey: "merge_mode"),
                     b.removeValue(forKey: "merge_sources"))
        #expect(added.0 == .int(Int64(shards)))
        #expect(added.1 == .string(mode))
        #expect((added.2 != nil) == (mode == "virtual"))
        #expect(a == b)
        let file = try H5File.open(merged, fileLocking: false)
        #expect(try file.root.dataset("/pooled/mean/de").isVirtual == (mode == "virtual"))
    }

    @Test("three shards traced as three concurrent processes, merged by copy and virtually, equal the unsharded trace")
    func threeConcurrentShards() throws {
        let s = try Self.setup(rows: 30)
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let processes = try (1...3).map { i in
            try start(s.trace(s.shard(i, of: 3), ["--shard", "\(i)/3"]), log: s.dir.appendingPathComponent("log-\(i)"))
        }
        for (i, process) in processes.enumerated() {
            process.waitUntilExit()
            let log = (try? String(contentsOf: s.dir.appendingPathComponent("log-\(i + 1)"), encoding: .utf8)) ?? ""
            try #require(process.terminationStatus == 0, "shard \(i + 1): \(log)")
        }
        // Each shard holds only its rows: together they hold every row once.
        var rows = 0
        for i in 1...3 {
            let stored = try datasets(s.shard(i, of: 3))
            for lang in ["en", "de", "fr"] {
                if case .floats(_, let shape)? = stored["/pooled/mean/\(lang)"] { rows += shape[1] }
            }
        }
        #expect(rows == 3 * 30)

        let copy = s.dir.appendingPathComponent("merged.h5")
        // The order of the shards on the command line does not matter.
        let merged = try CLI.run(["merge", s.shard(3, of: 3).path, s.shard(1, of: 3).path, s.shard(2, of: 3).path,
                                  "--output", copy.path])
        try #require(merged.status == 0, "\(merged.stderr)")
        try Self.expectIdentical(copy, to: s.reference, mode: "copy", shards: 3)

        let virtual = s.dir.appendingPathComponent("virtual.h5")
        let mapped = try CLI.run(["merge", s.shard(1, of: 3).path, s.shard(2, of: 3).path, s.shard(3, of: 3).path,
                                  "--output", virtual.path, "--virtual"])
        try #require(mapped.status == 0, "\(mapped.stderr)")
        try Self.expectIdentical(virtual, to: s.reference, mode: "virtual", shards: 3)
        let virtualBytes = (try FileManager.default.attributesOfItem(atPath: virtual.path)[.size] as? NSNumber)?.intValue ?? 0
        let copyBytes = (try FileManager.default.attributesOfItem(atPath: copy.path)[.size] as? NSNumber)?.intValue ?? 0
        #expect(virtualBytes > 0 && virtualBytes < copyBytes / 4, "virtual \(virtualBytes) B, copy \(copyBytes) B")

        // align reads both as any other activation file, with the same numbers.
        var outputs: [String] = []
        for file in [s.reference, copy, virtual] {
            let out = s.dir.appendingPathComponent("align-\(file.deletingPathExtension().lastPathComponent)")
            let aligned = try CLI.run(["align", file.path, "--output", out.path, "--metrics", "cosine,retrieval_p1,cka_linear",
                                       "--bootstrap", "20"])
            try #require(aligned.status == 0, "\(aligned.stderr)")
            outputs.append(try String(contentsOf: out.appendingPathComponent("alignment.csv"), encoding: .utf8))
        }
        #expect(outputs[1] == outputs[0] && outputs[2] == outputs[0])

        // A virtual file whose shard is gone is refused rather than read as fill values.
        try FileManager.default.moveItem(at: s.shard(2, of: 3), to: s.dir.appendingPathComponent("moved.h5"))
        expectRuntimeError(try CLI.run(["align", virtual.path, "--output", s.dir.appendingPathComponent("x").path]),
                           "shard-2-of-3.h5", "missing")
        // A shard is not an activation file for the analyses.
        expectRuntimeError(try CLI.run(["align", s.shard(1, of: 3).path, "--output", s.dir.appendingPathComponent("y").path]),
                           "shard 1/3", "merge")
    }

    @Test("a shard killed with SIGKILL mid-way and resumed merges into the unsharded trace again")
    func killedShard() throws {
        let s = try Self.setup(rows: 120)
        defer { try? FileManager.default.removeItem(at: s.dir) }
        for i in [1, 3] {
            let result = try CLI.run(s.trace(s.shard(i, of: 3), ["--shard", "\(i)/3"]))
            try #require(result.status == 0, "\(result.stderr)")
        }
        let killed = s.shard(2, of: 3)
        let process = try start(s.trace(killed, ["--shard", "2/3"]), log: s.dir.appendingPathComponent("log"))
        // Killed once the journal says some batches are written, long before the shard's last.
        while process.isRunning && (batchesDone(killed) ?? 0) < 3 { usleep(500) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(process.terminationReason == .uncaughtSignal, "the shard finished before it was killed")
        #expect(try attributes(killed)["complete"] == .int(0))

        // Merging now is refused: the shard is incomplete.
        let output = s.dir.appendingPathComponent("merged.h5")
        let early = try CLI.run(["merge", s.shard(1, of: 3).path, killed.path, s.shard(3, of: 3).path, "--output", output.path])
        expectRuntimeError(early, "shard 2/3 is incomplete", "--resume")
        #expect(!FileManager.default.fileExists(atPath: output.path))

        let resumed = try CLI.run(s.trace(killed, ["--shard", "2/3", "--resume"]))
        try #require(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed"))
        let merged = try CLI.run(["merge", s.shard(1, of: 3).path, killed.path, s.shard(3, of: 3).path, "--output", output.path])
        try #require(merged.status == 0, "\(merged.stderr)")
        try Self.expectIdentical(output, to: s.reference, mode: "copy", shards: 3)
        let virtual = s.dir.appendingPathComponent("virtual.h5")
        let mapped = try CLI.run(["merge", s.shard(1, of: 3).path, killed.path, s.shard(3, of: 3).path, "--output",
                                  virtual.path, "--virtual"])
        try #require(mapped.status == 0, "\(mapped.stderr)")
        try Self.expectIdentical(virtual, to: s.reference, mode: "virtual", shards: 3)
    }

    @Test("shards of different plans, a missing, a duplicated or a foreign file: one-line errors and no output")
    func refusals() throws {
        let s = try Self.setup(rows: 12)
        defer { try? FileManager.default.removeItem(at: s.dir) }
        for i in 1...3 {
            let result = try CLI.run(s.trace(s.shard(i, of: 3), ["--shard", "\(i)/3"]))
            try #require(result.status == 0, "\(result.stderr)")
        }
        // The same shard 2/3 of other plans: another template, another --batch-tokens, another shard count.
        let template = s.dir.appendingPathComponent("template.h5")
        let batch = s.dir.appendingPathComponent("batch.h5")
        let four = s.dir.appendingPathComponent("four.h5")
        var extra: [(URL, [String])] = [(template, ["--shard", "2/3", "--template", "alpaca-no-input"]),
                                        (four, ["--shard", "2/4"])]
        extra.append((batch, ["--shard", "2/3"]))
        for (output, options) in extra {
            var arguments = s.trace(output, options)
            if output == batch, let k = arguments.firstIndex(of: "48") { arguments[k] = "40" }
            let result = try CLI.run(arguments)
            try #require(result.status == 0, "\(result.stderr)")
        }
        let output = s.dir.appendingPathComponent("merged.h5")
        func merge(_ files: [URL], virtual: Bool = false) throws -> CLIResult {
            try CLI.run(["merge"] + files.map(\.path) + ["--output", output.path] + (virtual ? ["--virtual"] : []))
        }
        let (one, two, three) = (s.shard(1, of: 3), s.shard(2, of: 3), s.shard(3, of: 3))
        expectRuntimeError(try merge([one, template, three]), "template.h5", "not of the same plan", "template differs")
        expectRuntimeError(try merge([one, batch, three], virtual: true), "batch.h5", "not of the same plan", "batchTokens")
        expectRuntimeError(try merge([one, four, three]), "four.h5", "shard_count differs (3 vs 4)")
        expectRuntimeError(try merge([one, three]), "shard 2/3 is missing (given: 1/3, 3/3)")
        expectRuntimeError(try merge([one], virtual: true), "shards 2/3, 3/3 are missing")
        expectRuntimeError(try merge([one, two, two, three]), "shard 2/3 is given twice")
        let copy = s.dir.appendingPathComponent("copy-of-two.h5")
        try FileManager.default.copyItem(at: two, to: copy)
        expectRuntimeError(try merge([one, two, copy, three]), "shard 2/3 is given twice", "copy-of-two.h5")
        expectRuntimeError(try merge([one, two, s.reference]), "reference.h5", "not a shard")
        expectRuntimeError(try merge([one, two, s.corpus]), "corpus.tsv")
        // Nothing at the output, and no temporary file left beside it.
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let left = try FileManager.default.contentsOfDirectory(atPath: s.dir.path).filter { $0.contains("merging") }
        #expect(left.isEmpty, "\(left)")

        // An existing output is never replaced.
        try Data("keep".utf8).write(to: output)
        expectRuntimeError(try merge([one, two, three]), "merged.h5 already exists")
        #expect(try Data(contentsOf: output) == Data("keep".utf8))

        // More shards than batches, and a malformed --shard, are refused before anything is written.
        let many = s.dir.appendingPathComponent("many.h5")
        expectRuntimeError(try CLI.run(s.trace(many, ["--shard", "1/1000"])), "use at most")
        #expect(!FileManager.default.fileExists(atPath: many.path))
        expectUsageError(try CLI.run(s.trace(many, ["--shard", "4/3"])), "--shard")
        expectUsageError(try CLI.run(s.trace(many, ["--shard", "two"])), "I/N")
    }
}
