// Heatmaps in small multiples sharing one viridis color scale and one color bar.

/// One matrix. `values[r][c]` is drawn at row r (row 0 at the bottom, so layer numbers grow upward like a
/// y axis) and column c. Non-finite cells are drawn light gray.
public struct HeatmapPanel: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var values: [[Double]]
    /// The number of the first column and row (e.g. 0 when columns are layers 0…L).
    public var firstColumn: Int
    public var firstRow: Int
    /// Category names of the columns / rows (e.g. languages) drawn instead of numbered ticks.
    public var columnLabels: [String]?
    public var rowLabels: [String]?
    /// Writes each cell's value in it (small matrices).
    public var annotate: Bool
    /// A printf format for the written values (e.g. "%.2f"); nil: integers as such, others with 2 significant digits.
    public var valueFormat: String?

    public init(title: String, xLabel: String, yLabel: String, values: [[Double]], firstColumn: Int = 0,
                firstRow: Int = 0, columnLabels: [String]? = nil, rowLabels: [String]? = nil, annotate: Bool = false,
                valueFormat: String? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.values = values
        self.firstColumn = firstColumn
        self.firstRow = firstRow
        self.columnLabels = columnLabels
        self.rowLabels = rowLabels
        self.annotate = annotate
        self.valueFormat = valueFormat
    }

    var rowCount: Int { values.count }
    var columnCount: Int { values.map(\.count).max() ?? 0 }
}

/// A figure of heatmap panels with a shared sequential color scale (viridis) and a color bar.
public struct Heatmap: Sendable {
    public var title: String
    public var subtitle: String?
    public var panels: [HeatmapPanel]
    /// The values mapped to the ends of the colormap; `nil` = the finite range of all panels.
    public var colorDomain: ClosedRange<Double>?
    public var colorBarLabel: String
    public var columns: Int
    public var panelSize: Double

    public init(title: String, subtitle: String? = nil, panels: [HeatmapPanel],
                colorDomain: ClosedRange<Double>? = nil, colorBarLabel: String, columns: Int = 3,
                panelSize: Double = 260) {
        self.title = title
        self.subtitle = subtitle
        self.panels = panels
        self.colorDomain = colorDomain
        self.colorBarLabel = colorBarLabel
        self.columns = max(1, columns)
        self.panelSize = panelSize
    }

    /// The value range the colormap spans.
    public var resolvedColorDomain: ClosedRange<Double> {
        if let colorDomain { return colorDomain }
        let finite = panels.flatMap { $0.values.flatMap { $0 } }.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
        return lo == hi ? (lo - 0.5)...(hi + 0.5) : lo...hi
    }

    /// The fill of a value under the shared color scale.
    public func color(for value: Double) -> RGBColor? {
        guard value.isFinite else { return nil }
        let domain = resolvedColorDomain
        let span = domain.upperBound - domain.lowerBound
        return Viridis.color(at: span > 0 ? (value - domain.lowerBound) / span : 0.5)
    }

    private static let colorBarWidth = 92.0
    private var grid: PanelGrid {
        PanelGrid(panelCount: panels.count, columns: columns, panelWidth: panelSize, panelHeight: panelSize,
                  titleBand: 26)
    }

    public var width: Double {
        max(grid.width + Self.colorBarWidth, FigureHeader.minimumWidth(title: title, subtitle: subtitle))
    }
    private var header: FigureHeader {
        FigureHeader(title: title, subtitle: subtitle, legend: [], legendTitle: nil, width: width)
    }
    public var height: Double { grid.height(headerHeight: header.height) }

    /// The plot area of every panel, in panel order.
    public func frames() -> [PlotRect] {
        let top = header.height, grid = self.grid
        return panels.indices.map { grid.frame($0, top: top) }
    }

    public func svg() -> String { canvas().document(title: title) }

    func canvas() -> SVGCanvas {
        var canvas = SVGCanvas(width: width.rounded(.up), height: height.rounded(.up))
        header.draw(on: &canvas)
        if panels.isEmpty { FigureHeader.drawEmptyNote(on: &canvas, top: header.height) }
        for (panel, frame) in zip(panels, frames()) { draw(panel, in: frame, on: &canvas) }
        drawColorBar(on: &canvas)
        return canvas
    }

    private func draw(_ panel: HeatmapPanel, in frame: PlotRect, on canvas: inout SVGCanvas) {
        canvas.beginGroup(className: "panel", data: [("title", panel.title)])
        canvas.text(panel.title, x: frame.x, y: frame.y - 9, size: ChartStyle.panelTitleSize, weight: "bold",
                    fill: ChartStyle.ink, className: "panel-title")
        let rows = panel.rowCount, columns = panel.columnCount
        guard rows > 0, columns > 0 else {
            canvas.text("no data", x: frame.x + frame.width / 2, y: frame.y + frame.height / 2, anchor: .middle)
            canvas.endGroup()
            return
        }
        let cellW = frame.width / Double(columns), cellH = frame.height / Double(rows)
        // crispEdges: antialiased edges of abutting cells would show as faint seams.
        canvas.beginGroup(className: "cells", shapeRendering: "crispEdges")
        for (r, row) in panel.values.enumerated() {
            for (c, value) in row.enumerated() {
                let fill = color(for: value)?.hex ?? "#d9d9d9"
                canvas.rect(x: frame.x + Double(c) * cellW, y: frame.maxY - Double(r + 1) * cellH,
                            width: cellW + 0.3, height: cellH + 0.3, fill: fill, className: "cell",
                            data: [("row", "\(r + panel.firstRow)"), ("column", "\(c + panel.firstColumn)")],
                            title: value.isFinite ? String(format: "%.3f", value) : "n/a")
            }
        }
        canvas.endGroup()
        if panel.annotate {
            canvas.beginGroup(className: "cell-values")
            for (r, row) in panel.values.enumerated() {
                for (c, value) in row.enumerated() where value.isFinite {
                    // Light text on the dark half of viridis, dark text on the light half.
                    let dark = (color(for: value).map { 0.299 * Double($0.red) + 0.587 * Double($0.green) + 0.114 * Double($0.blue) } ?? 255) < 128
                    let text = panel.valueFormat.map { String(format: $0, value) }
                        ?? (value == value.rounded() && abs(value) < 1e6 ? String(Int(value)) : String(format: "%.2g", value))
                    canvas.text(text, x: frame.x + (Double(c) + 0.5) * cellW,
                                y: frame.maxY - (Double(r) + 0.5) * cellH + ChartStyle.tickSize * 0.35,
                                size: ChartStyle.tickSize, anchor: .middle, fill: dark ? "#ffffff" : ChartStyle.ink,
                                className: "cell-value")
                }
            }
            canvas.endGroup()
        }
        // Cell centers carry the integer labels: column c spans [c, c + 1) in the scale below.
        let xScale = LinearScale(domain: Double(panel.firstColumn) - 0.5...Double(panel.firstColumn + columns) - 0.5,
                                 range: (frame.x, frame.maxX))
        let yScale = LinearScale(domain: Double(panel.firstRow) - 0.5...Double(panel.firstRow + rows) - 0.5,
                                 range: (frame.maxY, frame.y))
        let xTicks = AxesPainter.fittedTicks(for: Double(panel.firstColumn)...Double(panel.firstColumn + columns - 1),
                                             length: frame.width, targetCount: 6, integer: true)
        let yTicks = AxesPainter.ticks(for: Double(panel.firstRow)...Double(panel.firstRow + rows - 1),
                                       targetCount: 6, integer: true)
        // Row labels replace the y ticks: the y title then goes left of the widest label (not of no ticks).
        var axes = AxesPainter(frame: frame, xScale: xScale, yScale: yScale,
                               xTicks: panel.columnLabels == nil ? xTicks : [], yTicks: panel.rowLabels == nil ? yTicks : [],
                               xLabel: panel.xLabel, yLabel: panel.rowLabels == nil ? panel.yLabel : "")
        axes.grid = false
        axes.draw(on: &canvas)
        if let labels = panel.rowLabels, !panel.yLabel.isEmpty {
            let widest = labels.map { estimatedTextWidth($0, size: ChartStyle.tickSize) }.max() ?? 0
            canvas.text(panel.yLabel, x: frame.x - widest - 18, y: frame.y + frame.height / 2, size: ChartStyle.axisTitleSize,
                        anchor: .middle, fill: ChartStyle.ink, rotation: -90, className: "y-title")
        }
        if let labels = panel.columnLabels {
            for (c, label) in labels.prefix(columns).enumerated() {
                canvas.text(label, x: frame.x + (Double(c) + 0.5) * cellW, y: frame.maxY + ChartStyle.tickSize + 4,
                            size: ChartStyle.tickSize, anchor: .middle, fill: ChartStyle.mutedInk, className: "column-label")
            }
        }
        if let labels = panel.rowLabels {
            for (r, label) in labels.prefix(rows).enumerated() {
                canvas.text(label, x: frame.x - 4, y: frame.maxY - (Double(r) + 0.5) * cellH + ChartStyle.tickSize * 0.35,
                            size: ChartStyle.tickSize, anchor: .end, fill: ChartStyle.mutedInk, className: "row-label")
            }
        }
        canvas.endGroup()
    }

    private func drawColorBar(on canvas: inout SVGCanvas) {
        guard let first = frames().first else { return }
        let domain = resolvedColorDomain
        let barX = width - ChartStyle.outerMargin - Self.colorBarWidth + 14
        let bar = PlotRect(x: barX, y: first.y, width: 16, height: first.height)
        canvas.beginGroup(className: "color-bar")
        let stops = Viridis.controlPoints.enumerated().map { index, color in
            (offset: Double(index) / Double(Viridis.controlPoints.count - 1), color: color)
        }
        canvas.linearGradient(id: "viridis", stops: stops, vertical: true)
        canvas.rect(x: bar.x, y: bar.y, width: bar.width, height: bar.height, fill: "url(#viridis)",
                    stroke: ChartStyle.axisColor, strokeWidth: 0.5)
        let scale = LinearScale(domain: domain, range: (bar.maxY, bar.y))
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
