// Writing figures and pages: atomically, creating the folder, errors naming the file.
import Foundation

/// File output of `plot` and `report`.
public enum FigureFiles {
    /// Writes every figure as `folder/<fileName>` (the folder is created); returns the files in order.
    @discardableResult
    public static func write(_ figures: [Figure], to folder: URL) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FiguresError.writeFailed(path: folder.path, reason: error.localizedDescription)
        }
        return try figures.map { figure in
            let url = folder.appendingPathComponent(figure.fileName)
            try write(figure.svg, to: url)
            return url
        }
    }

    /// Writes `text` to `url` atomically (its folder is created).
    public static func write(_ text: String, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw FiguresError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }
}
