import CLibXML2
import Foundation

/// One image reference in a page's text, with the byte ranges to rewrite in place.
struct PageImageRef: Sendable {
    /// The image's address as written, entities and escapes decoded.
    var src: String
    /// Byte range of the raw `src` value (or Markdown destination) in the page.
    var srcRange: Range<Int>
    /// Byte range of the raw `srcset` value, rewritten too (it would win over `src` in a browser).
    var srcsetRange: Range<Int>?
    /// The largest candidate of `srcset`, when it names one.
    var srcsetLargest: String?
    /// Lower-cased attribute names to decoded values (class, id, alt, width, height, ...);
    /// for Markdown images only "alt".
    var attributes: [String: String]
    /// 1-based line of the reference, for messages.
    var line: Int
}

/// Finds image references in HTML and Markdown without changing a byte of the text.
enum PageParser {
    /// `<img>` elements of an HTML page. libxml2's HTML parser decides which `<img>` elements
    /// the page really holds (not in comments, scripts, or broken markup it repairs); a raw tag
    /// scan of the same bytes gives their exact byte ranges. The two are matched in document
    /// order by `src`; an element the scan cannot place is reported through `unplaced`.
    static func html(_ bytes: [UInt8], unplaced: (String) -> Void = { _ in }) -> [PageImageRef] {
        let parsed = LibXMLImages.imgSources(bytes)
        let raw = RawHTMLScanner.imgTags(bytes, in: 0..<bytes.count)
        var out: [PageImageRef] = []
        var j = 0
        for src in parsed {
            if let k = raw[j...].firstIndex(where: { $0.src == src }) {
                out.append(raw[k])
                j = k + 1
            } else {
                unplaced(src)
            }
        }
        return out
    }

    /// Markdown images: `![alt](src "title")` and inline `<img>` tags, outside code spans,
    /// fenced code blocks and HTML comments. Reference-style images are not rewritten.
    static func markdown(_ bytes: [UInt8]) -> [PageImageRef] {
        MarkdownScanner(bytes).scan()
    }
}

/// libxml2's view of the page: the `src` of every `<img>` in document order.
enum LibXMLImages {
    static func imgSources(_ bytes: [UInt8]) -> [String] {
        xmlInitParser()
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOBLANKS.rawValue)
        // Without a declared charset libxml2 assumes Latin-1; pages written today are UTF-8.
        let encoding: String? = String(validating: bytes, as: UTF8.self) != nil ? "UTF-8" : nil
        let doc: htmlDocPtr? = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, buf.count)) { p in
                if let encoding { return htmlReadMemory(p, Int32(buf.count), "page.html", encoding, options) }
                return htmlReadMemory(p, Int32(buf.count), "page.html", nil, options)
            }
        }
        guard let doc else { return [] }
        defer { xmlFreeDoc(doc) }
        var out: [String] = []
        // Iterative walk: pages can nest deeply enough to make recursion a risk.
        var stack: [xmlNodePtr] = []
        if let root = xmlDocGetRootElement(doc) { stack.append(root) }
        while let node = stack.popLast() {
            if node.pointee.type == XML_ELEMENT_NODE, name(node.pointee.name).lowercased() == "img" {
                out.append(attribute(node, "src") ?? "")
            }
            var children: [xmlNodePtr] = []
            var c = node.pointee.children
            while let child = c {
                children.append(child)
                c = child.pointee.next
            }
            stack.append(contentsOf: children.reversed())
        }
        return out
    }

    static func name(_ p: UnsafePointer<xmlChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    /// An attribute's decoded value, read from its text children (no allocation to free).
    static func attribute(_ node: xmlNodePtr, _ wanted: String) -> String? {
        var a = node.pointee.properties
        while let attr = a {
            if name(attr.pointee.name).lowercased() == wanted {
                var value = ""
                var t = attr.pointee.children
                while let text = t {
                    if let c = text.pointee.content { value += String(cString: c) }
                    t = text.pointee.next
                }
                return value
            }
            a = attr.pointee.next
        }
        return nil
    }
}

/// A raw HTML tokenizer just good enough to find start tags and their attribute byte ranges:
/// comments, `<!...>`, `<?...>`, end tags and raw-text elements (script, style, ...) are skipped.
enum RawHTMLScanner {
    static let rawText: Set<String> = ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"]

    struct Tag {
        var name: String
        /// (lower-cased name, raw value range) in source order; a value-less attribute has an empty range.
        var attributes: [(name: String, value: Range<Int>)]
        var end: Int
    }

    static func imgTags(_ b: [UInt8], in range: Range<Int>) -> [PageImageRef] {
        var out: [PageImageRef] = []
        var i = range.lowerBound
        while i < range.upperBound {
            guard b[i] == UInt8(ascii: "<") else { i += 1; continue }
            if let (tag, next) = startTag(b, at: i, limit: range.upperBound) {
                if tag.name == "img", let ref = imageRef(b, tag, at: i) { out.append(ref) }
                i = next
            } else {
                i = skipNonTag(b, at: i, limit: range.upperBound)
            }
        }
        return out
    }

    /// Past a comment, declaration, processing instruction or end tag at `i` (a `<`); a bare
    /// `<` is text.
    static func skipNonTag(_ b: [UInt8], at i: Int, limit: Int) -> Int {
        if has(b, i, "<!--", limit) {
            if let e = find(b, "-->", from: i + 4, limit: limit) { return e + 3 }
            return limit
        }
        if i + 1 < limit, b[i + 1] == UInt8(ascii: "!") || b[i + 1] == UInt8(ascii: "?") || b[i + 1] == UInt8(ascii: "/") {
            if let e = b[(i + 1)..<limit].firstIndex(of: UInt8(ascii: ">")) { return e + 1 }
            return limit
        }
        return i + 1
    }

    /// Parses the start tag at `i` (a `<` followed by a letter). Returns it and the index after
    /// it (after the raw text of a raw-text element), or nil when `i` does not start one.
    static func startTag(_ b: [UInt8], at i: Int, limit: Int) -> (Tag, Int)? {
        guard i + 1 < limit, isLetter(b[i + 1]) else { return nil }
        var j = i + 1
        while j < limit, !isSpace(b[j]), b[j] != UInt8(ascii: ">"), b[j] != UInt8(ascii: "/") { j += 1 }
        let name = String(decoding: b[(i + 1)..<j], as: UTF8.self).lowercased()
        var attrs: [(String, Range<Int>)] = []
        while true {
            while j < limit, isSpace(b[j]) || b[j] == UInt8(ascii: "/") { j += 1 }
            guard j < limit else { return nil }
            if b[j] == UInt8(ascii: ">") { j += 1; break }
            let ns = j
            j += 1  // an attribute name may start with '=' in HTML5's tokenizer
            while j < limit, !isSpace(b[j]), b[j] != UInt8(ascii: ">"), b[j] != UInt8(ascii: "/"), b[j] != UInt8(ascii: "=") { j += 1 }
            let an = String(decoding: b[ns..<j], as: UTF8.self).lowercased()
            var k = j
            while k < limit, isSpace(b[k]) { k += 1 }
            guard k < limit, b[k] == UInt8(ascii: "=") else {
                attrs.append((an, j..<j))
                continue
            }
            k += 1
            while k < limit, isSpace(b[k]) { k += 1 }
            guard k < limit else { return nil }
            if b[k] == UInt8(ascii: "\"") || b[k] == UInt8(ascii: "'") {
                guard let e = b[(k + 1)..<limit].firstIndex(of: b[k]) else { return nil }
                attrs.append((an, (k + 1)..<e))
                j = e + 1
            } else {
                var e = k
                while e < limit, !isSpace(b[e]), b[e] != UInt8(ascii: ">") { e += 1 }
                attrs.append((an, k..<e))
                j = e
            }
        }
        var next = j
        if rawText.contains(name) {
            // Skip to the matching end tag: its content is text, not markup.
            var s = j
            next = limit
            while let lt = find(b, "</", from: s, limit: limit) {
                if hasCaseless(b, lt + 2, name, limit) { next = lt; break }
                s = lt + 2
            }
        }
        return (Tag(name: name, attributes: attrs, end: j), next)
    }

    static func imageRef(_ b: [UInt8], _ tag: Tag, at start: Int) -> PageImageRef? {
        var attributes: [String: String] = [:]
        var srcRange: Range<Int>?
        var srcsetRange: Range<Int>?
        for (n, r) in tag.attributes where attributes[n] == nil {  // the first of a repeated attribute wins, as in browsers
            attributes[n] = decodeEntities(String(decoding: b[r], as: UTF8.self))
            if n == "src" { srcRange = r }
            if n == "srcset" { srcsetRange = r }
        }
        guard let srcRange else { return nil }
        let line = b[..<start].reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
        return PageImageRef(src: attributes["src"] ?? "", srcRange: srcRange, srcsetRange: srcsetRange,
                            srcsetLargest: attributes["srcset"].flatMap(largestCandidate), attributes: attributes, line: line)
    }

    /// The candidate of a `srcset` with the largest width (`640w`) or density (`2x`) descriptor.
    static func largestCandidate(_ srcset: String) -> String? {
        var best: (url: String, score: Int)?
        for part in srcset.split(separator: ",") {
            let fields = part.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            guard let url = fields.first else { continue }
            var score = 1
            if fields.count > 1 {
                let d = fields[1].lowercased()
                if d.hasSuffix("w"), let w = Int(d.dropLast()) { score = w }
                // Densities compare among themselves; 1000x keeps "2x" above any plain candidate.
                else if d.hasSuffix("x"), let x = Double(d.dropLast()) { score = Int(x * 1000) }
            }
            if best == nil || score > best!.score { best = (String(url), score) }
        }
        return best?.url
    }

    /// The character references pages use in attribute values; others are left as written.
    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        let named: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}"]
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let semi = s[i...].prefix(12).firstIndex(of: ";") {
                let body = s[s.index(after: i)..<semi]
                var decoded: String?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    decoded = UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if body.hasPrefix("#") {
                    decoded = UInt32(body.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                } else {
                    decoded = named[String(body)]
                }
                if let decoded {
                    out += decoded
                    i = s.index(after: semi)
                    continue
                }
            }
            out.append(s[i])
            i = s.index(after: i)
        }
        return out
    }

    static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
    static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 12 || c == 13 }

    static func has(_ b: [UInt8], _ i: Int, _ s: String, _ limit: Int) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= limit && Array(b[i..<(i + u.count)]) == u
    }

    static func hasCaseless(_ b: [UInt8], _ i: Int, _ s: String, _ limit: Int) -> Bool {
        let u = Array(s.utf8)
        guard i + u.count <= limit else { return false }
        for k in 0..<u.count where (b[i + k] | 0x20) != (u[k] | 0x20) { return false }
        let after = i + u.count
        return after >= limit || isSpace(b[after]) || b[after] == UInt8(ascii: ">") || b[after] == UInt8(ascii: "/")
    }

    static func find(_ b: [UInt8], _ s: String, from: Int, limit: Int) -> Int? {
        let u = Array(s.utf8)
        var i = from
        while i + u.count <= limit {
            if b[i] == u[0], has(b, i, s, limit) { return i }
            i += 1
        }
        return nil
    }
}

/// Markdown image syntax, scanned byte by byte; the text itself is never rewritten here.
struct MarkdownScanner {
    let b: [UInt8]
    init(_ b: [UInt8]) { self.b = b }

    func scan() -> [PageImageRef] {
        var out: [PageImageRef] = []
        var i = 0
        var line = 1
        var atLineStart = true
        while i < b.count {
            let c = b[i]
            if atLineStart, let end = fencedBlockEnd(at: i) {
                line += b[i..<end].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                i = end
                continue
            }
            atLineStart = false
            switch c {
            case 10:
                line += 1
                atLineStart = true
                i += 1
            case UInt8(ascii: "\\"):
                i += 2
            case UInt8(ascii: "`"):
                i = codeSpanEnd(at: i)
            case UInt8(ascii: "<"):
                if RawHTMLScanner.has(b, i, "<!--", b.count) {
                    let e = RawHTMLScanner.find(b, "-->", from: i + 4, limit: b.count).map { $0 + 3 } ?? b.count
                    line += b[i..<e].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                    i = e
                } else if let (tag, next) = RawHTMLScanner.startTag(b, at: i, limit: b.count), tag.name == "img" {
                    if var ref = RawHTMLScanner.imageRef(b, tag, at: i) {
                        ref.line = line
                        out.append(ref)
                    }
                    line += b[i..<next].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                    i = next
                } else {
                    i += 1
                }
            case UInt8(ascii: "!") where i + 1 < b.count && b[i + 1] == UInt8(ascii: "["):
                if let (ref, next) = inlineImage(at: i, line: line) {
                    out.append(ref)
                    i = next
                } else {
                    i += 2
                }
            default:
                i += 1
            }
        }
        return out
    }

    /// The index after a fenced code block opening at `i` (up to 3 spaces, then ``` or ~~~), or nil.
    func fencedBlockEnd(at start: Int) -> Int? {
        var i = start
        var indent = 0
        while i < b.count, b[i] == 32, indent < 4 { i += 1; indent += 1 }
        guard indent < 4, i < b.count, b[i] == UInt8(ascii: "`") || b[i] == UInt8(ascii: "~") else { return nil }
        let fence = b[i]
        var n = 0
        while i < b.count, b[i] == fence { i += 1; n += 1 }
        guard n >= 3 else { return nil }
        // The block ends at a line holding a fence of the same character at least as long.
        while let nl = b[i...].firstIndex(of: 10) {
            var k = nl + 1
            var sp = 0
            while k < b.count, b[k] == 32, sp < 4 { k += 1; sp += 1 }
            var m = 0
            while k < b.count, b[k] == fence { k += 1; m += 1 }
            if sp < 4, m >= n {
                while k < b.count, b[k] != 10 { k += 1 }
                return k
            }
            i = nl + 1
        }
        return b.count
    }

    /// Past a code span opening at `i` (a run of backticks closed by a run of the same length);
    /// an unclosed run is literal text.
    func codeSpanEnd(at start: Int) -> Int {
        var i = start
        while i < b.count, b[i] == UInt8(ascii: "`") { i += 1 }
        let n = i - start
        var k = i
        while k < b.count {
            if b[k] == UInt8(ascii: "`") {
                var m = 0
                while k < b.count, b[k] == UInt8(ascii: "`") { k += 1; m += 1 }
                if m == n { return k }
            } else {
                k += 1
            }
        }
        return i
    }

    /// `![alt](dest "title")` at `i`: the destination's byte range (inside `<...>` when bracketed).
    func inlineImage(at start: Int, line: Int) -> (PageImageRef, Int)? {
        var i = start + 2
        var depth = 1
        while i < b.count {
            if b[i] == UInt8(ascii: "\\") { i += 2; continue }
            if b[i] == UInt8(ascii: "[") { depth += 1 }
            if b[i] == UInt8(ascii: "]") { depth -= 1; if depth == 0 { break } }
            i += 1
        }
        guard i < b.count, i + 1 < b.count, b[i + 1] == UInt8(ascii: "(") else { return nil }
        let alt = String(decoding: b[(start + 2)..<i], as: UTF8.self)
        var k = i + 2
        while k < b.count, b[k] == 32 || b[k] == 9 || b[k] == 10 { k += 1 }
        let range: Range<Int>
        if k < b.count, b[k] == UInt8(ascii: "<") {
            guard let e = b[(k + 1)...].firstIndex(where: { $0 == UInt8(ascii: ">") || $0 == 10 }), b[e] == UInt8(ascii: ">") else { return nil }
            range = (k + 1)..<e
            k = e + 1
        } else {
            var parens = 0
            let s = k
            while k < b.count, b[k] > 32 {
                if b[k] == UInt8(ascii: "\\") { k += 2; continue }
                if b[k] == UInt8(ascii: "(") { parens += 1 }
                if b[k] == UInt8(ascii: ")") { if parens == 0 { break }; parens -= 1 }
                k += 1
            }
            k = min(k, b.count)
            range = s..<k
        }
        // An optional title, then the closing parenthesis.
        while k < b.count, b[k] != UInt8(ascii: ")") {
            if b[k] == UInt8(ascii: "\"") || b[k] == UInt8(ascii: "'") {
                guard let e = b[(k + 1)...].firstIndex(of: b[k]) else { return nil }
                k = e + 1
            } else if b[k] == 32 || b[k] == 9 || b[k] == 10 {
                k += 1
            } else {
                return nil
            }
        }
        guard k < b.count, !range.isEmpty else { return nil }
        let src = unescape(String(decoding: b[range], as: UTF8.self))
        return (PageImageRef(src: src, srcRange: range, srcsetRange: nil, srcsetLargest: nil, attributes: ["alt": alt], line: line), k + 1)
    }

    /// Markdown backslash escapes of ASCII punctuation.
    func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var escaped = false
        for ch in s {
            if !escaped, ch == "\\" { escaped = true; continue }
            if escaped, !(ch.isASCII && ch.isPunctuation || ch.isASCII && ch.isSymbol) { out.append("\\") }
            out.append(ch)
            escaped = false
        }
        return out
    }
}
