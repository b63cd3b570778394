// Every way a forward pass can refuse its input, each naming the checkpoint or the batch and the problem.
import Foundation

/// Errors of the Models module.
public enum ModelError: Error, LocalizedError, Equatable {
    /// The checkpoint has no configuration Interlingua can run (unknown architecture).
    case unsupportedArchitecture(file: String, reason: String)
    /// The configuration is inconsistent or out of bounds.
    case badConfig(file: String, reason: String)
    /// A tensor's shape disagrees with the configuration.
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    /// A token id outside the embedding table.
    case tokenOutOfRange(file: String, token: Int32, vocabulary: Int)
    /// A batch or hidden-state matrix that does not fit the model.
    case invalidBatch(reason: String)
    /// A configuration key whose value changes the math in a way the family does not implement.
    case unsupportedFeature(file: String, key: String, value: String, family: String)
    /// A stored tensor the forward pass would not read and the family does not list as skippable.
    case unusedTensor(file: String, tensor: String, family: String)
    /// A layer index outside 0..<nLayers.
    case layerOutOfRange(layer: Int, layers: Int)

    public var errorDescription: String? {
        switch self {
        case let .unsupportedArchitecture(file, reason): return "\(file): cannot run this model: \(reason)"
        case let .badConfig(file, reason): return "\(file): bad model configuration: \(reason)"
        case let .shapeMismatch(file, tensor, expected, found):
            return "\(file): tensor \(tensor) has shape \(found), the configuration implies \(expected)"
        case let .tokenOutOfRange(file, token, vocabulary):
            return "\(file): token id \(token) is outside the embedding table (vocabulary \(vocabulary))"
        case let .unsupportedFeature(file, key, value, family):
            return "\(file): \(key) = \(value) is not supported by the \(family) forward pass"
        case let .unusedTensor(file, tensor, family):
            return "\(file): tensor \(tensor) is not used by the \(family) forward pass (refusing to ignore it)"
        case let .invalidBatch(reason): return "invalid batch: \(reason)"
        case let .layerOutOfRange(layer, layers): return "layer \(layer) is outside 0..<\(layers)"
        }
    }
}
