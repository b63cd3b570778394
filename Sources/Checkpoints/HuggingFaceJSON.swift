// Reading the JSON files of a Hugging Face folder (config.json, *.index.json) with typed errors.
import Foundation

enum HuggingFaceJSON {
    /// JSON files larger than this are refused (real index files are well under 1 MB).
    static let maxBytes = 64 << 20

    /// The top-level object of the JSON file at `url`.
    static func object(at url: URL) throws -> [String: Any] {
        let path = url.path
        let size: Int
        do {
            size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw CheckpointError.unreadable(file: path, reason: "no such file")
        }
        guard size <= maxBytes else {
            throw CheckpointError.malformed(file: path, reason: "\(size) bytes is too large for a JSON file")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError.unreadable(file: path, reason: error.localizedDescription)
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw CheckpointError.malformed(file: path, reason: "not valid JSON")
        }
        guard let dict = object as? [String: Any] else {
            throw CheckpointError.malformed(file: path, reason: "top level is not a JSON object")
        }
        return dict
    }

    /// An integer JSON value (a whole number, not a Bool).
    static func int(_ value: Any?) -> Int? {
        guard let n = value as? NSNumber, !isBool(n) else { return nil }
        let d = n.doubleValue
        guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return n.intValue
    }

    /// A numeric JSON value.
    static func double(_ value: Any?) -> Double? {
        guard let n = value as? NSNumber, !isBool(n) else { return nil }
        return n.doubleValue
    }

    static func bool(_ value: Any?) -> Bool? {
        guard let n = value as? NSNumber, isBool(n) else { return nil }
        return n.boolValue
    }

    /// An array of integers.
    static func ints(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        out.reserveCapacity(array.count)
        for v in array {
            guard let i = int(v) else { return nil }
            out.append(i)
        }
        return out
    }

    private static func isBool(_ n: NSNumber) -> Bool {
        // Foundation's JSON parser yields booleans as NSNumbers of objCType "c" (char), numbers as i/q/d.
        String(cString: n.objCType) == "c"
    }
}
