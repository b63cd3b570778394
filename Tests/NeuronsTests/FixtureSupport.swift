// Reading the LAPE fixtures: counts.safetensors (I32 tensors) with their language order, expected.json.
import Foundation
import Neurons
import Testing
import TestSupport

/// The I32 tensors of a safetensors file (8-byte header length, JSON header, data).
func int32Tensors(_ url: URL) throws -> [String: [Int32]] {
    let data = try Data(contentsOf: url)
    let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
    var out: [String: [Int32]] = [:]
    for (name, entry) in header {
        guard let e = entry as? [String: Any], e["dtype"] as? String == "I32", let offsets = e["data_offsets"] as? [Int] else { continue }
        let bytes = data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
        out[name] = bytes.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
    }
    return out
}

func jsonObject(_ url: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// Counts of a fixture (`counts.safetensors` + the language order of its json) as LAPE's input.
func fixtureCounts(_ tensors: URL, languagesFrom meta: URL, nLayers: Int, dFFN: Int) throws -> NeuronCounts {
    let t = try int32Tensors(tensors)
    let languages = try #require(try jsonObject(meta)["languages"] as? [String])
    let tokens = try #require(t["n_tokens"]).map(Int64.init)
    return try NeuronCounts(source: tensors.path, languages: languages, nLayers: nLayers, dFFN: dFFN,
                            counts: try languages.map { try #require(t["counts.\($0)"]).map(Int64.init) }, tokens: tokens)
}

let fixtureModels = ["smollm2-135m-instruct-q4_1", "gemma-3-270m-q4_k_m"]
