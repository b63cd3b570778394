import Foundation
import Testing
import TestSupport

@Suite("inspect describes a checkpoint, its prompt conventions and its tensors")
struct InspectTests {
    @Test("the summary names the model, its BOS policy and that it has no chat template (#16.9)")
    func summary() throws {
        let result = try CLI.run(["inspect", CLI.model])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("layers          4"))
        #expect(result.stdout.contains("name            tiny-mllama"))
        #expect(result.stdout.contains("BOS             prepended ('<s>' id 1), by the model's metadata"))
        #expect(result.stdout.contains("chat template   none"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["inspect", CLI.model, "--json"]).stdout.utf8))
            as? [String: Any])
        #expect(json["name"] as? String == "tiny-mllama" && json["adds_bos"] as? Bool == true)
        #expect(json["bos_id"] as? Int == 1 && json["chat_template"] as? Bool == false)
    }

    @Test("Gemma 3's GGUF names itself (general.name) and has no chat template; SmolLM2-Instruct's has one",
          .enabled(if: FileManager.default.fileExists(atPath: TestPaths.gemma3.path)
                   && FileManager.default.fileExists(atPath: TestPaths.smolLM2.path)))
    func realModels() throws {
        let gemma = try CLI.run(["inspect", TestPaths.gemma3.path])
        #expect(gemma.stdout.contains("name            Gemma 3 270m"))
        #expect(gemma.stdout.contains("BOS             prepended ('<bos>' id 2), by the model's metadata"))
        #expect(gemma.stdout.contains("chat template   none"))
        let smol = try CLI.run(["inspect", TestPaths.smolLM2.path])
        #expect(smol.stdout.contains("chat template   present ("), "\(smol.stdout)")
        #expect(smol.stdout.contains("BOS             not prepended by the model's metadata"), "\(smol.stdout)")
    }

    @Test("--tensor prints statistics and --dump writes a float32 .npy of the tensor's size")
    func tensor() throws {
        let dir = try TestPaths.temporaryDirectory("cli-inspect")
        let result = try CLI.run(["inspect", CLI.model, "--tensor", "model.norm.weight", "--dump", "norm.npy"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("shape   [64]"))
        let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("norm.npy").path)[.size] as? Int
        #expect(size == 128 + 64 * 4)
    }

    @Test("a name without .weight gets the suggestion; --dump onto an existing file says so before any work (#16.5)")
    func errors() throws {
        let missing = try CLI.run(["inspect", CLI.model, "--tensor", "model.layers.0.mlp.up_proj"])
        expectRuntimeError(missing, "no tensor 'model.layers.0.mlp.up_proj'", "did you mean 'model.layers.0.mlp.up_proj.weight'")
        let dir = try TestPaths.temporaryDirectory("cli-inspect-dump")
        try Data("keep".utf8).write(to: dir.appendingPathComponent("x.npy"))
        let exists = try CLI.run(["inspect", "no-such-model", "--tensor", "model.norm.weight", "--dump", "x.npy"], in: dir)
        expectRuntimeError(exists, "x.npy: already exists (pass --force to replace it)")
        #expect(try String(contentsOf: dir.appendingPathComponent("x.npy"), encoding: .utf8) == "keep")
    }
}
