// Pieces every chart shares: frames, axes, titles and legends.

/// A rectangle in SVG pixel coordinates (y grows downward).
public struct PlotRect: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Double { x + width }
    public var maxY: Double { y + height }

    /// Whether (px, py) lies inside, with `tolerance` pixels of slack for rounding.
    public func contains(x px: Double, y py: Double, tolerance: Double = 0.01) -> Bool {
        px >= x - tolerance && px <= maxX + tolerance && py >= y - tolerance && py <= maxY + tolerance
    }
}

/// One legend item: a swatch (line with optional dash, or a dot) and its label.
public struct LegendEntry: Sendable, Equatable {
    public var label: String
    public var color: RGBColor
    public var dash: String?
    /// A reference line's entry: a thinner swatch without the dot, marked `data-reference="true"`.
    public var isReference: Bool

    public init(label: String, color: RGBColor, dash: String? = nil, isReference: Bool = false) {
        self.label = label
        self.color = color
        self.dash = dash
        self.isReference = isReference
    }
}

/// Shared typography and spacing, in pixels; sizes chosen to read at 100 % zoom.
enum ChartStyle {
    static let titleSize = 18.0
    static let subtitleSize = 12.5
    static let panelTitleSize = 13.5
    static let axisTitleSize = 12.0
    static let tickSize = 11.0
    static let legendSize = 12.0
    static let ink = "#222222"
    static let mutedInk = "#555555"
    static let gridColor = "#e6e6e6"
    static let axisColor = "#444444"
    static let outerMargin = 16.0
}

/// What the title block and legend take at the top of a figure.
struct FigureHeader {
    let title: String
    let subtitle: String?
    let legend: [LegendEntry]
    let legendTitle: String?
    let width: Double

    /// The width the title and subtitle need (bold text runs ~10 % wider than the estimate).
    static func minimumWidth(title: String, subtitle: String?) -> Double {
        let titleWidth = estimatedTextWidth(title, size: ChartStyle.titleSize) * 1.1
        let subtitleWidth = subtitle.map { estimatedTextWidth($0, size: ChartStyle.subtitleSize) * 1.02 } ?? 0
        return max(titleWidth, subtitleWidth) + 2 * ChartStyle.outerMargin + 8
    }

    /// Says so in the plot area when a figure has no panels, rather than leaving it blank.
    static func drawEmptyNote(on canvas: inout SVGCanvas, top: Double) {
        canvas.text("No data for this figure in the input.", x: ChartStyle.outerMargin, y: top + 30,
                    size: ChartStyle.axisTitleSize, fill: ChartStyle.mutedInk, className: "empty-note")
    }

    /// The legend laid out in rows that fit the width; reference entries (baselines, chance levels) start
    /// their own row, without the legend title (which names what the data entries are).
    private var legendRows: [[(LegendEntry, Double)]] {
        let prefix = legendTitle.map { estimatedTextWidth($0, size: ChartStyle.legendSize) * 1.15 + 16 } ?? 0
        let available = width - 2 * ChartStyle.outerMargin
        func rows(_ entries: [LegendEntry], prefix: Double) -> [[(LegendEntry, Double)]] {
            var rows: [[(LegendEntry, Double)]] = []
            var current: [(LegendEntry, Double)] = []
            var used = prefix
            for entry in entries {
                let itemWidth = 30 + estimatedTextWidth(entry.label, size: ChartStyle.legendSize) + 18
                if !current.isEmpty, used + itemWidth > available {
                    rows.append(current)
                    current = []
                    used = prefix
                }
                current.append((entry, itemWidth))
                used += itemWidth
            }
            if !current.isEmpty { rows.append(current) }
            return rows
        }
        return rows(legend.filter { !$0.isReference }, prefix: prefix) + rows(legend.filter(\.isReference), prefix: 0)
    }

    var height: Double {
        var h = ChartStyle.outerMargin + ChartStyle.titleSize + 4
        if subtitle != nil { h += ChartStyle.subtitleSize + 6 }
        h += Double(legendRows.count) * (ChartStyle.legendSize + 10)
        return h + 10
    }

    func draw(on canvas: inout SVGCanvas) {
        var y = ChartStyle.outerMargin + ChartStyle.titleSize
        canvas.text(title, x: ChartStyle.outerMargin, y: y, size: ChartStyle.titleSize, weight: "bold",
                    fill: ChartStyle.ink, className: "figure-title")
        if let subtitle {
            y += ChartStyle.subtitleSize + 6
            canvas.text(subtitle, x: ChartStyle.outerMargin, y: y, size: ChartStyle.subtitleSize,
                        fill: ChartStyle.mutedInk, className: "figure-subtitle")
        }
        guard !legend.isEmpty else { return }
        canvas.beginGroup(className: "legend")
        for row in legendRows {
            y += ChartStyle.legendSize + 10
            var x = ChartStyle.outerMargin
            if let legendTitle, row.first?.0.isReference != true {
                canvas.text(legendTitle, x: x, y: y, size: ChartStyle.legendSize, weight: "bold",
                            fill: ChartStyle.ink)
                x += estimatedTextWidth(legendTitle, size: ChartStyle.legendSize) * 1.15 + 16
            }
            for (entry, itemWidth) in row {
                canvas.beginGroup(className: "legend-entry",
                                  data: [("label", entry.label)] + (entry.isReference ? [("reference", "true")] : []))
                let midY = y - ChartStyle.legendSize * 0.35
                canvas.line(x1: x, y1: midY, x2: x + 24, y2: midY, stroke: entry.color.hex,
                            strokeWidth: entry.isReference ? 1.8 : 2.5, dash: entry.dash)
                if !entry.isReference { canvas.circle(cx: x + 12, cy: midY, r: 3.5, fill: entry.color.hex) }
                canvas.text(entry.label, x: x + 30, y: y, size: ChartStyle.legendSize, fill: ChartStyle.ink)
                canvas.endGroup()
                x += itemWidth
            }
        }
        canvas.endGroup()
    }
}

/// Axis drawing for one panel: grid lines, ticks and labels, axis titles.
struct AxesPainter {
    let frame: PlotRect
    let xScale: LinearScale
    let yScale: LinearScale
    let xTicks: [Double]
    let yTicks: [Double]
    let xLabel: String
    let yLabel: String
    var grid = true

    static func ticks(for domain: ClosedRange<Double>, targetCount: Int, integer: Bool) -> [Double] {
        var ticks = NiceTicks.ticks(lower: domain.lowerBound, upper: domain.upperBound, targetCount: targetCount)
        if integer {
            // Layers are whole numbers: a 0.5 step would label half-layers.
            let step = max(1, NiceTicks.step(span: domain.upperBound - domain.lowerBound, targetCount: targetCount))
            let first = (domain.lowerBound / step).rounded(.up) * step
            ticks = Array(stride(from: first, through: domain.upperBound + 1e-9, by: step))
        }
        return ticks
    }

    /// x ticks whose labels fit side by side along `length` pixels: fewer ticks (a coarser 1-2-5 step) until
    /// the labels plus a 10 px gap each fit, so large values like −25000 never run into each other.
    static func fittedTicks(for domain: ClosedRange<Double>, length: Double, targetCount: Int,
                            integer: Bool) -> [Double] {
        var target = max(2, targetCount)
        while true {
            let ticks = ticks(for: domain, targetCount: target, integer: integer)
            let step = step(of: ticks)
            let needed = ticks.map { estimatedTextWidth(NiceTicks.label($0, step: step), size: ChartStyle.tickSize) + 10 }
                .reduce(0, +)
            if needed <= length || target <= 2 { return ticks }
            target -= 1
        }
    }

    private static func step(of ticks: [Double]) -> Double {
        ticks.count >= 2 ? ticks[1] - ticks[0] : 1
    }

    func draw(on canvas: inout SVGCanvas) {
        canvas.beginGroup(className: "axes")
        if grid {
            for tick in yTicks {
                let y = yScale(tick)
                canvas.line(x1: frame.x, y1: y, x2: frame.maxX, y2: y, stroke: ChartStyle.gridColor,
                            className: "grid")
            }
        }
        canvas.line(x1: frame.x, y1: frame.maxY, x2: frame.maxX, y2: frame.maxY, stroke: ChartStyle.axisColor)
        canvas.line(x1: frame.x, y1: frame.y, x2: frame.x, y2: frame.maxY, stroke: ChartStyle.axisColor)
        let xStep = Self.step(of: xTicks), yStep = Self.step(of: yTicks)
        for tick in xTicks {
            let x = xScale(tick)
            canvas.line(x1: x, y1: frame.maxY, x2: x, y2: frame.maxY + 4, stroke: ChartStyle.axisColor)
            canvas.text(NiceTicks.label(tick, step: xStep), x: x, y: frame.maxY + 6 + ChartStyle.tickSize,
                        size: ChartStyle.tickSize, anchor: .middle, fill: ChartStyle.mutedInk, className: "x-tick")
        }
        for tick in yTicks {
            let y = yScale(tick)
            canvas.line(x1: frame.x - 4, y1: y, x2: frame.x, y2: y, stroke: ChartStyle.axisColor)
            canvas.text(NiceTicks.label(tick, step: yStep), x: frame.x - 6, y: y + ChartStyle.tickSize * 0.35,
                        size: ChartStyle.tickSize, anchor: .end, fill: ChartStyle.mutedInk, className: "y-tick")
        }
        canvas.text(xLabel, x: frame.x + frame.width / 2, y: frame.maxY + 10 + ChartStyle.tickSize + ChartStyle.axisTitleSize,
                    size: ChartStyle.axisTitleSize, anchor: .middle, fill: ChartStyle.ink, className: "x-title")
        let yTitleX = frame.x - AxesPainter.yTickWidth(yTicks) - 14
        canvas.text(yLabel, x: yTitleX, y: frame.y + frame.height / 2, size: ChartStyle.axisTitleSize,
                    anchor: .middle, fill: ChartStyle.ink, rotation: -90, className: "y-title")
        canvas.endGroup()
    }

    /// Width of the widest y tick label.
    static func yTickWidth(_ ticks: [Double]) -> Double {
        let step = Self.step(of: ticks)
        return ticks.map { estimatedTextWidth(NiceTicks.label($0, step: step), size: ChartStyle.tickSize) }.max() ?? 0
    }

    /// Space to the left of a frame for y tick labels and the rotated y title.
    static let leftGutter = 62.0
    /// Space below a frame for x tick labels and the x title.
    static let bottomGutter = 44.0
}

// MARK: - Small-multiples grid

/// The grid every multi-panel figure lays its panels out on: left to right, then top to bottom; each cell
/// holds a title band, the plot area and the axis gutters.
struct PanelGrid {
    var panelCount: Int
    var columns: Int
    var panelWidth: Double
    var panelHeight: Double
    /// Height above each plot area for the panel title (and, in line charts, the peak label).
    var titleBand: Double

    var columnCount: Int { max(1, min(columns, panelCount)) }
    var rowCount: Int { (panelCount + columnCount - 1) / columnCount }
    var cellWidth: Double { AxesPainter.leftGutter + panelWidth + 18 }
    var cellHeight: Double { titleBand + panelHeight + AxesPainter.bottomGutter + 8 }

    /// Width of the cells with the outer margins on both sides.
    var width: Double { 2 * ChartStyle.outerMargin + Double(columnCount) * cellWidth }

    /// Figure height: a header `headerHeight` tall, the rows (at least one) and the bottom margin.
    func height(headerHeight: Double) -> Double {
        headerHeight + Double(max(1, rowCount)) * cellHeight + ChartStyle.outerMargin
    }

    /// The plot area of panel `index` under a header `top` tall.
    func frame(_ index: Int, top: Double) -> PlotRect {
        let column = index % columnCount, row = index / columnCount
        return PlotRect(x: ChartStyle.outerMargin + Double(column) * cellWidth + AxesPainter.leftGutter,
                        y: top + Double(row) * cellHeight + titleBand, width: panelWidth, height: panelHeight)
    }
}
