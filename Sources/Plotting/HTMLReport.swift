// A self-contained HTML page: inline SVG figures, tables and settings, no network resources.

/// One block of report content.
public enum ReportBlock: Sendable {
    /// A paragraph of plain text (escaped).
    case paragraph(String)
    /// An SVG document or element, inlined (its XML declaration is dropped).
    case figure(svg: String, caption: String?)
    /// A table; `highlightedRows` are drawn emphasized (e.g. the peak). A cell's text after a newline is set
    /// as a small second line.
    case table(headers: [String], rows: [[String]], highlightedRows: Set<Int>)
    /// Key–value pairs (the run's settings).
    case definitions([(String, String)])
}

/// A titled group of blocks.
public struct ReportSection: Sendable {
    public var heading: String
    public var blocks: [ReportBlock]

    public init(heading: String, blocks: [ReportBlock]) {
        self.heading = heading
        self.blocks = blocks
    }
}

/// An HTML5 page with inline CSS and inline SVG only: it opens from disk with no network access (no
/// external stylesheet, script, font or image).
public struct HTMLReport: Sendable {
    public var title: String
    public var summary: String?
    public var sections: [ReportSection]

    public init(title: String, summary: String? = nil, sections: [ReportSection]) {
        self.title = title
        self.summary = summary
        self.sections = sections
    }

    private static let css = """
        body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#222;margin:0;background:#fafafa}
        main{max-width:1340px;margin:0 auto;padding:24px 32px;background:#fff}
        h1{font-size:26px;margin:0 0 8px}h2{font-size:20px;margin:32px 0 12px;border-bottom:1px solid #ddd;padding-bottom:4px}
        p.summary{font-size:15px;color:#444}
        figure{margin:16px 0;overflow-x:auto}figure svg{max-width:100%;height:auto}
        figcaption{font-size:13px;color:#555;margin-top:4px}
        div.table{overflow-x:auto}table{border-collapse:collapse;font-size:13px;margin:8px 0}
        th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;white-space:nowrap}td.wrap{white-space:normal;text-align:left}td small{color:#666;font-size:11px}th{background:#f0f0f0}
        td:first-child,th:first-child{text-align:left}tr.highlight td{background:#fff4d6;font-weight:bold}
        dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;font-size:14px}
        dt{font-weight:bold}dd{margin:0;font-family:"DejaVu Sans Mono",monospace;word-break:break-all}
        """

    /// The page.
    public func html() -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>\(title.xmlEscaped)</title>\n<style>\n\(Self.css)\n</style>\n</head>\n<body>\n<main>\n"
        out += "<h1>\(title.xmlEscaped)</h1>\n"
        if let summary { out += "<p class=\"summary\">\(summary.xmlEscaped)</p>\n" }
        for section in sections {
            out += "<section>\n<h2>\(section.heading.xmlEscaped)</h2>\n"
            for block in section.blocks { out += Self.render(block) }
            out += "</section>\n"
        }
        out += "</main>\n</body>\n</html>\n"
        return out
    }

    private static func render(_ block: ReportBlock) -> String {
        switch block {
        case .paragraph(let text):
            return "<p>\(text.xmlEscaped)</p>\n"
        case .figure(let svg, let caption):
            var element = svg
            if element.hasPrefix("<?xml"), let end = element.range(of: "?>") {
                element = String(element[end.upperBound...])
            }
            var out = "<figure>\n\(element.trimmingWhitespace())\n"
            if let caption { out += "<figcaption>\(caption.xmlEscaped)</figcaption>\n" }
            return out + "</figure>\n"
        case .table(let headers, let rows, let highlighted):
            var out = "<div class=\"table\"><table>\n<thead><tr>"
            out += headers.map { "<th>\($0.xmlEscaped)</th>" }.joined()
            out += "</tr></thead>\n<tbody>\n"
            for (index, row) in rows.enumerated() {
                out += highlighted.contains(index) ? "<tr class=\"highlight\">" : "<tr>"
                // Long prose cells (definitions) wrap; numbers stay on one line.
                out += row.map(Self.cell).joined()
                out += "</tr>\n"
            }
            return out + "</tbody>\n</table></div>\n"
        case .definitions(let pairs):
            var out = "<dl>\n"
            for (key, value) in pairs { out += "<dt>\(key.xmlEscaped)</dt><dd>\(value.xmlEscaped)</dd>\n" }
            return out + "</dl>\n"
        }
    }
}

extension HTMLReport {
    /// A table cell: long prose wraps, numbers stay on one line; a second line (after "\n") is set small
    /// under the first (an interval under its estimate keeps wide tables narrow).
    static func cell(_ text: String) -> String {
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var content = lines[0].xmlEscaped
        if lines.count > 1 { content += "<br><small>\(lines[1].xmlEscaped)</small>" }
        return text.count > 60 ? "<td class=\"wrap\">\(content)</td>" : "<td>\(content)</td>"
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
