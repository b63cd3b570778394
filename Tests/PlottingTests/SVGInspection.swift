// Reads the charts' SVG back as XML, the way a browser would, to check what was drawn.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One element of a parsed document: name, attributes, the text directly inside it, and its ancestors' classes.
struct ParsedElement {
    let name: String
    let attributes: [String: String]
    var text: String
    let ancestorClasses: [String]
    /// The attributes of the enclosing elements, innermost last.
    let ancestorAttributes: [[String: String]]

    var className: String? { attributes["class"] }
    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
}

/// Parses XML; `nil` when it is not well-formed.
final class SVGInspection: NSObject, XMLParserDelegate {
    private(set) var elements: [ParsedElement] = []
    private var stack: [Int] = []

    static func parse(_ text: String) -> SVGInspection? {
        let inspection = SVGInspection()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = inspection
        return parser.parse() ? inspection : nil
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        let classes = stack.compactMap { elements[$0].className }
        elements.append(ParsedElement(name: elementName, attributes: attributeDict, text: "", ancestorClasses: classes,
                                      ancestorAttributes: stack.map { elements[$0].attributes }))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let top = stack.last { elements[top].text += string }
    }

    /// Elements drawn inside the `<g class="series" data-name=name>` group.
    func seriesElements(_ name: String, element: String) -> [ParsedElement] {
        elements(named: element).filter { element in
            element.ancestorAttributes.contains { $0["class"] == "series" && $0["data-name"] == name }
        }
    }

    func elements(named name: String, class className: String? = nil) -> [ParsedElement] {
        elements.filter { $0.name == name && (className == nil || $0.className == className) }
    }
}
