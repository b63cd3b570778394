// `plot`/`report` input kind: a lens file of `interlingua lens` (HDF5, `format = "interlingua.lens"`).
import Activations
import Foundation

/// A lens file: `plot` writes lens-latent.svg and lens-table.svg (plus lens-curves.json, the plotted means and
/// bands), `report` the lens page.
public struct LensInput: FigureInput {
    public static let kindDescription = "a lens file (written by 'interlingua lens')"

    public let file: LensFile

    public static func recognises(_ probe: InputProbe) -> Bool { probe.hdf5Format == LensLayout.format }

    public init(_ probe: InputProbe) throws {
        do { file = try LensFile(url: probe.url) } catch let error as ActivationsError {
            throw FiguresError.unreadable(path: probe.path, reason: error.localizedDescription)
        }
    }

    /// The file with `--model-name` as its model (titles show the model's file name otherwise).
    func named(_ options: FigureOptions) -> LensFile {
        guard let name = options.modelName, !name.isEmpty else { return file }
        var named = file
        named.model = name
        return named
    }

    public func figures(_ options: FigureOptions) -> FigureSet {
        let figures = LensFigures(file: named(options))
        let json = (try? figures.curves.json()).map { String(decoding: $0, as: UTF8.self) }
        return FigureSet(figures: figures.all(), dataFiles: json.map { [FigureDataFile(name: "lens-curves.json", text: $0)] } ?? [])
    }

    public func reportHTML(_ options: FigureOptions) throws -> String {
        LensFigures(file: named(options)).html(toolVersion: options.toolVersion)
    }

    public func summaryLines() -> [String] {
        let curves = LensFigures(file: file).curves
        return curves.groups.map { group in
            let parts = group.curves.map { curve -> String in
                let best = curve.values.indices.max { curve.values[$0].mean < curve.values[$1].mean } ?? 0
                return "p(\(curve.language)) peaks at layer \(curves.layers[best]) (\(String(format: "%.3f", curve.values[best].mean)))"
            }
            return "lens → \(group.target), \(group.prompts.count) prompts: " + parts.joined(separator: ", ")
        }
    }

    public var defaultFigureFolder: URL {
        file.url.deletingLastPathComponent().appendingPathComponent(file.url.deletingPathExtension().lastPathComponent + "-figures")
    }

    public var defaultReportFile: URL {
        file.url.deletingLastPathComponent().appendingPathComponent(file.url.deletingPathExtension().lastPathComponent + "-report.html")
    }
}
