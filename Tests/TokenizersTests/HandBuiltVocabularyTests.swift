// Hand-built vocabularies whose encodings can be worked out by hand from the reference algorithms.
import Checkpoints
import Foundation
import Testing
import TestSupport
import Tokenizers

/// Protobuf encoding helpers for hand-built `ModelProto`s.
enum Proto {
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }
    static func field(_ n: Int, varint v: UInt64) -> [UInt8] { varint(UInt64(n << 3)) + varint(v) }
    static func field(_ n: Int, bytes b: [UInt8]) -> [UInt8] { varint(UInt64(n << 3 | 2)) + varint(UInt64(b.count)) + b }
    static func field(_ n: Int, float f: Float) -> [UInt8] {
        varint(UInt64(n << 3 | 5)) + withUnsafeBytes(of: f.bitPattern.littleEndian, Array.init)
    }
    static func piece(_ text: String, _ score: Float, type: Int = 1) -> [UInt8] {
        field(1, bytes: field(1, bytes: Array(text.utf8)) + field(2, float: score) + field(3, varint: UInt64(type)))
    }
    /// unk, <s>, </s>, "▁", "a", "b", "▁a", "ab" with BPE trainer spec and identity normalizer.
    static func model(modelType: UInt64 = 2, charsmap: [UInt8] = []) -> [UInt8] {
        piece("<unk>", 0, type: 2) + piece("<s>", 0, type: 3) + piece("</s>", 0, type: 3)
            + piece("▁", -1) + piece("a", -2) + piece("b", -3) + piece("▁a", -0.5) + piece("ab", -0.25)
            + field(2, bytes: field(3, varint: modelType) + field(40, varint: 0) + field(41, varint: 1) + field(42, varint: 2))
            + field(3, bytes: field(1, bytes: Array("identity".utf8)) + field(2, bytes: charsmap) + field(3, varint: 1) + field(4, varint: 0))
    }
}

@Suite("A hand-built tokenizer.model is parsed and merged by piece score")
struct HandBuiltSentencePieceTests {
    @Test func highestScoringMergeWins() throws {
        let model = try SentencePieceModel(bytes: Proto.model(), source: "hand")
        #expect(model.pieces.count == 8)
        #expect(model.modelType == .bpe)
        #expect(!model.removeExtraWhitespaces)
        let t = try SentencePieceBPETokenizer(model: model, source: "hand")
        // "▁ab": "ab" (−0.25) beats "▁a" (−0.5), leaving "▁" "ab".
        #expect(t.encode("ab", addBOS: false) == [3, 7])
        #expect(t.encode("ba") == [1, 3, 5, 4])
        // No byte fallback: an unknown character is <unk>.
        #expect(t.encode("c", addBOS: false) == [3, 0])
        #expect(t.decode([1, 3, 7, 0]) == "ab ⁇ ")
    }
}

@Suite("SentencePiece user-defined and unused pieces behave as in bpe_model.cc")
struct SentencePieceSpecialPieceTests {
    /// unk, <s>, </s>, then `extra` pieces, BPE, identity normalizer with dummy prefix.
    static func tokenizer(_ extra: [(String, Float, Int)]) throws -> SentencePieceBPETokenizer {
        var bytes = Proto.piece("<unk>", 0, type: 2) + Proto.piece("<s>", 0, type: 3) + Proto.piece("</s>", 0, type: 3)
        for (text, score, type) in extra { bytes += Proto.piece(text, score, type: type) }
        bytes += Proto.field(2, bytes: Proto.field(3, varint: 2))
        bytes += Proto.field(3, bytes: Proto.field(1, bytes: Array("identity".utf8)) + Proto.field(4, varint: 0))
        return try SentencePieceBPETokenizer(model: try SentencePieceModel(bytes: bytes, source: "hand"), source: "hand")
    }

    @Test func userDefinedPiecesAreMatchedFirstAndNeverMerged() throws {
        // 3 "▁", 4 "a", 5 "b", 6 "x" (user-defined), 7 "▁a", 8 "ax"
        let t = try Self.tokenizer([("▁", -1, 1), ("a", -2, 1), ("b", -3, 1), ("x", 0, 4), ("▁a", -0.5, 1), ("ax", 5, 1)])
        // "▁axb": "x" is frozen, so "ax" (the best score) cannot form; "▁a" does.
        #expect(t.encode("axb", addBOS: false) == [7, 6, 5])
    }

    @Test func unusedPiecesAreSplitBackIntoTheirParts() throws {
        // 3 "▁", 4 "a", 5 "b", 6 "ab" (unused, best score), 7 "▁a"
        let t = try Self.tokenizer([("▁", -1, 1), ("a", -2, 1), ("b", -3, 1), ("ab", 10, 5), ("▁a", -0.5, 1)])
        #expect(t.encode("ab", addBOS: false) == [3, 4, 5])
        #expect(t.encode("ba", addBOS: false) == [3, 5, 4])
    }

    @Test func extraWhitespaceIsRemovedWhenTheNormalizerSaysSo() throws {
        var bytes = Proto.piece("<unk>", 0, type: 2) + Proto.piece("▁", -1) + Proto.piece("a", -2)
        bytes += Proto.field(2, bytes: Proto.field(3, varint: 2) + Proto.field(41, varint: UInt64(bitPattern: -1)))
        bytes += Proto.field(3, bytes: Proto.field(1, bytes: Array("identity".utf8)))  // remove_extra_whitespaces defaults to true
        let t = try SentencePieceBPETokenizer(model: try SentencePieceModel(bytes: bytes, source: "ws"), source: "ws")
        #expect(t.bosID == nil)
        #expect(t.encode("  a   a  ") == [1, 2, 1, 2])
        #expect(t.encode("   ") == [])
    }
}

@Suite("llama.cpp's SentencePiece tokenizer adds the space prefix after cut-out tokens")
struct LlamaCppSpacePrefixTests {
    @Test func fragmentsAfterUserDefinedTokensGetThePrefix() throws {
        // 0 <unk>, 1 <s>, 2 </s>, 3 "▁", 4 "a", 5 "<x>" (user-defined), 6 "▁a"; add_space_prefix defaults to true
        let tokens = ["<unk>", "<s>", "</s>", "▁", "a", "<x>", "▁a"]
        let t = try Tokenizers.gguf(metadata: [
            "tokenizer.ggml.model": .string("llama"),
            "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }),
            "tokenizer.ggml.scores": .array([0, 0, 0, -1, -2, 0, -0.5].map { .float32($0) }),
            "tokenizer.ggml.token_type": .array([2, 3, 3, 1, 1, 4, 1].map { .int32($0) }),
        ])
        #expect(t.encode("<x>a") == [1, 5, 6])
        #expect(t.encode("a<x>a", addBOS: false) == [6, 5, 6])
        #expect(t.decode([1, 6, 5, 6]) == "a<x> a")
    }
}
