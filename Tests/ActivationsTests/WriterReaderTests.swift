import Activations
import Foundation
import HDF5
import Testing
import TestSupport

/// A header for `languages` × `rows` sentences, 2 layers (3 with embeddings), d = 4.
func smallHeader(languages: [String] = ["en", "de"], rows: Int = 3) -> ActivationsHeader {
    let ids = (0..<rows).map { "s\($0)" }
    return ActivationsHeader(
        model: "m.gguf", architecture: "llama", nLayers: 2, dModel: 4, template: "raw", instruction: "",
        pools: [.mean], bosInPool: false, poolSpan: "sentence", toolVersion: "test", runFingerprint: "fp",
        languages: languages, ids: ids, texts: languages.map { l in ids.map { "\(l) \($0)" } },
        tokenIDs: languages.map { _ in (0..<rows).map { Int32($0) } }, tokenOffsets: languages.map { _ in Array(0...rows) },
        poolSpans: languages.map { _ in (0..<rows).map { _ in 0..<1 } }, tokenStates: false, subLayers: false)
}

/// Layer-major values [3, rows, 4] whose every float says where it is: 100·layer + 10·row + column.
func layerValues(rows: Range<Int>, offset: Float = 0) -> [Float] {
    (0..<3).flatMap { layer in rows.flatMap { row in (0..<4).map { offset + Float(100 * layer + 10 * row + $0) } } }
}

@Suite("An activation file reads back as it was written")
struct WriterReaderTests {
    @Test("attributes, languages, ids and every layer of the pooled vectors round-trip")
    func roundTrip() throws {
        let url = try TestPaths.temporaryDirectory("acts").appendingPathComponent("a.h5")
        let writer = try ActivationsWriter.create(at: url, header: smallHeader())
        try writer.writeLayerRows(ActivationsLayout.pooled(.mean, "en"), rows: 0..<3, values: layerValues(rows: 0..<3))
        try writer.writeLayerRows(ActivationsLayout.pooled(.mean, "de"), rows: 0..<3, values: layerValues(rows: 0..<3, offset: 0.5))
        try writer.markComplete()
        let reader = try ActivationsReader(url: url)
        #expect(reader.languages == ["en", "de"] && reader.ids == ["s0", "s1", "s2"] && reader.isComplete)
        #expect(reader.stringAttribute("model") == "m.gguf" && reader.integerAttribute("n_layers") == 2)
        #expect(try reader.pooled(.mean, language: "en", layer: 2) == (0..<3).flatMap { r in (0..<4).map { Float(200 + 10 * r + $0) } })
        #expect(try reader.pooled(.mean, language: "de", layer: 0)[5] == 11.5)
    }

    @Test("an unfinished file is refused unless incomplete files are allowed")
    func incomplete() throws {
        let url = try TestPaths.temporaryDirectory("acts").appendingPathComponent("a.h5")
        _ = try ActivationsWriter.create(at: url, header: smallHeader())
        #expect(throws: ActivationsError.self) { _ = try ActivationsReader(url: url) }
        #expect(try ActivationsReader(url: url, allowIncomplete: true).isComplete == false)
    }
}
