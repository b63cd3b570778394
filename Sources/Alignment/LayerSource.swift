// Where the analysis gets sentence vectors: an activation file, or memory (tests, benchmark).
import Activations
import Foundation
import LinearAlgebra

/// Sentence vectors per language and layer; every language has the same sentences in the same order.
public protocol LayerSource {
    var languages: [String] { get }
    /// Number of layers (n_layers + 1: index 0 = embeddings).
    var layerCount: Int { get }
    var sentenceCount: Int { get }
    /// N × d vectors of `language` at `layer`.
    func vectors(language: String, layer: Int) throws -> Matrix<Float>
    /// The pooled token ids of every sentence of `language` (the lexical-overlap control), or nil.
    func pooledTokens(language: String) throws -> [[Int]]?
    /// How the pooled vectors weight their tokens (the lexical control pools its one-hot vectors alike).
    var tokenWeights: TokenWeights { get }
}

extension LayerSource {
    public func pooledTokens(language: String) throws -> [[Int]]? { nil }
    public var tokenWeights: TokenWeights { .mean }

    /// `vectors(language:layer:)`, refusing NaN or ±∞ by language, layer and row (before any measure
    /// turns them into a NaN statistic or a LAPACK failure).
    func finiteVectors(language: String, layer: Int) throws -> Matrix<Float> {
        let x = try vectors(language: language, layer: layer)
        if let bad = firstNonFinite(x.storage, cols: x.cols) {
            throw AlignmentError.nonFiniteVector(file: nil, language: language, layer: layer, row: bad.row, id: nil,
                                                 dimension: bad.column, value: bad.value)
        }
        return x
    }
}

/// The first non-finite element of a row-major matrix with `cols` columns: its row, column and value.
func firstNonFinite(_ values: [Float], cols: Int) -> (row: Int, column: Int, value: Float)? {
    guard let index = values.firstIndex(where: { !$0.isFinite }) else { return nil }
    let c = max(1, cols)
    return (index / c, index % c, values[index])
}

/// `/pooled/<pool>/<lang>` of an activation file, one layer at a time.
public struct ActivationsLayerSource: LayerSource {
    public let reader: ActivationsReader
    public let pool: Pooling
    public let languages: [String]
    public let layerCount: Int
    public let sentenceCount: Int
    public let dimension: Int

    /// Checks that every language's dataset exists and has the same shape.
    public init(reader: ActivationsReader, pool: Pooling) throws {
        self.reader = reader
        self.pool = pool
        self.languages = reader.languages
        var shape: (layers: Int, sentences: Int, dimension: Int)?
        for language in reader.languages {
            let s = try reader.pooledShape(pool, language: language)
            if let shape, shape != s {
                throw ActivationsError.notActivations(file: reader.url.path, reason: "\(ActivationsLayout.pooled(pool, language)) has shape [\(s.layers), \(s.sentences), \(s.dimension)] but another language has [\(shape.layers), \(shape.sentences), \(shape.dimension)]")
            }
            shape = s
        }
        let s = shape ?? (0, 0, 0)
        (layerCount, sentenceCount, dimension) = (s.layers, s.sentences, s.dimension)
    }

    /// Refuses NaN or ±∞ naming the file, language, layer (the file's numbering), row and sentence id.
    public func vectors(language: String, layer: Int) throws -> Matrix<Float> {
        let values = try reader.pooled(pool, language: language, layer: layer)
        if let bad = firstNonFinite(values, cols: dimension) {
            throw AlignmentError.nonFiniteVector(file: reader.url.path, language: language, layer: layer, row: bad.row,
                                                 id: reader.ids.indices.contains(bad.row) ? reader.ids[bad.row] : nil,
                                                 dimension: bad.column, value: bad.value)
        }
        return Matrix(rows: sentenceCount, cols: dimension, storage: values)
    }

    /// `/tokens/<lang>` pooled spans (nil for a file without token ids).
    public func pooledTokens(language: String) throws -> [[Int]]? {
        try reader.pooledTokenIDs(language: language)
    }

    public var tokenWeights: TokenWeights {
        switch pool {
        case .mean: return .mean
        case .weighted: return .weighted
        case .last: return .last
        }
    }
}

/// Vectors held in memory: `layers[language][layer]`.
public struct InMemoryLayerSource: LayerSource {
    public let languages: [String]
    public let layers: [String: [Matrix<Float>]]
    public let layerCount: Int
    public let sentenceCount: Int
    /// Pooled token ids per language (optional: the lexical control needs them).
    public let tokens: [String: [[Int]]]?

    public init(languages: [String], layers: [String: [Matrix<Float>]], tokens: [String: [[Int]]]? = nil) throws {
        self.languages = languages
        self.layers = layers
        self.tokens = tokens
        guard let first = languages.first, let stack = layers[first], let n = stack.first?.rows else {
            throw AlignmentError.invalidSetting("no vectors given")
        }
        for language in languages {
            guard let s = layers[language] else { throw AlignmentError.missingLanguage(language, available: Array(layers.keys).sorted()) }
            guard s.count == stack.count, s.allSatisfy({ $0.rows == n && $0.cols == stack[0].cols }) else {
                throw AlignmentError.shapeMismatch("language \(language) differs in layers or shape")
            }
        }
        self.layerCount = stack.count
        self.sentenceCount = n
    }

    public func vectors(language: String, layer: Int) throws -> Matrix<Float> {
        guard let stack = layers[language] else { throw AlignmentError.missingLanguage(language, available: languages) }
        guard stack.indices.contains(layer) else { throw AlignmentError.invalidSetting("layer \(layer) out of range") }
        return stack[layer]
    }

    public func pooledTokens(language: String) throws -> [[Int]]? { tokens?[language] }
}

/// Vectors produced on demand by a function (the benchmark's synthetic data).
public struct GeneratedLayerSource: LayerSource, Sendable {
    public let languages: [String]
    public let layerCount: Int
    public let sentenceCount: Int
    public let generate: @Sendable (String, Int) -> Matrix<Float>

    public init(languages: [String], layerCount: Int, sentenceCount: Int,
                generate: @escaping @Sendable (String, Int) -> Matrix<Float>) {
        self.languages = languages
        self.layerCount = layerCount
        self.sentenceCount = sentenceCount
        self.generate = generate
    }

    public func vectors(language: String, layer: Int) throws -> Matrix<Float> { generate(language, layer) }
}
