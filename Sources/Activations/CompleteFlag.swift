// The `complete` attribute both file kinds (activations, lens) end with: what values it may hold.
import HDF5

/// How a file's `complete` attribute reads: the scalar integer 0 or 1 (a one-element array is taken as its
/// element, as h5py writes `[1]`). Any other value — `[1, 1]`, 2, a string — is refused naming the value,
/// instead of being read as 0 ("the trace did not finish") or as missing. Nil when the attribute is absent.
func completeFlag(_ value: H5AttributeValue?, file: String) throws -> Bool? {
    guard let value else { return nil }
    switch value {
    case let .int(v) where v == 0 || v == 1: return v == 1
    case let .ints(v) where v.count == 1 && (v[0] == 0 || v[0] == 1): return v[0] == 1
    case let .double(v) where v == 0 || v == 1: return v == 1
    default:
        throw ActivationsError.notActivations(file: file, reason: "attribute 'complete' is \(describe(value)); expected the scalar 0 (unfinished) or 1 (complete)")
    }
}

/// An attribute value as a reader would write it: `1`, `[1, 1]`, `"yes"`.
func describe(_ value: H5AttributeValue) -> String {
    switch value {
    case let .int(v): return "\(v)"
    case let .double(v): return "\(v)"
    case let .string(s): return "\"\(s)\""
    case let .ints(v): return "[\(v.map(String.init).joined(separator: ", "))]"
    case let .doubles(v): return "[\(v.map { "\($0)" }.joined(separator: ", "))]"
    case let .strings(v): return "[\(v.map { "\"\($0)\"" }.joined(separator: ", "))]"
    }
}
