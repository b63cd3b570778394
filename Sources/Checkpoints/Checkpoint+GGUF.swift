// GGUF files as checkpoints (filled in by the GGUF work).
import Foundation

extension Checkpoint {
    /// Opens a GGUF file: metadata, typed configuration (when the architecture is known), canonical names.
    static func openGGUF(_ url: URL) throws -> Checkpoint {
        throw CheckpointError.unsupported(file: url.path, reason: "GGUF reading is not built yet")
    }
}
