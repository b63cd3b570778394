// Line charts in small multiples: one panel per metric, one line per series, optional confidence bands and a
// marked peak.

/// One observation: `y` at `x`, with an optional interval `[low, high]` (e.g. a bootstrap 95 % CI).
public struct LinePoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var low: Double?
    public var high: Double?

    public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
        self.x = x
        self.y = y
        self.low = low
        self.high = high
    }
}

/// A named line. Non-finite `y` values break the line rather than drawing to zero.
public struct LineSeries: Sendable {
    public var name: String
    public var color: RGBColor
    public var dash: String?
    public var points: [LinePoint]
    /// A reference line (a baseline or chance level the data is read against): drawn thinner, without dots,
    /// under the data, in a `<g class="reference" data-name=…>` group instead of `series`.
    public var isReference: Bool

    public init(name: String, color: RGBColor, dash: String? = nil, points: [LinePoint], isReference: Bool = false) {
        self.name = name
        self.color = color
        self.dash = dash
        self.points = points
        self.isReference = isReference
    }

    /// A horizontal reference line at `y` (with its interval as a band) across `xs`.
    public static func reference(name: String, color: RGBColor, dash: String? = nil, y: Double, low: Double? = nil,
                                 high: Double? = nil, across xs: [Double]) -> LineSeries {
        LineSeries(name: name, color: color, dash: dash,
                   points: xs.map { LinePoint(x: $0, y: y, low: low, high: high) }, isReference: true)
    }
}

/// A peak at `x` with its interval `[low, high]` (drawn as a shaded span) and a label.
public struct PeakMarker: Sendable, Equatable {
    public var x: Double
    public var low: Double?
    public var high: Double?
    public var label: String

    public init(x: Double, low: Double? = nil, high: Double? = nil, label: String) {
        self.x = x
        self.low = low
        self.high = high
        self.label = label
    }
}

/// One panel of a line chart.
public struct LinePanel: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [LineSeries]
    public var peak: PeakMarker?
    /// A fixed y range (e.g. 0...1 for a proportion); `nil` fits the data with 1-2-5 ends.
    public var yDomain: ClosedRange<Double>?
    /// Whether x ticks are whole numbers only (layers).
    public var integerX: Bool

    public init(title: String, xLabel: String, yLabel: String, series: [LineSeries], peak: PeakMarker? = nil,
                yDomain: ClosedRange<Double>? = nil, integerX: Bool = true) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.peak = peak
        self.yDomain = yDomain
        self.integerX = integerX
    }

    /// The x extent of the data (and the peak interval): axes start and end at the first and last layer.
    public var xDomain: ClosedRange<Double> {
        var values = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        if let peak { values += [peak.x, peak.low, peak.high].compactMap { $0 }.filter(\.isFinite) }
        guard let lo = values.min(), let hi = values.max() else { return 0...1 }
        return lo == hi ? (lo - 1)...(hi + 1) : lo...hi
    }

    /// The y range drawn: `yDomain` widened if data falls outside it, else the 1-2-5 range around every
    /// finite value and interval end.
    public var resolvedYDomain: ClosedRange<Double> {
        let values = series.flatMap { $0.points.flatMap { [$0.y, $0.low, $0.high].compactMap { $0 } } }
            .filter(\.isFinite)
        guard let lo = values.min(), let hi = values.max() else { return yDomain ?? 0...1 }
        if let fixed = yDomain {
            if lo >= fixed.lowerBound, hi <= fixed.upperBound { return fixed }
            return NiceTicks.niceDomain(lower: min(lo, fixed.lowerBound), upper: max(hi, fixed.upperBound))
        }
        return NiceTicks.niceDomain(lower: lo, upper: hi)
    }
}

/// Where a panel landed: its plot area and the scales mapping data to pixels.
public struct PanelLayout: Sendable {
    public let frame: PlotRect
    public let xScale: LinearScale
    public let yScale: LinearScale
}

/// A figure of line panels in a grid under one title and one shared legend.
public struct LineChart: Sendable {
    public var title: String
    public var subtitle: String?
    public var panels: [LinePanel]
    public var legend: [LegendEntry]
    public var legendTitle: String?
    public var columns: Int
    public var panelWidth: Double
    public var panelHeight: Double

    public init(title: String, subtitle: String? = nil, panels: [LinePanel], legend: [LegendEntry],
                legendTitle: String? = nil, columns: Int = 3, panelWidth: Double = 340, panelHeight: Double = 230) {
        self.title = title
        self.subtitle = subtitle
        self.panels = panels
        self.legend = legend
        self.legendTitle = legendTitle
        self.columns = max(1, columns)
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    /// Panels with a peak get a second header line for its label (centered over the peak line), so the
    /// label never collides with a long panel title or covers the data.
    private var panelTitleBand: Double { panels.contains { $0.peak != nil } ? 42 : 26 }
    /// The requested panel width, widened when a panel title (bold, left-aligned at the plot area) would run past
    /// its grid cell — into the next panel, or past the viewport edge for the last column.
    private var fittedPanelWidth: Double {
        let widest = panels.map { estimatedTextWidth($0.title, size: ChartStyle.panelTitleSize) * 1.1 }.max() ?? 0
        return max(panelWidth, widest - 18)
    }
    private var grid: PanelGrid {
        PanelGrid(panelCount: panels.count, columns: columns, panelWidth: fittedPanelWidth, panelHeight: panelHeight,
                  titleBand: panelTitleBand)
    }

    /// Total figure width in pixels.
    public var width: Double { max(grid.width, FigureHeader.minimumWidth(title: title, subtitle: subtitle)) }

    private var header: FigureHeader {
        FigureHeader(title: title, subtitle: subtitle, legend: legend, legendTitle: legendTitle, width: width)
    }

    /// Total figure height in pixels.
    public var height: Double { grid.height(headerHeight: header.height) }

    /// The plot area and scales of every panel, in panel order.
    public func layout() -> [PanelLayout] {
        let top = header.height, grid = self.grid
        return panels.enumerated().map { index, panel in
            let frame = grid.frame(index, top: top)
            let xScale = LinearScale(domain: panel.xDomain, range: (frame.x, frame.maxX))
            let yScale = LinearScale(domain: panel.resolvedYDomain, range: (frame.maxY, frame.y))
            return PanelLayout(frame: frame, xScale: xScale, yScale: yScale)
        }
    }

    /// The standalone SVG document.
    public func svg() -> String { canvas().document(title: title) }

    func canvas() -> SVGCanvas {
        var canvas = SVGCanvas(width: width.rounded(.up), height: height.rounded(.up))
        header.draw(on: &canvas)
        if panels.isEmpty { FigureHeader.drawEmptyNote(on: &canvas, top: header.height) }
        for (panel, placed) in zip(panels, layout()) {
            draw(panel, placed, on: &canvas)
        }
        return canvas
    }

    private func draw(_ panel: LinePanel, _ placed: PanelLayout, on canvas: inout SVGCanvas) {
        let frame = placed.frame, x = placed.xScale, y = placed.yScale
        canvas.beginGroup(className: "panel", data: [("title", panel.title)])
        canvas.text(panel.title, x: frame.x, y: frame.y - panelTitleBand + 17, size: ChartStyle.panelTitleSize,
                    weight: "bold", fill: ChartStyle.ink, className: "panel-title")
        let xTicks = AxesPainter.fittedTicks(for: x.domain, length: frame.width, targetCount: 6, integer: panel.integerX)
        let yTicks = AxesPainter.ticks(for: y.domain, targetCount: 5, integer: false)
        // The peak interval sits under everything else so lines stay readable across it.
        if let peak = panel.peak, let low = peak.low, let high = peak.high, low.isFinite, high.isFinite {
            let left = x(min(low, high)), right = x(max(low, high))
            canvas.rect(x: left, y: frame.y, width: max(right - left, 2), height: frame.height, fill: "#f2c14e",
                        opacity: 0.22, className: "peak-interval",
                        data: [("low", "\(low)"), ("high", "\(high)")])
        }
        AxesPainter(frame: frame, xScale: x, yScale: y, xTicks: xTicks, yTicks: yTicks, xLabel: panel.xLabel,
                    yLabel: panel.yLabel).draw(on: &canvas)
        // Reference bands first (lightest), then the data's bands, then reference lines, then data lines.
        for series in panel.series.filter(\.isReference) + panel.series.filter({ !$0.isReference }) {
            let band = series.points.compactMap { point -> (Double, Double, Double)? in
                guard let low = point.low, let high = point.high, point.x.isFinite, low.isFinite, high.isFinite
                else { return nil }
                return (point.x, low, high)
            }
            if band.count >= 2 {
                let upper = band.map { (x($0.0), y($0.2)) }
                let lower = band.reversed().map { (x($0.0), y($0.1)) }
                canvas.polygon(upper + lower, fill: series.color.hex, opacity: series.isReference ? 0.08 : 0.14,
                               className: series.isReference ? "reference-band" : "band", data: [("series", series.name)])
            }
        }
        for series in panel.series.filter(\.isReference) {
            canvas.beginGroup(className: "reference", data: [("name", series.name)])
            let points = series.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (x($0.x), y($0.y)) }
            canvas.polyline(points, stroke: series.color.hex, strokeWidth: 1.6, dash: series.dash)
            canvas.endGroup()
        }
        for series in panel.series where !series.isReference {
            canvas.beginGroup(className: "series", data: [("name", series.name)])
            var segment: [(Double, Double)] = []
            for point in series.points {
                if point.x.isFinite, point.y.isFinite {
                    segment.append((x(point.x), y(point.y)))
                } else {
                    canvas.polyline(segment, stroke: series.color.hex, strokeWidth: 2, dash: series.dash)
                    segment = []
                }
            }
            canvas.polyline(segment, stroke: series.color.hex, strokeWidth: 2, dash: series.dash)
            if series.points.count <= 40 {
                for point in series.points where point.x.isFinite && point.y.isFinite {
                    canvas.circle(cx: x(point.x), cy: y(point.y), r: 2.2, fill: series.color.hex)
                }
            }
            canvas.endGroup()
        }
        if let peak = panel.peak, peak.x.isFinite {
            let px = x(peak.x)
            canvas.line(x1: px, y1: frame.y, x2: px, y2: frame.maxY, stroke: "#b8860b", strokeWidth: 1.5,
                        dash: "5 3", className: "peak", data: [("x", "\(peak.x)")])
            let half = estimatedTextWidth(peak.label, size: ChartStyle.tickSize) / 2
            let labelX = min(max(px, frame.x + half), frame.maxX - half)
            canvas.text(peak.label, x: labelX, y: frame.y - 5, size: ChartStyle.tickSize, anchor: .middle,
                        weight: "bold", fill: "#8a6100", className: "peak-label")
        }
        canvas.endGroup()
    }
}
