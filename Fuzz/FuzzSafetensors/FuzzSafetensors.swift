// libFuzzer target: `.safetensors` files (JSON header, dtypes, shapes, data offsets) through `Checkpoint`.
import Checkpoints
import FuzzSupport
import Foundation

@_cdecl("FuzzSafetensors_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc: argc, argv: argv, fileName: "model.safetensors") { url in
        do {
            try decodeEveryTensor(try Checkpoint.open(url))
        } catch is CheckpointError {
        } catch {
            fatalError("not a CheckpointError: \(error)")
        }
    }
}
