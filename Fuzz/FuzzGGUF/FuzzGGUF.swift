// libFuzzer target: GGUF files (header, metadata, tensor infos, quantized blocks) through `GGUFFile` and
// `Checkpoint`, the paths `interlingua inspect` and `trace` take.
import Checkpoints
import FuzzSupport
import Foundation

@_cdecl("FuzzGGUF_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc: argc, argv: argv, fileName: "model.gguf") { url in
        do {
            let file = try GGUFFile(url: url)
            for name in file.tensorNames {
                guard let info = file.tensors[name], info.elementCount <= 1 << 16 else { continue }
                var out = [Float](repeating: 0, count: info.elementCount)
                try out.withUnsafeMutableBufferPointer { try file.decode(name, rows: nil, into: $0) }
            }
            try decodeEveryTensor(try Checkpoint.open(url))
        } catch is CheckpointError {
        } catch {
            fatalError("not a CheckpointError: \(error)")
        }
    }
}
