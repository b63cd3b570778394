import ArgumentParser
import Checkpoints
import Foundation
import Generation
import LinearAlgebra
import Models
import Tokenizers

/// `interlingua generate MODEL PROMPTS --output RESPONSES.jsonl`: batched KV-cached generation.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate answers to many prompts with a model (batched, KV-cached), one JSON line each.",
        discussion: """
        PROMPTS is JSONL with {"id", "lang", "prompt"} (raw text) or {"id", "lang", "messages": [{"role", \
        "content"}…]} (rendered with the model's chat template), optionally "reference"; or a corpus (TSV, JSONL \
        {"id","lang","text"}, Flores folder) whose sentences become instructions through --template. Output \
        lines: {"id", "lang", "prompt_ids", "output_ids", "text", "finish": "eos"|"length"|"stop"}. Greedy unless \
        --temperature > 0. Chat templates: \(ChatTemplate.names.joined(separator: ", ")).
        """
    )

    @Argument(help: "A .gguf or .safetensors file, a PyTorch .bin, or a Hugging Face model folder.")
    var model: String

    @Argument(help: "Prompts (JSONL) or a corpus.")
    var prompts: String

    @Option(name: .shortAndLong, help: "The responses file to write (.jsonl).")
    var output: String

    @Option(help: "How raw prompts and corpus sentences are wrapped: raw, alpaca, chat (default: raw for \"prompt\" lines, chat for corpus sentences).")
    var template: InstructionTemplate?

    @Option(help: "Chat template name, overriding the model's own.")
    var chatTemplate: String?

    @Option(help: "New tokens per prompt at most.")
    var maxNewTokens = 128

    @Option(help: "Sampling temperature (0 = greedy).")
    var temperature = 0.0

    @Option(help: "Keep only the k most likely tokens when sampling.")
    var topK: Int?

    @Option(help: "Nucleus sampling: keep the most likely tokens up to this probability mass.")
    var topP: Double?

    @Option(help: "Seed of the sampling random streams (one per prompt id).")
    var seed: UInt64 = 0

    @Option(help: "Stop when the text contains this string (repeatable); the text is cut before it.")
    var stop: [String] = []

    @Option(help: "Sequences decoded together.")
    var batch = 32

    @OptionGroup(title: "Corpus selection (prompt files: languages and limit only)")
    var selection: CorpusSelection

    @OptionGroup(title: "Compute")
    var threads: ThreadOptions

    @Option(help: "GiB of weights kept decoded in Float (the rest is decoded from the checkpoint every step).")
    var weightMemory = 4.0

    func validate() throws {
        if maxNewTokens < 1 { throw ValidationError("--max-new-tokens must be at least 1") }
        if !(temperature >= 0) || !temperature.isFinite { throw ValidationError("--temperature must be a number ≥ 0") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if !(weightMemory >= 0) || !weightMemory.isFinite { throw ValidationError("--weight-memory must be ≥ 0") }
        if let chatTemplate, ChatTemplate(rawValue: chatTemplate) == nil {
            throw ValidationError("unknown chat template '\(chatTemplate)' (choices: \(ChatTemplate.names.joined(separator: ", ")))")
        }
    }

    func run() throws {
        if let threads = threads.threads { BLASThreads.set(threads) }
        let outputURL = URL(fileURLWithPath: output)
        let records = try PromptFile.load(URL(fileURLWithPath: prompts), languages: selection.languages,
                                          split: selection.split.rawValue, limit: selection.limit)
        guard !records.isEmpty else { throw GenerationError.unreadable(file: prompts, reason: "no prompts") }

        let checkpoint = try Checkpoint.open(URL(fileURLWithPath: model))
        // The family resolves and validates the checkpoint (naming what is missing); generation then runs
        // over weights decoded once and kept in Float, within --weight-memory.
        let resolved = try ModelCheckpoint(checkpoint)
        let decoder = try DecodedWeights.model(resolved, budgetBytes: Int(weightMemory * 1_073_741_824)).model
        let tokenizer = try Tokenizers.load(for: checkpoint)
        let needsChat = records.contains { r in
            if case .messages = r.body { return true }
            if case .sentence = r.body { return (template ?? .chat) == .chat }
            return template == .chat
        }
        var chat: ChatFormat?
        if needsChat || chatTemplate != nil {
            let own = PromptFile.modelChatTemplate(checkpoint)
            let resolved = try ChatFormat.resolve(override: chatTemplate, modelTemplate: own?.template,
                                                  templateOrigin: own?.origin ?? "", architecture: decoder.config.architecture.rawValue,
                                                  source: model)
            if let note = resolved.note { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            chat = resolved.format
        }
        let encoder = PromptEncoder(tokenizer: tokenizer, template: template, chat: chat)
        let requests = try records.map { try encoder.request(for: $0) }
        let settings = GenerationSettings(
            maxNewTokens: maxNewTokens, eosIDs: encoder.endOfGeneration, stopStrings: stop,
            sampling: SamplingSettings(temperature: temperature, topK: topK, topP: topP, seed: seed),
            maxConcurrent: batch)
        let generator = try Generator(model: decoder, tokenizer: tokenizer, settings: settings)
        let total = requests.count
        let results = try generator.generate(requests) { done in
            FileHandle.standardError.write(Data("\rgenerate: \(done)/\(total) answers".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        var references: [String: String] = [:]
        for r in records { if let ref = r.reference { references[r.id] = ref } }
        try ResponsesFile.write(results, references: references, to: outputURL)
        let t = generator.timing
        let summary = String(format: "generate: %d prompts, prefill %d tokens in %.2f s (%.0f tokens/s), decode %d tokens in %.2f s (%.1f tokens/s, %d steps) → %@\n",
                             total, t.prefillTokens, t.prefillSeconds, Double(t.prefillTokens) / max(t.prefillSeconds, 1e-9),
                             t.decodeTokens, t.decodeSeconds, Double(t.decodeTokens) / max(t.decodeSeconds, 1e-9), t.decodeSteps, output)
        FileHandle.standardError.write(Data(summary.utf8))
    }
}

extension InstructionTemplate: ExpressibleByArgument {}
