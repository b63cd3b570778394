// Scatter plots in small multiples (e.g. the PCA projection at several layers), colored by group.

/// One group of points (e.g. one language's sentences), in a fixed order shared across groups so that
/// point i of every group is the same item (the same sentence in translation).
public struct ScatterSeries: Sendable {
    public var name: String
    public var color: RGBColor
    public var points: [(x: Double, y: Double)]

    public init(name: String, color: RGBColor, points: [(x: Double, y: Double)]) {
        self.name = name
        self.color = color
        self.points = points
    }
}

/// One panel: its groups, and optionally thin segments joining point i of `linkedPairs` (a, b) groups.
public struct ScatterPanel: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ScatterSeries]
    /// Pairs of series indices whose same-index points are joined (translation pairs).
    public var linkedPairs: [(Int, Int)]
    /// One data unit is as many pixels on x as on y (the panel is square, so both axes span the same range):
    /// a direction holding 99 % of the variance then shows as a line, not as a round cloud.
    public var equalScale: Bool
    /// A short text set large in the panel's top right corner (e.g. "PC1 99.9 %").
    public var annotation: String?

    public init(title: String, xLabel: String, yLabel: String, series: [ScatterSeries],
                linkedPairs: [(Int, Int)] = [], equalScale: Bool = false, annotation: String? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.linkedPairs = linkedPairs
        self.equalScale = equalScale
        self.annotation = annotation
    }

    /// 1-2-5 ranges around every finite point; with `equalScale` the narrower range is widened about its
    /// middle to the span of the wider one.
    public var domains: (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        guard let xl = points.map(\.x).min(), let xh = points.map(\.x).max(),
              let yl = points.map(\.y).min(), let yh = points.map(\.y).max()
        else { return (0...1, 0...1) }
        // 4 % padding keeps dots on the extremes from being cut in half by the frame.
        let px = (xh - xl) * 0.04, py = (yh - yl) * 0.04
        let x = NiceTicks.niceDomain(lower: xl - px, upper: xh + px)
        let y = NiceTicks.niceDomain(lower: yl - py, upper: yh + py)
        guard equalScale else { return (x, y) }
        let span = max(x.upperBound - x.lowerBound, y.upperBound - y.lowerBound)
        func widened(_ d: ClosedRange<Double>, data: (Double, Double)) -> ClosedRange<Double> {
            let width = d.upperBound - d.lowerBound
            guard width < span else { return d }
            let middle = (data.0 + data.1) / 2
            return (middle - span / 2)...(middle + span / 2)
        }
        return (widened(x, data: (xl, xh)), widened(y, data: (yl, yh)))
    }
}

/// A figure of scatter panels under one title and one legend.
public struct ScatterGrid: Sendable {
    public var title: String
    public var subtitle: String?
    public var panels: [ScatterPanel]
    public var legend: [LegendEntry]
    public var legendTitle: String?
    public var columns: Int
    public var panelSize: Double

    public init(title: String, subtitle: String? = nil, panels: [ScatterPanel], legend: [LegendEntry],
                legendTitle: String? = nil, columns: Int = 3, panelSize: Double = 260) {
        self.title = title
        self.subtitle = subtitle
        self.panels = panels
        self.legend = legend
        self.legendTitle = legendTitle
        self.columns = max(1, columns)
        self.panelSize = panelSize
    }

    private var grid: PanelGrid {
        PanelGrid(panelCount: panels.count, columns: columns, panelWidth: panelSize, panelHeight: panelSize,
                  titleBand: 26)
    }

    public var width: Double { max(grid.width, FigureHeader.minimumWidth(title: title, subtitle: subtitle)) }
    private var header: FigureHeader {
        FigureHeader(title: title, subtitle: subtitle, legend: legend, legendTitle: legendTitle, width: width)
    }
    public var height: Double { grid.height(headerHeight: header.height) }

    /// The plot area and scales of every panel, in panel order.
    public func layout() -> [PanelLayout] {
        let top = header.height, grid = self.grid
        return panels.enumerated().map { index, panel in
            let frame = grid.frame(index, top: top)
            let domains = panel.domains
            return PanelLayout(frame: frame, xScale: LinearScale(domain: domains.x, range: (frame.x, frame.maxX)),
                               yScale: LinearScale(domain: domains.y, range: (frame.maxY, frame.y)))
        }
    }

    public func svg() -> String { canvas().document(title: title) }

    func canvas() -> SVGCanvas {
        var canvas = SVGCanvas(width: width.rounded(.up), height: height.rounded(.up))
        header.draw(on: &canvas)
        if panels.isEmpty { FigureHeader.drawEmptyNote(on: &canvas, top: header.height) }
        for (panel, placed) in zip(panels, layout()) { draw(panel, placed, on: &canvas) }
        return canvas
    }

    private func draw(_ panel: ScatterPanel, _ placed: PanelLayout, on canvas: inout SVGCanvas) {
        let frame = placed.frame, x = placed.xScale, y = placed.yScale
        canvas.beginGroup(className: "panel", data: [("title", panel.title)])
        canvas.text(panel.title, x: frame.x, y: frame.y - 9, size: ChartStyle.panelTitleSize, weight: "bold",
                    fill: ChartStyle.ink, className: "panel-title")
        AxesPainter(frame: frame, xScale: x, yScale: y,
                    xTicks: AxesPainter.fittedTicks(for: x.domain, length: frame.width, targetCount: 5, integer: false),
                    yTicks: AxesPainter.ticks(for: y.domain, targetCount: 5, integer: false),
                    xLabel: panel.xLabel, yLabel: panel.yLabel).draw(on: &canvas)
        canvas.beginGroup(className: "links")
        for (a, b) in panel.linkedPairs where panel.series.indices.contains(a) && panel.series.indices.contains(b) {
            for (p, q) in zip(panel.series[a].points, panel.series[b].points)
            where p.x.isFinite && p.y.isFinite && q.x.isFinite && q.y.isFinite {
                canvas.line(x1: x(p.x), y1: y(p.y), x2: x(q.x), y2: y(q.y), stroke: "#999999", strokeWidth: 0.6,
                            opacity: 0.45)
            }
        }
        canvas.endGroup()
        // Round-robin over groups (point 0 of every group, then point 1, …) so that where groups overlap no
        // group is systematically hidden under the ones drawn after it.
        canvas.beginGroup(className: "points")
        let longest = panel.series.map(\.points.count).max() ?? 0
        for i in 0..<longest {
            for series in panel.series where i < series.points.count {
                let point = series.points[i]
                guard point.x.isFinite, point.y.isFinite else { continue }
                canvas.circle(cx: x(point.x), cy: y(point.y), r: 3, fill: series.color.hex, stroke: "#ffffff",
                              strokeWidth: 0.5, opacity: 0.85, className: "point", data: [("series", series.name)])
            }
        }
        canvas.endGroup()
        // On top of the points, on a light plate so it stays readable over a dense cloud.
        if let annotation = panel.annotation {
            let size = 19.0, width = estimatedTextWidth(annotation, size: size) * 1.1
            canvas.rect(x: frame.maxX - width - 10, y: frame.y + 3, width: width + 7, height: size + 8, fill: "#ffffff",
                        opacity: 0.8, className: "annotation-plate")
            canvas.text(annotation, x: frame.maxX - 6, y: frame.y + size + 4, size: size, anchor: .end, weight: "bold",
                        fill: "#8a6100", className: "annotation")
        }
        canvas.endGroup()
    }
}
