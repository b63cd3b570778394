// Reading LAPE's input from an activation file and writing neurons.json / neurons.csv.
import Activations
import Foundation

extension NeuronCounts {
    /// The `/neurons/<lang>` counts of every language of an activation file (`trace --neurons`), in the
    /// file's language order.
    public static func read(from url: URL) throws -> (counts: NeuronCounts, model: String?) {
        let reader = try ActivationsReader(url: url)
        guard reader.hasNeuronCounts else {
            throw NeuronsError.badCounts(source: url.path, reason: "no /neurons group: trace with --neurons to count FFN activations")
        }
        var tables: [[Int64]] = []
        var tokens: [Int64] = []
        var shape: (Int, Int)?
        for language in reader.languages {
            let found = try reader.neuronCounts(language: language)
            if let shape, shape != (found.layers, found.width) {
                throw NeuronsError.badCounts(source: url.path, reason: "\(language) has counts of shape [\(found.layers), \(found.width)], other languages [\(shape.0), \(shape.1)]")
            }
            shape = (found.layers, found.width)
            tables.append(found.counts)
            tokens.append(found.tokens)
        }
        guard let shape else { throw NeuronsError.badCounts(source: url.path, reason: "no languages") }
        let counts = try NeuronCounts(source: url.path, languages: reader.languages, nLayers: shape.0, dFFN: shape.1,
                                      counts: tables, tokens: tokens)
        return (counts, reader.stringAttribute(ActivationsLayout.Attribute.model))
    }
}

extension LAPEResult {
    public static let format = "interlingua.neurons"
    public static let formatVersion = 1

    /// neurons.json: the reference's keys in its order (`lape_reference.py`), then this tool's additions
    /// (format, source, the assignment threshold, the language-overlap matrix).
    public func json(source: String, model: String?) -> JSONText {
        func percent(_ f: ExactFraction) -> JSONText {
            let v = f.percent
            return v == v.rounded() ? .int(Int(v)) : .double(v)
        }
        let selected = self.selected
        let perLayer = self.perLayer
        let settingsObject: JSONText = .object([
            ("filter_percentile", percent(settings.filterQuantile)),
            ("top_percent", percent(settings.topRate)),
            ("activation_bar_percentile", percent(settings.assignQuantile)),
            ("percentile_rule", .string("k-th smallest of all M values, k = round(\(settings.filterQuantile) * M) with halves up")),
            ("top_count_rule", .string("m = round(\(settings.topRate) * n_layers * d_ffn) with halves up")),
            ("tie_break", .string("entropy ascending, then layer*d_ffn + neuron ascending")),
            ("float", .string("float64, natural log")),
            ("filter_quantile", .string(settings.filterQuantile.text)),
            ("top_rate", .string(settings.topRate.text)),
            ("assign_quantile", .string(settings.assignQuantile.text)),
        ])
        let pairs: (String) -> JSONText = { l in
            JSONText.array((selected[l] ?? []).map { pair in JSONText.array(pair.map { JSONText.int($0) }) })
        }
        let method = "LAPE (Tang et al. 2024): p = activation probability per language, normalised over languages, "
            + "entropy; candidates have some p > tau (\(settings.filterQuantile) quantile of all p); keep the lowest-entropy "
            + "\(settings.topRate) share of all neurons among candidates; assign to every language with p above the "
            + "\(settings.assignQuantile) quantile"
        var members: [(String, JSONText)] = []
        members.append(("method", .string(method)))
        members.append(("languages", .array(languages.map { JSONText.string($0) })))
        members.append(("n_layers", .int(nLayers)))
        members.append(("d_ffn", .int(dFFN)))
        let tokenMembers: [(String, JSONText)] = zip(languages, tokens).map { ($0, JSONText.int(Int($1))) }
        members.append(("n_tokens", .object(tokenMembers)))
        members.append(("settings", settingsObject))
        members.append(("n_values", .int(valueCount)))
        members.append(("threshold_rank_k", .int(thresholdRank)))
        members.append(("threshold", .double(threshold)))
        members.append(("n_candidates", .int(candidateCount)))
        members.append(("n_selected", .int(neurons.count)))
        members.append(("top_count_m", .int(topCount)))
        members.append(("entropy_cutoff", entropyCutoff.map { JSONText.double($0) } ?? .null))
        let near: [(String, JSONText)] = [("eps", .double(Self.tieEpsilon)), ("candidates", .int(nearCutoffCandidates)),
                                          ("selected", .int(nearCutoffSelected))]
        members.append(("near_cutoff", .object(near)))
        let selectedMembers: [(String, JSONText)] = languages.map { ($0, pairs($0)) }
        members.append(("selected", .object(selectedMembers)))
        let layerMembers: [(String, JSONText)] = languages.map { l in (l, JSONText.array((perLayer[l] ?? []).map { JSONText.int($0) })) }
        members.append(("per_layer", .object(layerMembers)))
        let neuronItems: [JSONText] = neurons.map { n in
            let fields: [(String, JSONText)] = [
                ("layer", .int(n.layer)), ("neuron", .int(n.neuron)), ("entropy", .double(n.entropy)),
                ("p", .array(n.p.map { JSONText.double($0) })), ("languages", .array(n.languages.map { JSONText.string($0) })),
            ]
            return JSONText.object(fields)
        }
        members.append(("neurons", .array(neuronItems)))
        members.append(("format", .string(Self.format)))
        members.append(("format_version", .int(Self.formatVersion)))
        members.append(("source", .string(source)))
        members.append(("model", model.map { JSONText.string($0) } ?? .null))
        members.append(("assign_threshold_rank_k", .int(assignThresholdRank)))
        members.append(("assign_threshold", .double(assignThreshold)))
        members.append(("overlap", .array(overlap.map { row in JSONText.array(row.map { JSONText.int($0) }) })))
        return .object(members)
    }

    /// neurons.csv: one row per kept neuron, lowest entropy first:
    /// `layer,neuron,entropy,languages,p_<lang>…` (languages joined by ';').
    public func csv() -> String {
        var out = "layer,neuron,entropy,languages," + languages.map { "p_\($0)" }.joined(separator: ",") + "\n"
        for n in neurons {
            out += "\(n.layer),\(n.neuron),\(n.entropy),\(n.languages.joined(separator: ";")),"
            out += n.p.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Writes DIR/neurons.json and DIR/neurons.csv (each atomically).
    public func write(to directory: URL, source: String, model: String?) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw NeuronsError.writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        for (name, text) in [("neurons.json", json(source: source, model: model).rendered() + "\n"), ("neurons.csv", csv())] {
            let url = directory.appendingPathComponent(name)
            do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
                throw NeuronsError.writeFailed(path: url.path, reason: error.localizedDescription)
            }
        }
    }
}
