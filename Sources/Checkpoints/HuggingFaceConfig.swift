// A Hugging Face config.json as read, with typed access whose errors name the file and the key.
//
// Family-agnostic: which keys exist and what they mean is each family file's knowledge (Models).
import Foundation

/// The JSON object of a config.json (or a nested object of it, e.g. `text_config`) and the file it came
/// from. Accessors treat an absent key and JSON `null` alike ("not set").
public struct HuggingFaceConfig: @unchecked Sendable {
    /// The config.json path, for error messages.
    public let path: String
    public let json: [String: Any]
    /// The key path of this object inside the file (`text_config` …), empty at the top.
    public let keyPrefix: String

    public init(json: [String: Any], path: String, keyPrefix: String = "") {
        self.json = json
        self.path = path
        self.keyPrefix = keyPrefix
    }

    /// `model_type`, "" when absent.
    public var modelType: String { json["model_type"] as? String ?? "" }
    /// `architectures`, empty when absent.
    public var architectures: [String] { json["architectures"] as? [String] ?? [] }

    /// The nested object `key` (e.g. `text_config`) as a config of its own.
    public func nested(_ key: String) -> HuggingFaceConfig? {
        guard let object = json[key] as? [String: Any] else { return nil }
        return HuggingFaceConfig(json: object, path: path, keyPrefix: keyPrefix + key + ".")
    }

    /// Whether `key` is present and not null.
    public func isSet(_ key: String) -> Bool {
        guard let v = json[key] else { return false }
        return !(v is NSNull)
    }

    /// The raw value of `key` (nil when absent or null).
    public func value(_ key: String) -> Any? { isSet(key) ? json[key] : nil }

    /// The value as it appears in JSON (`5`, `true`, `"yarn"`, `null`), for messages that name a value.
    public func describe(_ key: String) -> String {
        guard let v = json[key] else { return "absent" }
        if v is NSNull { return "null" }
        if let s = v as? String { return "\"\(s)\"" }
        if let b = HuggingFaceJSON.bool(v) { return b ? "true" : "false" }
        if let data = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(v)"
    }

    public func error(_ reason: String) -> CheckpointError { .badConfig(file: path, reason: reason) }

    public func check(_ condition: Bool, _ reason: @autoclosure () -> String) throws {
        if !condition { throw error(reason()) }
    }

    /// A positive integer; `fallback` when not set (missing without a fallback is an error).
    public func positive(_ key: String, default fallback: Int? = nil) throws -> Int {
        guard isSet(key) else {
            if let fallback { return fallback }
            throw error("\(keyPrefix)\(key) is missing")
        }
        guard let v = HuggingFaceJSON.int(json[key]), v > 0, v < 1 << 40 else {
            throw error("\(keyPrefix)\(key) is not a positive integer")
        }
        return v
    }

    /// A positive integer, or nil when not set.
    public func optionalPositive(_ key: String) throws -> Int? {
        isSet(key) ? try positive(key) : nil
    }

    /// A positive finite number from `dict` (when it has the key) or this object; `fallback` when not set.
    public func positiveDouble(_ key: String, in dict: [String: Any]? = nil, default fallback: Double) throws -> Double {
        let raw = dict?[key] ?? json[key]
        if raw == nil || raw is NSNull { return fallback }
        guard let v = HuggingFaceJSON.double(raw), v > 0, v.isFinite else {
            throw error("\(keyPrefix)\(key) is not a positive number")
        }
        return v
    }

    /// A positive finite number, or nil when not set.
    public func optionalPositiveDouble(_ key: String) throws -> Double? {
        isSet(key) ? try positiveDouble(key, default: 0) : nil
    }

    /// A number of any sign, or nil when not set.
    public func optionalDouble(_ key: String) throws -> Double? {
        guard isSet(key) else { return nil }
        guard let v = HuggingFaceJSON.double(json[key]), v.isFinite else { throw error("\(keyPrefix)\(key) is not a number") }
        return v
    }

    /// A Bool; `fallback` when not set.
    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard isSet(key) else { return fallback }
        guard let b = HuggingFaceJSON.bool(json[key]) else { throw error("\(keyPrefix)\(key) is not true or false") }
        return b
    }

    /// A string, or nil when not set.
    public func string(_ key: String) throws -> String? {
        guard isSet(key) else { return nil }
        guard let s = json[key] as? String else { throw error("\(keyPrefix)\(key) is not a string") }
        return s
    }

    /// An object, or nil when not set or not an object.
    public func object(_ key: String) -> [String: Any]? { json[key] as? [String: Any] }

    /// `head_dim` when set, else `fallback`, else hidden_size / num_attention_heads (which must divide).
    public func headDim(d: Int, heads: Int, default fallback: Int?) throws -> Int {
        if isSet("head_dim") { return try positive("head_dim") }
        if let fallback { return fallback }
        try check(d % heads == 0, "hidden_size \(d) is not divisible by num_attention_heads \(heads)")
        return d / heads
    }

    /// A JSON integer (shared parsing rules with the index files).
    public static func int(_ value: Any?) -> Int? { HuggingFaceJSON.int(value) }
    /// A JSON number.
    public static func double(_ value: Any?) -> Double? { HuggingFaceJSON.double(value) }
    /// A JSON bool.
    public static func bool(_ value: Any?) -> Bool? { HuggingFaceJSON.bool(value) }
}
