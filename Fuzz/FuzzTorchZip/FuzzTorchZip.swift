// libFuzzer target: PyTorch `.bin` files written by `torch.save` — the ZIP container (EOCD, ZIP64,
// central directory, local headers) and the pickle interpreter — through `Checkpoint`.
import Checkpoints
import FuzzSupport
import Foundation

@_cdecl("FuzzTorchZip_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc: argc, argv: argv, fileName: "pytorch_model.bin") { url in
        do {
            try decodeEveryTensor(try Checkpoint.open(url))
        } catch is CheckpointError {
        } catch {
            fatalError("not a CheckpointError: \(error)")
        }
    }
}
