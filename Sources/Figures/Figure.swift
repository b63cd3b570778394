// What `plot` writes and `report` embeds: named SVG documents, and the options every figure builder takes.
import Alignment
import Foundation

/// One figure: the file `plot` writes it to, its title and the SVG document.
public struct Figure: Sendable, Equatable {
    public let fileName: String
    public let title: String
    public let svg: String

    public init(fileName: String, title: String, svg: String) {
        self.fileName = fileName
        self.title = title
        self.svg = svg
    }
}

/// A figure a builder did not draw because its input holds nothing for it, and why.
public struct SkippedFigure: Sendable, Equatable {
    public let fileName: String
    public let reason: String

    public init(fileName: String, reason: String) {
        self.fileName = fileName
        self.reason = reason
    }
}

/// A data file `plot` writes next to the figures (e.g. the plotted values as JSON, for overlays and checks).
public struct FigureDataFile: Sendable, Equatable {
    public let name: String
    public let text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// What one input yields: the figures drawn and the ones left out for lack of data.
public struct FigureSet: Sendable, Equatable {
    public var figures: [Figure]
    public var skipped: [SkippedFigure]
    /// Written next to the figures.
    public var dataFiles: [FigureDataFile]

    public init(figures: [Figure], skipped: [SkippedFigure] = [], dataFiles: [FigureDataFile] = []) {
        self.figures = figures
        self.skipped = skipped
        self.dataFiles = dataFiles
    }
}

/// Options of `plot` and `report` shared by every input kind (a kind ignores what does not apply to it).
public struct FigureOptions: Sendable {
    /// Join each pivot sentence to its translations in projection panels.
    public var joinTranslations: Bool
    /// `interlingua` version, printed in reports.
    public var toolVersion: String
    /// A corpus name to show when the input does not record its corpus.
    public var corpus: String?
    /// `--raw DIR`: an align output of the same activations under another `--normalize`, drawn next to an
    /// align input's curves (read and checked by `AlignmentInput.companion(_:for:)`).
    public var companion: AlignmentReport?
    /// `--model-name NAME`: the model's name in titles instead of the one the input records (e.g. the same
    /// name as a `compare --label`).
    public var modelName: String?

    public init(joinTranslations: Bool = false, toolVersion: String = "", corpus: String? = nil,
                companion: AlignmentReport? = nil, modelName: String? = nil) {
        self.modelName = modelName
        self.joinTranslations = joinTranslations
        self.toolVersion = toolVersion
        self.corpus = corpus
        self.companion = companion
    }
}
