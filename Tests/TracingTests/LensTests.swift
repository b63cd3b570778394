import Activations
import Checkpoints
import Corpus
import Foundation
import LinearAlgebra
import Models
import Testing
import TestSupport
import Tokenizers
import Tracing

/// One fixture model's lens reference: `Tests/Fixtures/lens/<name>/lens.{json,safetensors}`.
struct LensReference {
    struct Prompt {
        var index: Int
        var kind: String
        var source: String
        var target: String
        var wordID: String
        var examples: [String]
        var answerEnglish: String
        var answerTarget: String
        var text: String
        var englishTokens: [Int32]
        var targetTokens: [Int32]
        /// The reference's own float32 disagreement at layer n: its lens (a 1×d row through the head) against
        /// its model's log-probs (the T×d product), largest over the vocabulary (`sanity` in lens.json).
        var selfDisagreement: Double
    }

    let prompts: [Prompt]
    let nLayers: Int
    let states: ReferenceStates

    init(_ name: String) throws {
        let folder = TestPaths.fixture("lens/\(name)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("lens.json"))) as? [String: Any])
        nLayers = try #require(json["n_layers"] as? Int)
        let list = try #require(json["prompts"] as? [[String: Any]])
        prompts = try list.map { p in
            func ids(_ key: String) throws -> [Int32] {
                try #require(p[key] as? [[Any]]).map { Int32(try #require($0[0] as? Int)) }
            }
            return Prompt(index: try #require(p["index"] as? Int), kind: try #require(p["kind"] as? String),
                          source: try #require(p["src"] as? String), target: try #require(p["tgt"] as? String),
                          wordID: try #require(p["word_id"] as? String), examples: try #require(p["examples"] as? [String]),
                          answerEnglish: try #require(p["answer_en"] as? String),
                          answerTarget: try #require(p["answer_tgt"] as? String), text: try #require(p["text"] as? String),
                          englishTokens: try ids("en_tokens"), targetTokens: try ids("tgt_tokens"),
                          selfDisagreement: try #require((p["sanity"] as? [String: Any])?["layer_n_vs_model_max_abs_logprob_diff"] as? Double))
        }
        states = try ReferenceStates(folder.appendingPathComponent("lens.safetensors"))
    }

    var tasks: [LensTask] {
        prompts.map { p in
            LensTask(id: "p\(p.index)", prompt: p.text, answers: ["en": p.answerEnglish, p.target: p.answerTarget], target: p.target)
        }
    }
}

/// Runs the lens of a model over the reference prompts and checks every stored number.
private func checkLens(model url: URL, reference name: String) throws {
    let reference = try LensReference(name)
    let checkpoint = try Checkpoint.open(url)
    let model = try ModelLoader.load(checkpoint)
    let vocabulary = try #require(try Tokenizers.load(for: checkpoint) as? any TokenVocabulary)
    let settings = try LensSettings(batchTokens: 512)
    let plan = try LensPlan(tasks: reference.tasks, vocabulary: vocabulary, settings: settings, source: name)
    #expect(plan.dropped.isEmpty)
    #expect(plan.tasks.count == reference.prompts.count)
    #expect(reference.nLayers == model.config.nLayers)

    let dir = try TestPaths.temporaryDirectory("lens")
    defer { try? FileManager.default.removeItem(at: dir) }
    let output = dir.appendingPathComponent("lens.h5")
    _ = try LensRun(model: model, plan: plan, vocabulary: vocabulary).run(output: output, modelName: name, tasks: "fixture", toolVersion: "test")
    let lens = try LensFile(url: output)
    let layers = reference.nLayers + 1
    #expect(lens.layerCount == layers)
    #expect(lens.rowCount == reference.prompts.count)

    // logsumexp and log-probs within 1e-4; at layer n the reference's lens itself differs from its own model by
    // `selfDisagreement` (float32 rounding of its 1×d head product, up to 1.1e-4 on Gemma 3's 262,144-entry
    // head), which our value — equal to our model's own prediction — may sit on the other side of.
    var worst = (lse: 0.0, entropy: 0.0, mass: 0.0, logprob: 0.0)
    for (k, p) in reference.prompts.enumerated() {
        #expect(lens.tokenIDs[k] == reference.states.ints["p\(p.index).ids"], "prompt ids of p\(p.index)")
        #expect(lens.tokenSets["en"]?[k] == p.englishTokens, "English token set of p\(p.index) (\(p.answerEnglish))")
        #expect(lens.tokenSets[p.target]?[k] == p.targetTokens, "\(p.target) token set of p\(p.index) (\(p.answerTarget))")
        let row = try #require(lens.lastRow(ofPrompt: k))
        let lse = try #require(reference.states.floats["p\(p.index).lse"]).values
        let entropy = try #require(reference.states.floats["p\(p.index).entropy"]).values
        let enMass = try #require(reference.states.floats["p\(p.index).en_mass"]).values
        let tgtMass = try #require(reference.states.floats["p\(p.index).tgt_mass"]).values
        let topIDs = try #require(reference.states.ints["p\(p.index).top_ids"])
        let topLogprobs = try #require(reference.states.floats["p\(p.index).top_logprobs"]).values
        for l in 0..<layers {
            let cell = row * layers + l
            let allowance = l == layers - 1 ? p.selfDisagreement : 0
            worst.lse = max(worst.lse, abs(Double(lens.logsumexp[cell]) - Double(lse[l])) - allowance)
            worst.entropy = max(worst.entropy, abs(Double(lens.entropy[cell]) - Double(entropy[l])))
            let ours = (en: try #require(lens.languageProbability["en"])[cell], tgt: try #require(lens.languageProbability[p.target])[cell])
            worst.mass = max(worst.mass, abs(Double(ours.en) - Double(enMass[l])), abs(Double(ours.tgt) - Double(tgtMass[l])))
            let k20 = lens.topK
            let ids = Array(lens.topIDs[(cell * k20)..<((cell + 1) * k20)])
            let lps = Array(lens.topLogprobs[(cell * k20)..<((cell + 1) * k20)])
            let refIDs = Array(topIDs[(l * 20)..<((l + 1) * 20)])
            let refLPs = Array(topLogprobs[(l * 20)..<((l + 1) * 20)])
            for j in 0..<20 {
                // Log-probs are logit − logsumexp: besides the 1e-4, each carries its logit's float32 forward
                // error (≤ 1.3e-6 relative on Gemma 3, ModelsTests' reference check), ~2e-4 at |z| ≈ 160.
                let logit = abs(Double(refLPs[j]) + Double(lse[l]))
                worst.logprob = max(worst.logprob, abs(Double(lps[j]) - Double(refLPs[j])) - allowance - 1.3e-6 * logit)
                // Where the reference's neighbours are closer than 1e-4 the order is float rounding.
                let separated = (j == 0 || refLPs[j - 1] - refLPs[j] > 1e-4) && (j == 19 || refLPs[j] - refLPs[j + 1] > 1e-4)
                if separated { #expect(ids[j] == refIDs[j], "top-\(j + 1) id of p\(p.index) at layer \(l)") }
            }
        }
    }
    #expect(worst.lse <= 1e-4, "largest logsumexp difference (beyond the reference's own at layer n) \(worst.lse)")
    #expect(worst.entropy <= 1e-4, "largest entropy difference \(worst.entropy)")
    #expect(worst.mass <= 1e-4, "largest token-set probability difference \(worst.mass)")
    #expect(worst.logprob <= 1e-4, "largest top-20 log-prob difference \(worst.logprob)")

    // Layer n of the lens is the model's own prediction: the full forward, final norm over every token, the
    // head at the last position, log-softmax in Double.
    for k in [0, reference.prompts.count - 1] {
        let ids = lens.tokenIDs[k]
        let batch = PackedBatch(tokens: ids, sequences: [0..<ids.count])
        var hidden = try model.embed(batch)
        for layer in 0..<model.config.nLayers { try model.applyBlock(layer, to: &hidden, batch: batch, captureSubLayers: false) }
        let logits = try model.logits(try model.applyFinalNorm(hidden), rows: [ids.count - 1]).storage.map(Double.init)
        let m = logits.max() ?? 0
        let lse = m + log(logits.reduce(0) { $0 + exp($1 - m) })
        let row = try #require(lens.lastRow(ofPrompt: k))
        let cell = row * layers + (layers - 1)
        #expect(abs(Double(lens.logsumexp[cell]) - lse) <= 1e-4)
        let order = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(lens.topK)
        for (j, id) in order.enumerated() {
            #expect(abs(Double(lens.topLogprobs[cell * lens.topK + j]) - (logits[id] - lse)) <= 1e-4)
        }
        #expect(Array(lens.topIDs[(cell * lens.topK)..<(cell * lens.topK + 3)]) == order.prefix(3).map(Int32.init))
    }
}

@Suite("The logit lens matches transformers on the reference prompts", .serialized)
struct LensReferenceTests {
    @Test("tiny m-LLaMA: logsumexp, entropy, token-set probabilities, top-20 and token sets")
    func tinyMLlama() throws {
        try checkLens(model: TestPaths.fixture("tiny-mllama"), reference: "tiny-mllama")
    }

    @Test("SmolLM2-135M (byte-level BPE): every fixture prompt and layer")
    func smolLM2() throws {
        try checkLens(model: TestPaths.smolLM2, reference: "smollm2-135m-instruct-q4_1")
    }

    @Test("Gemma 3 270M (262,144-entry SentencePiece vocabulary): every fixture prompt and layer")
    func gemma3() throws {
        try checkLens(model: TestPaths.gemma3, reference: "gemma-3-270m-q4_k_m")
    }
}

@Suite("lens-tasks writes Wendler et al.'s prompts from a lexicon")
struct LensTaskBuilderTests {
    let lexicon: ParallelCorpus

    init() throws {
        lexicon = try ParallelCorpus.load(TestPaths.repository.appendingPathComponent("notebooks-data/django-ui-words-12lang.tsv"))
    }

    @Test("the prompt of a fixture row and its examples is lens.json's text, byte for byte")
    func fixtureText() throws {
        for name in ["tiny-mllama", "smollm2-135m-instruct-q4_1"] {
            for p in try LensReference(name).prompts {
                let row = try #require(lexicon.ids.firstIndex(of: p.wordID))
                let examples = try p.examples.map { id in try #require(lexicon.ids.firstIndex(of: id)) }
                let kind: LensTaskKind = p.kind == "repetition" ? .repetition : .translation
                let task = try LensTasks.task(lexicon, kind: kind, source: p.source, target: p.target, query: row, examples: examples)
                #expect(task.prompt == p.text)
                #expect(task.target == p.target)
                #expect(task.answers == ["en": p.answerEnglish, p.target: p.answerTarget])
            }
        }
    }

    @Test("the same seed gives the same tasks; queries obey the first-letter rule; examples are other rows")
    func deterministic() throws {
        let a = try LensTasks.build(lexicon, kind: .translation, source: "fr", target: "zh", shots: 4, seed: 7)
        let b = try LensTasks.build(lexicon, kind: .translation, source: "fr", target: "zh", shots: 4, seed: 7)
        let c = try LensTasks.build(lexicon, kind: .translation, source: "fr", target: "zh", shots: 4, seed: 8)
        #expect(a == b)
        #expect(a != c)
        #expect(!a.isEmpty)
        for task in a {
            let lines = task.prompt.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 5)
            #expect(lines.last?.hasPrefix("Français: \"") == true)
            #expect(lines.last?.hasSuffix(" - 中文: \"") == true)
            let en = try #require(task.answers["en"]), zh = try #require(task.answers["zh"])
            #expect(en.first?.lowercased() != zh.first?.lowercased())
            // No example repeats the query's answer.
            #expect(!lines.dropLast().contains { $0.hasSuffix("\"\(zh)\"") })
        }
        let repetition = try LensTasks.build(lexicon, kind: .repetition, source: "de", target: "de", shots: 2, seed: 0)
        #expect(repetition.allSatisfy { $0.target == "de" && $0.prompt.components(separatedBy: "Deutsch: ").count == 7 })
    }

    @Test("a task file line without a valid target is refused, naming the file and line")
    func badTaskFile() throws {
        let dir = try TestPaths.temporaryDirectory("lens-tasks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tasks.jsonl")
        try Data("""
            {"id": "a", "prompt": "x", "answers": {"en": "yes", "zh": "是"}, "target": "zh"}

            {"id": "b", "prompt": "y", "answers": {"en": "no"}, "target": "zh"}
            """.utf8).write(to: url)
        #expect(throws: CorpusError.badTask(file: url.path, line: 3, reason: "task 'b': target 'zh' is not one of its answers (en)")) {
            try LensTasks.load(url)
        }
        try Data(#"{"id": "a", "prompt": "x", "answers": {"en": "yes", "zh": "是"}, "target": "zh", "kind": "t"}"#.utf8).write(to: url)
        #expect(try LensTasks.load(url) == [LensTask(id: "a", prompt: "x", answers: ["en": "yes", "zh": "是"], target: "zh")])
    }
}

@Suite("Token sets follow the generalised Wendler rule")
struct LensTokenSetTests {
    @Test("the wendler rule is the full rule without the first tokens of the tokenization")
    func wendlerSubset() throws {
        let checkpoint = try Checkpoint.open(TestPaths.fixture("tiny-mllama"))
        let vocabulary = try #require(try Tokenizers.load(for: checkpoint) as? any TokenVocabulary)
        for word in ["flower", "花", "Löschen", "Удалить"] {
            let full = LensTokenSets.of(word, vocabulary: vocabulary, rule: .full)
            let wendler = LensTokenSets.of(word, vocabulary: vocabulary, rule: .wendler)
            #expect(Set(wendler).isSubset(of: Set(full)))
            #expect(full == full.sorted() && Set(full).count == full.count)
            let first = try #require(vocabulary.encode(word, addBOS: false).first)
            let whitespace = vocabulary.unspelled(vocabulary.piece(first)).allSatisfy(\.isWhitespace)
            #expect(full.contains(first) || !vocabulary.isNormal(first) || whitespace)
        }
        // A non-ASCII word's first UTF-8 byte token is in both (byte fallback `<0xE8>` for 花).
        let byte = try #require(vocabulary.byteToken(0xE8))
        #expect(LensTokenSets.of("花", vocabulary: vocabulary, rule: .wendler).contains(byte))
        #expect(vocabulary.piece(byte) == "<0xE8>")
    }
}
