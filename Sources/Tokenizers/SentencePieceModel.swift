// SentencePiece's `tokenizer.model`: the `ModelProto` message, parsed by hand.
import Foundation

/// The parts of SentencePiece's `ModelProto` (sentencepiece_model.proto) that encoding needs:
/// `pieces = 1` (piece = 1, score = 2, type = 3), `trainer_spec = 2` (model_type = 3, split_digits = 25,
/// treat_whitespace_as_suffix = 24, byte_fallback = 35, unk_id = 40, bos_id = 41, eos_id = 42,
/// pad_id = 43) and `normalizer_spec = 3` (name = 1, precompiled_charsmap = 2, add_dummy_prefix = 3,
/// remove_extra_whitespaces = 4, escape_whitespaces = 5). Defaults are the proto's own.
public struct SentencePieceModel: Sendable {
    /// `ModelProto.SentencePiece.Type`.
    public enum PieceType: Int, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// `TrainerSpec.ModelType`.
    public enum ModelType: Int, Sendable {
        case unigram = 1, bpe = 2, word = 3, character = 4
    }

    public var pieces: [String] = []
    public var scores: [Float] = []
    public var types: [PieceType] = []
    public var modelType: ModelType = .unigram
    public var byteFallback = false
    public var splitDigits = false
    public var treatWhitespaceAsSuffix = false
    public var unkID: Int = 0
    public var bosID: Int = 1
    public var eosID: Int = 2
    public var padID: Int = -1
    public var normalizerName = "nmt_nfkc"
    public var precompiledCharsmapSize = 0
    public var addDummyPrefix = true
    public var removeExtraWhitespaces = true
    public var escapeWhitespaces = true

    /// Parses a `tokenizer.model` file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadable(source: url.path, reason: error.localizedDescription)
        }
        try self.init(bytes: [UInt8](data), source: url.path)
    }

    /// Parses the serialized `ModelProto` in `bytes`; `source` names it in errors.
    public init(bytes: [UInt8], source: String) throws {
        var reader = ProtobufReader(bytes[...], source: source)
        var sawTrainer = false
        while let (field, value) = try reader.next() {
            switch field {
            case 1: try parsePiece(try value.bytes(source, "pieces"), source: source)
            case 2: sawTrainer = true; try parseTrainer(try value.bytes(source, "trainer_spec"), source: source)
            case 3: try parseNormalizer(try value.bytes(source, "normalizer_spec"), source: source)
            default: break
            }
        }
        guard !pieces.isEmpty else { throw TokenizerError.missingField(source: source, field: "pieces") }
        guard sawTrainer else { throw TokenizerError.missingField(source: source, field: "trainer_spec") }
    }

    private mutating func parsePiece(_ bytes: ArraySlice<UInt8>, source: String) throws {
        var reader = ProtobufReader(bytes, source: source)
        var piece: String?
        var score: Float = 0
        var type = PieceType.normal
        while let (field, value) = try reader.next() {
            switch field {
            case 1: piece = try value.string(source, "pieces.piece")
            case 2: score = try value.float(source, "pieces.score")
            case 3:
                let raw = try value.int(source, "pieces.type")
                guard let t = PieceType(rawValue: Int(raw)) else {
                    throw TokenizerError.malformed(source: source, reason: "piece \(pieces.count) has unknown type \(raw)")
                }
                type = t
            default: break
            }
        }
        guard let piece else {
            throw TokenizerError.missingField(source: source, field: "pieces[\(pieces.count)].piece")
        }
        pieces.append(piece)
        scores.append(score)
        types.append(type)
    }

    private mutating func parseTrainer(_ bytes: ArraySlice<UInt8>, source: String) throws {
        var reader = ProtobufReader(bytes, source: source)
        while let (field, value) = try reader.next() {
            switch field {
            case 3:
                let raw = try value.int(source, "trainer_spec.model_type")
                guard let t = ModelType(rawValue: Int(raw)) else {
                    throw TokenizerError.malformed(source: source, reason: "unknown model_type \(raw)")
                }
                modelType = t
            case 24: treatWhitespaceAsSuffix = try value.bool(source, "trainer_spec.treat_whitespace_as_suffix")
            case 25: splitDigits = try value.bool(source, "trainer_spec.split_digits")
            case 35: byteFallback = try value.bool(source, "trainer_spec.byte_fallback")
            case 40: unkID = Int(Int32(truncatingIfNeeded: try value.int(source, "trainer_spec.unk_id")))
            case 41: bosID = Int(Int32(truncatingIfNeeded: try value.int(source, "trainer_spec.bos_id")))
            case 42: eosID = Int(Int32(truncatingIfNeeded: try value.int(source, "trainer_spec.eos_id")))
            case 43: padID = Int(Int32(truncatingIfNeeded: try value.int(source, "trainer_spec.pad_id")))
            default: break
            }
        }
    }

    private mutating func parseNormalizer(_ bytes: ArraySlice<UInt8>, source: String) throws {
        var reader = ProtobufReader(bytes, source: source)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: normalizerName = try value.string(source, "normalizer_spec.name")
            case 2: precompiledCharsmapSize = try value.bytes(source, "normalizer_spec.precompiled_charsmap").count
            case 3: addDummyPrefix = try value.bool(source, "normalizer_spec.add_dummy_prefix")
            case 4: removeExtraWhitespaces = try value.bool(source, "normalizer_spec.remove_extra_whitespaces")
            case 5: escapeWhitespaces = try value.bool(source, "normalizer_spec.escape_whitespaces")
            default: break
            }
        }
    }
}
