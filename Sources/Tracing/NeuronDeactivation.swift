// Language-specific neurons, the intervention (Tang et al. 2024, §4): switching a language's neurons off by
// setting their activation to 0 in every forward pass, at every position.
import Checkpoints
import Foundation
import Models

/// One FFN neuron: `index` of the MLP of block `layer` (both from 0).
public struct NeuronIndex: Hashable, Comparable, Codable, Sendable {
    public var layer: Int
    public var index: Int

    public init(layer: Int, index: Int) {
        self.layer = layer
        self.index = index
    }

    public static func < (a: NeuronIndex, b: NeuronIndex) -> Bool { (a.layer, a.index) < (b.layer, b.index) }
}

/// The neurons of some languages of a `neurons.json` (written by `interlingua neurons`), to be switched off.
///
/// The file's `selected` maps each language to its `[layer, neuron]` pairs; `n_layers` and `d_ffn` name the
/// model it was computed for. Several languages switch off the union of their neurons.
public struct NeuronDeactivation: Sendable, Equatable, Codable {
    /// The file, as given.
    public var source: String
    public var languages: [String]
    public var nLayers: Int
    public var dFFN: Int
    /// Sorted, without duplicates.
    public var neurons: [NeuronIndex]

    /// Neurons given directly (sorted and deduplicated here); `load` reads them from a neurons.json.
    public init(source: String, languages: [String], nLayers: Int, dFFN: Int, neurons: [NeuronIndex]) {
        self.source = source
        self.languages = languages
        self.nLayers = nLayers
        self.dFFN = dFFN
        self.neurons = Array(Set(neurons)).sorted()
    }

    /// Splits `FILE:lang[,lang…]` (the `--deactivate` argument) at its last colon.
    public static func parseArgument(_ argument: String) throws -> (file: String, languages: [String]) {
        guard let colon = argument.lastIndex(of: ":") else {
            throw TracingError.badOption("--deactivate \(argument): expected FILE:LANG[,LANG…], e.g. neurons/neurons.json:zh")
        }
        let file = String(argument[..<colon])
        let languages = argument[argument.index(after: colon)...].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !file.isEmpty, !languages.isEmpty else {
            throw TracingError.badOption("--deactivate \(argument): expected FILE:LANG[,LANG…], e.g. neurons/neurons.json:zh")
        }
        guard Set(languages).count == languages.count else {
            throw TracingError.badOption("--deactivate \(argument): a language is listed twice")
        }
        return (file, languages)
    }

    /// The union of `languages`' neurons in `file`.
    public static func load(file: String, languages: [String]) throws -> NeuronDeactivation {
        func fail(_ reason: String) -> TracingError { .badDeactivation(file: file, reason: reason) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw fail("cannot read it (\(error.localizedDescription))")
        }
        guard data.count < 1 << 28 else { throw fail("larger than 256 MiB") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail("not JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any], let selected = root["selected"] as? [String: Any] else {
            throw fail("no \"selected\" object (is it the neurons.json of 'interlingua neurons'?)")
        }
        guard let nLayers = root["n_layers"] as? Int, let dFFN = root["d_ffn"] as? Int, nLayers > 0, dFFN > 0 else {
            throw fail("\"n_layers\" and \"d_ffn\" must be positive integers")
        }
        var neurons = Set<NeuronIndex>()
        for language in languages {
            guard let list = selected[language] else {
                throw fail("no language '\(language)' in \"selected\" (has \(selected.keys.sorted().joined(separator: ", ")))")
            }
            guard let pairs = list as? [[Any]] else { throw fail("selected.\(language) is not a list of [layer, neuron] pairs") }
            for pair in pairs {
                guard pair.count == 2, let layer = pair[0] as? Int, let index = pair[1] as? Int,
                      layer >= 0, layer < nLayers, index >= 0, index < dFFN else {
                    throw fail("selected.\(language) holds \(pair), not a [layer, neuron] pair inside \(nLayers) × \(dFFN)")
                }
                neurons.insert(NeuronIndex(layer: layer, index: index))
            }
        }
        return NeuronDeactivation(source: file, languages: languages, nLayers: nLayers, dFFN: dFFN,
                                  neurons: neurons.sorted())
    }

    /// Loads a `--deactivate FILE:LANG[,LANG…]` argument.
    public static func load(argument: String) throws -> NeuronDeactivation {
        let (file, languages) = try parseArgument(argument)
        return try load(file: file, languages: languages)
    }

    /// Refuses neurons computed for a model of another shape.
    public func check(against config: ModelConfig) throws {
        guard nLayers == config.nLayers, dFFN == config.dFFN else {
            throw TracingError.badDeactivation(file: source,
                reason: "its neurons are for \(nLayers) layers × \(dFFN) FFN neurons, the model has \(config.nLayers) × \(config.dFFN)")
        }
    }

    /// "zh,ru (72 neurons of neurons.json)".
    public var summary: String {
        "\(languages.joined(separator: ",")) (\(neurons.count) neurons of \(source))"
    }

    /// The hook that applies it.
    public func hook() -> NeuronDeactivationHook { NeuronDeactivationHook(self) }
}

/// Sets a_j = act(gate·x)_j to 0 for the deactivated neurons of each layer, at every position: the MLP
/// output then lacks their down-projection columns exactly (Tang et al.'s intervention). Reusable by any
/// forward pass (trace, perplexity, lens, generate): assign it to `DecoderModel.mlpActivationHook`.
public final class NeuronDeactivationHook: MLPActivationHook {
    /// Per layer, the neuron indices to zero.
    public let perLayer: [[Int]]

    public init(_ deactivation: NeuronDeactivation) {
        var perLayer = [[Int]](repeating: [], count: deactivation.nLayers)
        for n in deactivation.neurons where n.layer < perLayer.count { perLayer[n.layer].append(n.index) }
        self.perLayer = perLayer
    }

    public func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, tokens: Int,
                              width: Int, batch: PackedBatch) {
        guard layer >= 0, layer < perLayer.count else { return }
        let indices = perLayer[layer]
        guard !indices.isEmpty else { return }
        for r in 0..<tokens {
            let row = values + r * rowStride
            for j in indices where j < width { row[j] = 0 }
        }
    }

    /// Zeroing a row's neurons depends on that row only.
    public var handlesRowChunks: Bool { true }

    public func mlpActivation(layer: Int, values: UnsafeMutablePointer<Float>, rowStride: Int, rows: Range<Int>,
                              width: Int, batch: PackedBatch, worker: Int) {
        guard layer >= 0, layer < perLayer.count else { return }
        let indices = perLayer[layer]
        guard !indices.isEmpty else { return }
        for r in rows {
            let row = values + r * rowStride
            for j in indices where j < width { row[j] = 0 }
        }
    }
}
