// A table of short texts in colored cells: the logit-lens table (one column per prompt, one row per layer,
// the top token written in its cell, the cell colored by its probability).

/// One cell: the text shown and the value its fill encodes (non-finite: light gray).
public struct TokenCell: Sendable, Equatable {
    public var text: String
    public var value: Double
    /// A short tag shown as a colored corner mark (e.g. which answer set the token is in), or nil.
    public var mark: RGBColor?

    public init(text: String, value: Double, mark: RGBColor? = nil) {
        self.text = text
        self.value = value
        self.mark = mark
    }
}

/// Columns of cells; `cells[c][r]` is column c, row r (row 0 at the bottom, like a layer axis).
public struct TokenTable: Sendable {
    public var title: String
    public var subtitle: String?
    public var columnTitles: [String]
    public var rowLabels: [String]
    public var rowAxisTitle: String
    public var cells: [[TokenCell]]
    public var colorDomain: ClosedRange<Double>
    public var colorBarLabel: String
    public var legend: [LegendEntry]
    public var cellWidth: Double
    public var cellHeight: Double
    /// Cell texts longer than this many characters are cut with "…" (the full text is the cell's tooltip).
    public var maximumCharacters: Int

    public init(title: String, subtitle: String? = nil, columnTitles: [String], rowLabels: [String], rowAxisTitle: String,
                cells: [[TokenCell]], colorDomain: ClosedRange<Double> = 0...1, colorBarLabel: String,
                legend: [LegendEntry] = [], cellWidth: Double = 74, cellHeight: Double = 17, maximumCharacters: Int = 9) {
        self.title = title
        self.subtitle = subtitle
        self.columnTitles = columnTitles
        self.rowLabels = rowLabels
        self.rowAxisTitle = rowAxisTitle
        self.cells = cells
        self.colorDomain = colorDomain
        self.colorBarLabel = colorBarLabel
        self.legend = legend
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
        self.maximumCharacters = maximumCharacters
    }

    private static let leftGutter = 70.0
    private static let columnHeader = 34.0
    private static let colorBarWidth = 92.0

    private var header: FigureHeader {
        FigureHeader(title: title, subtitle: subtitle, legend: legend, legendTitle: nil, width: width)
    }

    public var width: Double {
        let grid = 2 * ChartStyle.outerMargin + Self.leftGutter + Double(columnTitles.count) * cellWidth + Self.colorBarWidth
        return max(grid, FigureHeader.minimumWidth(title: title, subtitle: subtitle))
    }

    /// The color bar is at least this tall, so its rotated label fits beside a table of few rows.
    private static let minimumBarHeight = 190.0

    public var height: Double {
        header.height + Self.columnHeader + max(Double(rowLabels.count) * cellHeight, Self.minimumBarHeight)
            + ChartStyle.outerMargin + 8
    }

    /// The area the cells fill.
    public var frame: PlotRect {
        PlotRect(x: ChartStyle.outerMargin + Self.leftGutter, y: header.height + Self.columnHeader,
                 width: Double(columnTitles.count) * cellWidth, height: Double(rowLabels.count) * cellHeight)
    }

    public func color(for value: Double) -> RGBColor? {
        guard value.isFinite else { return nil }
        let span = colorDomain.upperBound - colorDomain.lowerBound
        return Viridis.color(at: span > 0 ? (value - colorDomain.lowerBound) / span : 0.5)
    }

    static func shortened(_ text: String, _ limit: Int) -> String {
        // Control characters and newlines would break the line: show them escaped.
        let visible = text.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
        return visible.count <= limit ? visible : String(visible.prefix(max(1, limit - 1))) + "…"
    }

    public func svg() -> String { canvas().document(title: title) }

    func canvas() -> SVGCanvas {
        var canvas = SVGCanvas(width: width.rounded(.up), height: height.rounded(.up))
        header.draw(on: &canvas)
        let frame = self.frame
        canvas.beginGroup(className: "panel", data: [("title", title)])
        for (c, titleText) in columnTitles.enumerated() {
            canvas.text(Self.shortened(titleText, Int(cellWidth / 7)), x: frame.x + (Double(c) + 0.5) * cellWidth,
                        y: frame.y - 8, size: ChartStyle.tickSize, anchor: .middle, weight: "bold", fill: ChartStyle.ink,
                        className: "column-title")
        }
        for (r, label) in rowLabels.enumerated() {
            canvas.text(label, x: frame.x - 6, y: frame.maxY - (Double(r) + 0.5) * cellHeight + ChartStyle.tickSize * 0.35,
                        size: ChartStyle.tickSize, anchor: .end, fill: ChartStyle.mutedInk, className: "row-label")
        }
        canvas.text(rowAxisTitle, x: ChartStyle.outerMargin + 12, y: frame.y + frame.height / 2, size: ChartStyle.axisTitleSize,
                    anchor: .middle, fill: ChartStyle.ink, rotation: -90, className: "y-title")
        canvas.beginGroup(className: "cells", shapeRendering: "crispEdges")
        for (c, column) in cells.enumerated() {
            for (r, cell) in column.enumerated() {
                let fill = color(for: cell.value) ?? RGBColor(0xD9D9D9)
                canvas.rect(x: frame.x + Double(c) * cellWidth, y: frame.maxY - Double(r + 1) * cellHeight,
                            width: cellWidth + 0.3, height: cellHeight + 0.3, fill: fill.hex, className: "cell",
                            data: [("row", "\(r)"), ("column", "\(c)"), ("text", cell.text)],
                            title: "\(cell.text) — \(cell.value.isFinite ? String(format: "%.3f", cell.value) : "n/a")")
            }
        }
        canvas.endGroup()
        for (c, column) in cells.enumerated() {
            for (r, cell) in column.enumerated() {
                let x = frame.x + Double(c) * cellWidth, y = frame.maxY - Double(r + 1) * cellHeight
                if let mark = cell.mark {
                    canvas.rect(x: x + 1, y: y + 1, width: 5, height: cellHeight - 2, fill: mark.hex, className: "mark")
                }
                let ink = (color(for: cell.value)?.relativeLuminance ?? 1) > 0.35 ? "#111111" : "#ffffff"
                canvas.text(Self.shortened(cell.text, maximumCharacters), x: x + cellWidth / 2, y: y + cellHeight * 0.5 + 4,
                            size: 10.5, anchor: .middle, fill: ink, className: "cell-text")
            }
        }
        canvas.endGroup()
        drawColorBar(on: &canvas)
        return canvas
    }

    private func drawColorBar(on canvas: inout SVGCanvas) {
        let frame = self.frame
        let bar = PlotRect(x: frame.maxX + 22, y: frame.y, width: 16,
                           height: min(max(frame.height, Self.minimumBarHeight), max(260, Self.minimumBarHeight)))
        canvas.beginGroup(className: "color-bar")
        let stops = Viridis.controlPoints.enumerated().map { index, color in
            (offset: Double(index) / Double(Viridis.controlPoints.count - 1), color: color)
        }
        canvas.linearGradient(id: "viridis-table", stops: stops, vertical: true)
        canvas.rect(x: bar.x, y: bar.y, width: bar.width, height: bar.height, fill: "url(#viridis-table)",
                    stroke: ChartStyle.axisColor, strokeWidth: 0.5)
        let scale = LinearScale(domain: colorDomain, range: (bar.maxY, bar.y))
        let ticks = scale.ticks(targetCount: 5)
        let step = ticks.count >= 2 ? ticks[1] - ticks[0] : 1
        for tick in ticks {
            let y = scale(tick)
            canvas.line(x1: bar.maxX, y1: y, x2: bar.maxX + 4, y2: y, stroke: ChartStyle.axisColor)
            canvas.text(NiceTicks.label(tick, step: step), x: bar.maxX + 6, y: y + ChartStyle.tickSize * 0.35,
                        size: ChartStyle.tickSize, fill: ChartStyle.mutedInk, className: "color-tick")
        }
        canvas.text(colorBarLabel, x: bar.x - 6, y: bar.y + bar.height / 2, size: ChartStyle.axisTitleSize,
                    anchor: .middle, fill: ChartStyle.ink, rotation: -90, className: "color-title")
        canvas.endGroup()
    }
}
