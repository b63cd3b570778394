// A minimal SVG 1.1 writer: the few elements the charts need, with every attribute and text XML-escaped.
import Foundation

extension String {
    /// The string with the five XML special characters replaced by entities (XML 1.0 §2.4), and the
    /// control characters XML 1.0 forbids (everything below U+0020 but tab, newline, return) dropped,
    /// so any user-supplied label yields well-formed SVG/HTML.
    public var xmlEscaped: String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Formats a coordinate with at most two decimals (sub-pixel precision is invisible and bloats files).
func _coordinate(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let rounded = (value * 100).rounded() / 100
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    return String(format: "%.2f", rounded)
}

/// Text anchoring of SVG `<text>` (`text-anchor`).
public enum TextAnchor: String, Sendable {
    case start, middle, end
}

/// Accumulates SVG elements and serializes a standalone document with a fixed size and a viewBox.
public struct SVGCanvas: Sendable {
    /// Document width and height in CSS pixels (also the viewBox).
    public let width: Double
    public let height: Double
    private var body: [String] = []
    private var openGroups = 0

    /// The font stack: DejaVu Sans ships with Debian (and Chromium there); the others cover other systems.
    public static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    private static func attributes(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { " \(name)=\"\($0.xmlEscaped)\"" } }.joined()
    }

    /// Opens `<g>` with optional class, transform and `data-*` attributes (tests and readers key on `class`).
    public mutating func beginGroup(className: String? = nil, transform: String? = nil,
                                    data: [(String, String)] = [], shapeRendering: String? = nil) {
        var pairs: [(String, String?)] = [("class", className), ("transform", transform),
                                          ("shape-rendering", shapeRendering)]
        pairs += data.map { ("data-\($0.0)", $0.1) }
        body.append("<g\(Self.attributes(pairs))>")
        openGroups += 1
    }

    /// Appends markup that the caller has already escaped (only used for `<defs>` built here).
    mutating func appendRaw(_ markup: String) { body.append(markup) }

    public mutating func endGroup() {
        guard openGroups > 0 else { return }
        body.append("</g>")
        openGroups -= 1
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, strokeWidth: Double? = nil, opacity: Double? = nil,
                              className: String? = nil, data: [(String, String)] = [], title: String? = nil) {
        var pairs: [(String, String?)] = [
            ("class", className), ("x", _coordinate(x)), ("y", _coordinate(y)),
            ("width", _coordinate(max(0, width))), ("height", _coordinate(max(0, height))), ("fill", fill),
            ("stroke", stroke), ("stroke-width", strokeWidth.map(_coordinate)),
            ("fill-opacity", opacity.map { String(format: "%.3g", $0) }),
        ]
        pairs += data.map { ("data-\($0.0)", $0.1) }
        if let title {
            body.append("<rect\(Self.attributes(pairs))><title>\(title.xmlEscaped)</title></rect>")
        } else {
            body.append("<rect\(Self.attributes(pairs))/>")
        }
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
                              strokeWidth: Double = 1, dash: String? = nil, opacity: Double? = nil,
                              className: String? = nil, data: [(String, String)] = []) {
        var pairs: [(String, String?)] = [
            ("class", className), ("x1", _coordinate(x1)), ("y1", _coordinate(y1)),
            ("x2", _coordinate(x2)), ("y2", _coordinate(y2)), ("stroke", stroke),
            ("stroke-width", _coordinate(strokeWidth)), ("stroke-dasharray", dash),
            ("stroke-opacity", opacity.map { String(format: "%.3g", $0) }),
        ]
        pairs += data.map { ("data-\($0.0)", $0.1) }
        body.append("<line\(Self.attributes(pairs))/>")
    }

    /// An open polyline through `points` (already in pixel coordinates).
    public mutating func polyline(_ points: [(Double, Double)], stroke: String, strokeWidth: Double = 1.5,
                                  dash: String? = nil, className: String? = nil, data: [(String, String)] = []) {
        guard !points.isEmpty else { return }
        let coordinates = points.map { "\(_coordinate($0.0)),\(_coordinate($0.1))" }.joined(separator: " ")
        var pairs: [(String, String?)] = [
            ("class", className), ("points", coordinates), ("fill", "none"), ("stroke", stroke),
            ("stroke-width", _coordinate(strokeWidth)), ("stroke-dasharray", dash),
            ("stroke-linejoin", "round"), ("stroke-linecap", "round"),
        ]
        pairs += data.map { ("data-\($0.0)", $0.1) }
        body.append("<polyline\(Self.attributes(pairs))/>")
    }

    /// A closed filled polygon (used for confidence bands).
    public mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double,
                                 className: String? = nil, data: [(String, String)] = []) {
        guard points.count >= 3 else { return }
        let coordinates = points.map { "\(_coordinate($0.0)),\(_coordinate($0.1))" }.joined(separator: " ")
        var pairs: [(String, String?)] = [
            ("class", className), ("points", coordinates), ("fill", fill),
            ("fill-opacity", String(format: "%.3g", opacity)), ("stroke", "none"),
        ]
        pairs += data.map { ("data-\($0.0)", $0.1) }
        body.append("<polygon\(Self.attributes(pairs))/>")
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil,
                                strokeWidth: Double? = nil, opacity: Double? = nil, className: String? = nil,
                                data: [(String, String)] = []) {
        var pairs: [(String, String?)] = [
            ("class", className), ("cx", _coordinate(cx)), ("cy", _coordinate(cy)), ("r", _coordinate(r)),
            ("fill", fill), ("stroke", stroke), ("stroke-width", strokeWidth.map(_coordinate)),
            ("fill-opacity", opacity.map { String(format: "%.3g", $0) }),
        ]
        pairs += data.map { ("data-\($0.0)", $0.1) }
        body.append("<circle\(Self.attributes(pairs))/>")
    }

    /// Real SVG text (selectable, searchable, scales without blurring); `rotation` in degrees about (x, y).
    public mutating func text(_ content: String, x: Double, y: Double, size: Double = 12,
                              anchor: TextAnchor = .start, weight: String? = nil, fill: String = "#222222",
                              rotation: Double? = nil, className: String? = nil, baseline: String? = nil) {
        let pairs: [(String, String?)] = [
            ("class", className), ("x", _coordinate(x)), ("y", _coordinate(y)),
            ("font-size", _coordinate(size)), ("text-anchor", anchor == .start ? nil : anchor.rawValue),
            ("font-weight", weight), ("fill", fill), ("dominant-baseline", baseline),
            ("transform", rotation.map { "rotate(\(_coordinate($0)) \(_coordinate(x)) \(_coordinate(y)))" }),
        ]
        body.append("<text\(Self.attributes(pairs))>\(content.xmlEscaped)</text>")
    }

    /// The standalone document: XML declaration, `width`/`height`/`viewBox`, a white background and a
    /// `<title>` element (what screen readers and browser tabs show).
    public func document(title: String) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += inlineSVG(title: title)
        return out
    }

    /// The `<svg>` element alone, for embedding in HTML.
    public func inlineSVG(title: String) -> String {
        let w = _coordinate(width), h = _coordinate(height)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" "
        out += "viewBox=\"0 0 \(w) \(h)\" font-family=\"\(Self.fontFamily)\" role=\"img\">\n"
        out += "<title>\(title.xmlEscaped)</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>\n"
        out += body.joined(separator: "\n")
        out += String(repeating: "\n</g>", count: openGroups)
        out += "\n</svg>\n"
        return out
    }
}

/// Approximate rendered width of `text` at `size` px in DejaVu Sans (mean advance ≈ 0.6 em for Latin;
/// CJK glyphs are full-width, 1 em), used to lay out legends and margins without a font engine.
public func estimatedTextWidth(_ text: String, size: Double) -> Double {
    var em = 0.0
    for scalar in text.unicodeScalars {
        let v = scalar.value
        if (0x1100...0x11FF).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) {
            em += 1.0
        } else if "ilj.,:;'|!".unicodeScalars.contains(scalar) {
            em += 0.32
        } else if scalar.properties.isUppercase || "mwMW".unicodeScalars.contains(scalar) {
            em += 0.72
        } else {
            em += 0.6
        }
    }
    return em * size
}

extension SVGCanvas {
    /// A `<linearGradient>` definition (`x1,y1 → x2,y2` in bounding-box units) referenced as `url(#id)`.
    public mutating func linearGradient(id: String, stops: [(offset: Double, color: RGBColor)],
                                        vertical: Bool) {
        let direction = vertical ? "x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\"" : "x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\""
        var out = "<defs><linearGradient id=\"\(id.xmlEscaped)\" \(direction)>"
        for stop in stops {
            out += "<stop offset=\"\(String(format: "%.4f", stop.offset))\" stop-color=\"\(stop.color.hex)\"/>"
        }
        out += "</linearGradient></defs>"
        appendRaw(out)
    }
}
