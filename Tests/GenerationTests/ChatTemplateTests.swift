import Checkpoints
import Foundation
import Generation
import TestSupport
import Testing
import Tokenizers

@Suite("Chat templates are detected from the model's Jinja string and render as transformers does")
struct ChatTemplateTests {
    @Test("SmolLM2's GGUF template is ChatML with its default system message; every fixture prompt renders identically",
          .enabled(if: modelIsCached(TestPaths.smolLM2)))
    func smolLM2RendersLikeTransformers() throws {
        let checkpoint = try Checkpoint.open(TestPaths.smolLM2)
        let own = try #require(PromptFile.modelChatTemplate(checkpoint))
        let (format, note) = try ChatFormat.resolve(override: nil, modelTemplate: own.template, templateOrigin: own.origin,
                                                    architecture: "llama", source: "smollm2")
        #expect(note == nil)
        #expect(format.template == .chatml)
        #expect(format.defaultSystem == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let chats = try FixtureGeneration.load("smollm2-135m-instruct-q4_1").filter { $0.kind == "chat" }
        #expect(chats.count == 6)
        let tokenizer = try Tokenizers.load(for: checkpoint)
        let encoder = PromptEncoder(tokenizer: tokenizer, template: nil, chat: format)
        for f in chats {
            let rendered = try format.render(try #require(f.messages))
            #expect(rendered == f.rendered)
            #expect(encoder.encodeChat(rendered) == f.prompt_ids)
        }
        #expect(encoder.endOfGeneration == [2])
    }

    @Test("Gemma 3's GGUF has no template: the official one is used with a note, and renders every fixture prompt identically",
          .enabled(if: modelIsCached(TestPaths.gemma3)))
    func gemmaUsesTheOfficialTemplate() throws {
        let checkpoint = try Checkpoint.open(TestPaths.gemma3)
        #expect(PromptFile.modelChatTemplate(checkpoint) == nil)
        let (format, note) = try ChatFormat.resolve(override: nil, modelTemplate: nil, templateOrigin: "",
                                                    architecture: "gemma3", source: "gemma.gguf")
        #expect(format.template == .gemma)
        #expect(note?.contains("ships no chat template") == true)
        let tokenizer = try Tokenizers.load(for: checkpoint)
        let encoder = PromptEncoder(tokenizer: tokenizer, template: nil, chat: format)
        for f in try FixtureGeneration.load("gemma-3-270m-q4_k_m") where f.kind == "chat" {
            let rendered = try format.render(try #require(f.messages))
            #expect(rendered == f.rendered)
            #expect(encoder.encodeChat(rendered) == f.prompt_ids)
        }
        #expect(encoder.endOfGeneration == [1, 106])
    }

    @Test("Each family's template string is recognised by its markers")
    func detection() {
        let cases: [(String, ChatTemplate)] = [
            ("{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n'}}", .chatml),
            ("{{ bos_token }}{% if m['role'] == 'user' %}{{ '<start_of_turn>user\\n' }}", .gemma),
            ("{{ bos_token + '[INST] ' + '<<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' }}", .llama2),
            ("{{ bos_token }}{% for m in messages %}{{ '[INST] ' + m['content'] + ' [/INST]' }}", .mistralV1),
            ("{{ '[SYSTEM_PROMPT]' + system + '[/SYSTEM_PROMPT]' }}{{ '[INST]' }}", .mistralV7),
            ("{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' }}", .llama3),
            ("{{ '<|user|>\\n' + m['content'] + '<|end|>\\n<|assistant|>\\n' }}", .phi3),
            ("{{ '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>' }}", .commandR),
            ("{{ '### Instruction:\\n' + m['content'] + '\\n\\n### Response:' }}", .alpaca),
        ]
        for (jinja, expected) in cases { #expect(ChatTemplate.detect(jinja: jinja) == expected) }
        #expect(ChatTemplate.detect(jinja: "{{ messages[0]['content'] }}") == nil)
    }

    @Test("Hand-rendered conversations of the other formats")
    func otherFormats() throws {
        let messages = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: " Hi ")]
        #expect(try ChatFormat(template: .llama3, origin: "t").render(messages) ==
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        #expect(try ChatFormat(template: .llama2, origin: "t").render(messages) ==
            "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]")
        #expect(try ChatFormat(template: .phi3, origin: "t").render(messages) ==
            "<|system|>\nBe brief.<|end|>\n<|user|>\n Hi <|end|>\n<|assistant|>\n")
        #expect(try ChatFormat(template: .alpaca, origin: "t").render([ChatMessage(role: "user", content: "Hi")]) ==
            "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nHi\n\n### Response:")
        #expect(try ChatFormat(template: .commandR, origin: "t").render([ChatMessage(role: "user", content: "Hi")]) ==
            "<BOS_TOKEN><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Hi<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>")
    }

    @Test("An unknown name, an unrecognised template and a family without one are errors that name the choices")
    func errors() {
        #expect(throws: GenerationError.unknownChatTemplate(name: "vicuna", choices: ChatTemplate.names)) {
            try ChatFormat.resolve(override: "vicuna", modelTemplate: nil, templateOrigin: "", architecture: "llama", source: "m")
        }
        #expect(throws: GenerationError.unrecognizedChatTemplate(source: "m", choices: ChatTemplate.names)) {
            try ChatFormat.resolve(override: nil, modelTemplate: "{{ x }}", templateOrigin: "o", architecture: "llama", source: "m")
        }
        #expect(throws: GenerationError.noChatTemplate(source: "m", architecture: "llama", choices: ChatTemplate.names)) {
            try ChatFormat.resolve(override: nil, modelTemplate: nil, templateOrigin: "", architecture: "llama", source: "m")
        }
        #expect(throws: GenerationError.self) { try ChatFormat(template: .chatml, origin: "t").render([ChatMessage(role: "tool", content: "x")]) }
        #expect(GenerationError.unknownChatTemplate(name: "x", choices: ["chatml", "gemma"]).errorDescription?.contains("chatml, gemma") == true)
    }
}
