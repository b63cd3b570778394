import Corpus
import Activations
import Foundation
import HDF5
import Testing
import TestSupport
import Tracing

/// A small run of the model double over a 3-language corpus.
func doubleRun(output: URL, batchTokens: Int = 6, tokenStates: Bool = true, template: PromptTemplate = .raw,
               pools: [Pooling] = [.mean, .last, .weighted], texts: [[String]]? = nil) throws -> TraceRun {
    let corpus = try ParallelCorpus(source: "double.tsv", languages: ["en", "de", "el"], ids: ["a", "b", "c", "d"],
                                 texts: texts ?? [["one", "two", "three", "four"], ["eins", "zwei", "drei", "vier"],
                                                  ["ένα", "δύο", "τρία", "τέσσερα"]])
    let settings = try TraceSettings(template: template, pools: pools, tokenStates: tokenStates, subLayers: true,
                                     batchTokens: batchTokens)
    let plan = try TracePlan(corpus: corpus, tokenizer: ScalarTokenizer(), settings: settings)
    return TraceRun(model: CausalMeanModel(layers: 2), plan: plan, output: output, modelName: "double",
                    modelIdentity: "double-v1", toolVersion: "test")
}

/// Every dataset of an activation file, as raw values (floats by bit pattern) by path.
func datasetContents(_ url: URL) throws -> [String: [String]] {
    let file = try H5File.open(url)
    var out: [String: [String]] = [:]
    func visit(_ group: H5Group, _ prefix: String) throws {
        for name in try group.memberNames() {
            let path = prefix + "/" + name
            if let ds = try? group.dataset(name) {
                if let floats = try? ds.read(Float.self) { out[path] = floats.map { String($0.bitPattern) } }
                else if let ints = try? ds.read(Int64.self) { out[path] = ints.map { String($0) } }
                else { out[path] = try ds.readStrings() }
            } else {
                try visit(try group.group(name), path)
            }
        }
    }
    try visit(file.root, "")
    return out
}

@Suite("The activation file follows the documented layout")
struct ActivationLayoutTests {
    @Test("attributes, strings, tokens, pooled, final-norm and state datasets read back")
    func layout() throws {
        let dir = try TestPaths.temporaryDirectory("layout")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("acts.h5")
        let run = try doubleRun(output: url)
        let outcome = try run.run(resume: false)
        #expect(outcome.batchesSkipped == 0 && !outcome.alreadyComplete)
        #expect(!FileManager.default.fileExists(atPath: TraceJournal.url(for: url).path))

        let file = try H5File.open(url)
        let root = file.root
        #expect(try root.attribute("format") == .string("interlingua.activations"))
        #expect(try root.attribute("format_version") == .int(2))
        #expect(try root.attribute("complete") == .int(1))
        #expect(try root.attribute("n_layers") == .int(2))
        #expect(try root.attribute("d_model") == .int(3))
        #expect(try root.attribute("pooling") == .string("mean,last,weighted"))
        #expect(try root.attribute("bos_in_pool") == .int(0))
        #expect(try root.attribute("template") == .string("raw"))
        #expect(try root.attribute("pool_span") == .string("sentence"))
        #expect(try root.attribute("architecture") == .string("llama"))
        #expect(try root.attribute("model") == .string("double"))
        #expect(try root.dataset("languages").readStrings() == ["en", "de", "el"])
        #expect(try root.dataset("ids").readStrings() == ["a", "b", "c", "d"])
        #expect(try root.dataset("text/el").readStrings()[1] == "δύο")
        // "one", "two", "three", "four" with BOS: 4 + 4 + 6 + 5 tokens.
        #expect(try root.dataset("tokens/en/offsets").read(Int64.self) == [0, 4, 8, 14, 19])
        #expect(try root.dataset("tokens/en/ids").read(Int32.self).prefix(4) == [1, 111, 110, 101])
        #expect(try root.dataset("tokens/en/pool_span").read(Int64.self).prefix(2) == [1, 4])

        let pooled = try root.dataset("pooled/mean/en")
        #expect(pooled.shape == [3, 4, 3])
        #expect(try root.dataset("final_norm/last/de").shape == [4, 3])
        let states = try root.dataset("states/en")
        #expect(states.shape == [3, 19, 3])
        #expect(try root.dataset("sublayers/mlp/mean/en").shape == [2, 4, 3])

        // Pooled = pooling of the stored states, read back from the file (layer 2, sentence "three").
        let layer2 = try states.read(Float.self, offset: [2, 0, 0], count: [1, 19, 3])
        for pool in [Pooling.mean, .last, .weighted] {
            let stored = try root.dataset("pooled/\(pool.rawValue)/en").read(Float.self, offset: [2, 2, 0], count: [1, 1, 3])
            #expect(stored == pool.pool(layer2, rows: 9..<14, dimension: 3))
        }
        // Embedding of "t" (116) at position 1: (1.16, 1, 1) is the first pooled row's token; the mean of
        // "one" at layer 0 is ((111+110+101)/300, 2, 1).
        let mean0 = try pooled.read(Float.self, offset: [0, 0, 0], count: [1, 1, 3])
        #expect(abs(mean0[0] - Float(322.0 / 300)) < 1e-6 && mean0[1] == 2 && mean0[2] == 1)
    }
}

@Suite("An existing output is never overwritten without --resume")
struct OverwriteRefusalTests {
    @Test("a second run without resume throws and leaves the file as it was")
    func refuses() throws {
        let dir = try TestPaths.temporaryDirectory("overwrite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("acts.h5")
        try Data("precious".utf8).write(to: url)
        #expect(throws: TracingError.outputExists(file: url.path)) { try doubleRun(output: url).run(resume: false) }
        #expect(try Data(contentsOf: url) == Data("precious".utf8))
        // With --resume, a file that is not an interrupted trace of this run is refused too.
        #expect(throws: TracingError.self) { try doubleRun(output: url).run(resume: true) }
        #expect(try Data(contentsOf: url) == Data("precious".utf8))
    }

    @Test("resuming a complete file does nothing; resuming with other settings is refused")
    func completeAndMismatch() throws {
        let dir = try TestPaths.temporaryDirectory("complete")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("acts.h5")
        _ = try doubleRun(output: url).run(resume: false)
        let before = try datasetContents(url)
        let again = try doubleRun(output: url).run(resume: true)
        #expect(again.alreadyComplete)
        #expect(try datasetContents(url) == before)
        #expect(throws: TracingError.self) { try doubleRun(output: url, batchTokens: 100).run(resume: true) }
    }
}

@Suite("A journal left without its file does not block a new trace")
struct StaleJournalTests {
    @Test("a stale journal of another run is replaced by a fresh run")
    func staleJournal() throws {
        let dir = try TestPaths.temporaryDirectory("stale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("acts.h5")
        try TraceJournal(fingerprint: "someone-else", state: .tracing, batchesDone: 3, batchesTotal: 9).write(for: url)
        let outcome = try doubleRun(output: url).run(resume: false)
        #expect(outcome.batchesSkipped == 0)
        #expect(ActivationsWriter.isComplete(url))
        #expect(try TraceJournal.read(for: url) == nil)
    }
}

struct Interrupted: Error {}

@Suite("A resumed trace ends identical to an uninterrupted one")
struct InProcessResumeTests {
    @Test("interrupted after each possible batch, resumed, compared dataset by dataset", arguments: [0, 1, 3, 5])
    func resume(after stopBatch: Int) throws {
        let dir = try TestPaths.temporaryDirectory("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = dir.appendingPathComponent("reference.h5")
        _ = try doubleRun(output: reference).run(resume: false)

        let url = dir.appendingPathComponent("acts.h5")
        #expect(throws: Interrupted.self) {
            try doubleRun(output: url).run(resume: false) { progress in
                if progress.batchesDone > stopBatch { throw Interrupted() }
            }
        }
        let journal = try #require(try TraceJournal.read(for: url))
        #expect(journal.batchesDone == stopBatch + 1)
        #expect(!ActivationsWriter.isComplete(url))
        #expect(throws: TracingError.outputExists(file: url.path)) { try doubleRun(output: url).run(resume: false) }

        let outcome = try doubleRun(output: url).run(resume: true)
        #expect(outcome.batchesSkipped == stopBatch + 1)
        #expect(ActivationsWriter.isComplete(url))
        let expected = try datasetContents(reference)
        let found = try datasetContents(url)
        #expect(expected.count == found.count && expected.count > 20)
        #expect(found == expected)
    }
}
