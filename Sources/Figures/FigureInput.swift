// The inputs `interlingua plot` and `interlingua report` accept, recognised by their content.
import Foundation
import Activations
import HDF5

/// Something `plot` draws and `report` pages: an `align` output folder today; lens files, neurons folders,
/// responses and compare folders as their analyses land.
///
/// EXTENSION POINT — adding an input kind is one type and one line:
/// 1. a type conforming to `FigureInput` (next to its figure builders in this module), whose `recognises`
///    looks at the *content* of the path through `InputProbe` (an HDF5 file's `format` attribute, a JSON
///    file's `format` key, the files a folder holds) — never at the file name alone;
/// 2. its type added to `FigureInputs.kinds`.
/// `plot` and `report` call `FigureInputs.open(_:)`, which asks the kinds in order and loads the first that
/// recognises the input; a kind that recognises an input it cannot draw (an activation file) throws
/// `FiguresError.notDrawable` from `init` with what to run instead.
public protocol FigureInput {
    /// What this kind is, for messages: "an 'interlingua align' output folder (or its alignment.json)".
    static var kindDescription: String { get }
    /// Whether the content at `probe` is this kind (cheap; must not throw).
    static func recognises(_ probe: InputProbe) -> Bool
    /// Loads the input (called only when `recognises` said yes).
    init(_ probe: InputProbe) throws
    /// The figures `plot` writes; figures with nothing to draw are listed in `skipped` instead.
    func figures(_ options: FigureOptions) -> FigureSet
    /// The self-contained HTML page `report` writes (throw `FiguresError.noReport` when there is none).
    func reportHTML(_ options: FigureOptions) throws -> String
    /// Lines `plot` prints after the files it wrote (e.g. the alignment peak).
    func summaryLines() -> [String]
    /// Where `plot` writes without `--output`: next to the input.
    var defaultFigureFolder: URL { get }
    /// Where `report` writes without `--output`: next to the input.
    var defaultReportFile: URL { get }
}

extension FigureInput {
    public func summaryLines() -> [String] { [] }
}

/// The registry of input kinds, in the order they are asked.
public enum FigureInputs {
    /// Every kind `plot` and `report` know. Add one line per new kind.
    public static let kinds: [any FigureInput.Type] = [
        AlignmentInput.self,
        CompareInput.self,
        NeuronsInput.self,
        PerplexityInput.self,
        LensInput.self,
        ActivationFileInput.self,
        ResponsesInput.self,
    ]

    /// Opens `path` as the first kind that recognises it.
    public static func open(_ path: String) throws -> any FigureInput {
        let probe = InputProbe(path: path)
        guard probe.exists else { throw FiguresError.missing(path: path) }
        for kind in kinds where kind.recognises(probe) {
            return try kind.init(probe)
        }
        throw FiguresError.unrecognised(path: path, found: probe.description,
                                        expected: kinds.compactMap { $0 == ActivationFileInput.self ? nil : $0.kindDescription })
    }
}

/// What is at a path, looked at lazily: existence, folder or file, HDF5 signature and `format` attribute,
/// a JSON file's top-level `format`. Kinds use it in `recognises`; each fact is computed at most once.
public final class InputProbe: @unchecked Sendable {
    /// The path as given on the command line (named in messages).
    public let path: String
    public let url: URL
    public let exists: Bool
    public let isDirectory: Bool

    public init(path: String) {
        self.path = path
        url = URL(fileURLWithPath: path)
        var isDir: ObjCBool = false
        exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
        isDirectory = exists && isDir.boolValue
    }

    /// The folder the input lives in (the input itself when it is a folder).
    public var folder: URL { isDirectory ? url : url.deletingLastPathComponent() }

    /// A probe of `name` inside this folder.
    public func child(_ name: String) -> InputProbe {
        InputProbe(path: url.appendingPathComponent(name).path)
    }

    /// The first bytes of the file (empty for a folder or an unreadable file).
    public private(set) lazy var head: Data = {
        guard exists, !isDirectory, let handle = FileHandle(forReadingAtPath: path) else { return Data() }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4096)) ?? Data()
    }()

    /// HDF5 signature at offset 0 (HDF5 spec §II.A: `\x89HDF\r\n\x1a\n`; files written by this project and by
    /// h5py start with it — a user block moves it to 512, 1024, …, which `isHDF5` does not look for). Opened without a file lock, as activation files are.
    public var isHDF5: Bool { head.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) }

    /// The root `format` attribute of an HDF5 file, if it has a string one.
    public private(set) lazy var hdf5Format: String? = {
        guard isHDF5, let file = try? H5File.open(url, fileLocking: false), case .string(let format)? = try? file.root.attribute("format")
        else { return nil }
        return format
    }()

    /// Whether the file's first non-blank byte is `{` (a JSON object).
    public var looksLikeJSONObject: Bool {
        head.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
    }

    /// The top-level `format` string of a JSON object file, if any.
    public private(set) lazy var jsonFormat: String? = {
        guard looksLikeJSONObject, let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["format"] as? String
    }()

    /// What the path holds, in words, for the "not recognised" message.
    public var description: String {
        if isDirectory { return "a folder with no input this command knows" }
        if isHDF5 { return hdf5Format.map { "an HDF5 file of format '\($0)'" } ?? "an HDF5 file without a 'format' attribute" }
        if looksLikeJSONObject { return jsonFormat.map { "a JSON file of format '\($0)'" } ?? "a JSON file without a 'format' key" }
        return "a file of unknown content"
    }
}

/// An activation file given to `plot`/`report`: recognised so the message says what to run first.
public struct ActivationFileInput: FigureInput {
    public static let kindDescription = "an activation file"
    public static let format = ActivationsLayout.format

    public static func recognises(_ probe: InputProbe) -> Bool { probe.hdf5Format == format }

    public init(_ probe: InputProbe) throws {
        throw FiguresError.notDrawable(
            path: probe.path, what: "an activation file (written by 'interlingua trace')",
            hint: "run 'interlingua align \(probe.path) --output DIR' first, then give DIR to plot or report")
    }

    public func figures(_ options: FigureOptions) -> FigureSet { FigureSet(figures: []) }
    public func reportHTML(_ options: FigureOptions) throws -> String { "" }
    public var defaultFigureFolder: URL { URL(fileURLWithPath: ".") }
    public var defaultReportFile: URL { URL(fileURLWithPath: ".") }
}
