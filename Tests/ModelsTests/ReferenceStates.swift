// Reads the reference fixtures' `states.safetensors` (safetensors format: u64 LE header length, JSON
// header {name: {dtype, shape, data_offsets}}, then the data) — only F32 and I32, all these files hold.
import Foundation

struct ReferenceStates {
    struct Tensor { var shape: [Int]; var values: [Float] }
    let tensors: [String: Tensor]
    let ids: [String: [Int32]]

    init(_ url: URL) throws {
        let data = try Data(contentsOf: url)
        guard data.count >= 8 else { throw ReferenceError.malformed(url.path) }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        guard headerLength > 0, 8 + headerLength <= data.count,
              let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
        else { throw ReferenceError.malformed(url.path) }
        let body = data.subdata(in: (8 + headerLength)..<data.count)
        var tensors: [String: Tensor] = [:], ids: [String: [Int32]] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
                  offsets.count == 2, offsets[0] <= offsets[1], offsets[1] <= body.count
            else { throw ReferenceError.malformed(url.path) }
            let bytes = body.subdata(in: offsets[0]..<offsets[1])
            let words = bytes.withUnsafeBytes { raw in
                (0..<(bytes.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self) }
            }
            switch dtype {
            case "F32": tensors[name] = Tensor(shape: shape, values: words.map { Float(bitPattern: $0) })
            case "I32": ids[name] = words.map { Int32(bitPattern: $0) }
            default: throw ReferenceError.malformed(url.path)
            }
        }
        self.tensors = tensors
        self.ids = ids
    }

    /// Sentence indices present (`sK.ids`), ascending.
    var sentences: [Int] {
        ids.keys.compactMap { Int($0.dropFirst().prefix { $0 != "." }) }.sorted()
    }
}

enum ReferenceError: Error { case malformed(String), missing(String) }

/// ‖a − b‖₂ / ‖b‖₂ for each row of two [rows, cols] arrays; the largest.
func worstRowRelativeError(_ ours: [Float], _ reference: [Float], cols: Int) -> Double {
    guard ours.count == reference.count, cols > 0 else { return .infinity }
    var worst = 0.0
    for r in 0..<(reference.count / cols) {
        var diff = 0.0, norm = 0.0
        for j in (r * cols)..<((r + 1) * cols) {
            let e = Double(ours[j]) - Double(reference[j])
            diff += e * e
            norm += Double(reference[j]) * Double(reference[j])
        }
        worst = max(worst, (diff / max(norm, 1e-30)).squareRoot())
    }
    return worst
}
