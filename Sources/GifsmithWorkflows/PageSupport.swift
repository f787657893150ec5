import Foundation
import GifsmithCore

/// Where an image reference points, once checked.
enum PageImageSource: Sendable, Equatable {
    case local(String)
    case remote(String)
    case inline(Data, mime: String)
}

/// Resolves image references against the page: local files only inside the page's folder.
struct PageLocator: Sendable {
    /// The page's folder (resolved through symlinks) for a local page.
    var folder: String?
    /// The page's address for a remote page.
    var pageURL: URL?

    enum Refusal: Error { case refused(String), skipped(String) }

    func resolve(_ rawSrc: String) throws(Refusal) -> PageImageSource {
        let src = rawSrc.trimmingCharacters(in: .whitespacesAndNewlines)
        if src.isEmpty { throw .skipped("empty src") }
        let lower = src.lowercased()
        if lower.hasPrefix("data:") {
            guard let comma = src.firstIndex(of: ",") else { throw .skipped("malformed data URL") }
            let header = lower[lower.index(lower.startIndex, offsetBy: 5)..<comma]
            guard header.hasSuffix(";base64"), let data = Data(base64Encoded: String(src[src.index(after: comma)...]), options: .ignoreUnknownCharacters) else {
                throw .skipped("data URL that is not Base64")
            }
            return .inline(data, mime: String(header.dropLast(7)))
        }
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return .remote(src) }
        if src.hasPrefix("//") { return .remote((pageURL?.scheme ?? "https") + ":" + src) }
        if let pageURL {
            guard let u = URL(string: src, relativeTo: pageURL)?.absoluteURL, ["http", "https"].contains(u.scheme?.lowercased() ?? "") else {
                throw .skipped("cannot resolve \(src) against the page's address")
            }
            return .remote(u.absoluteString)
        }
        guard let folder else { throw .skipped("no page folder") }
        if let colon = src.firstIndex(of: ":"), !src[..<colon].contains("/") {
            throw .refused("\(src) uses a scheme other than http(s); left alone")
        }
        if src.hasPrefix("/") || src.hasPrefix("\\") {
            throw .refused("\(src) is an absolute path; only files inside the page's folder are read; left alone")
        }
        // The query and fragment are no part of a local file's name.
        var path = src
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<q]) }
        for candidate in [path, path.removingPercentEncoding].compactMap({ $0 }) {
            var parts: [Substring] = []
            for c in candidate.split(separator: "/", omittingEmptySubsequences: true) {
                if c == "." { continue }
                if c == ".." {
                    if parts.isEmpty { throw .refused("\(src) escapes the page's folder; left alone") }
                    parts.removeLast()
                    continue
                }
                parts.append(c)
            }
            let full = folder + "/" + parts.joined(separator: "/")
            guard FileManager.default.fileExists(atPath: full) else { continue }
            // A symlink inside the folder may still point outside it.
            let real = (full as NSString).resolvingSymlinksInPath
            guard real == folder || real.hasPrefix(folder + "/") else {
                throw .refused("\(src) leads outside the page's folder (through a link); left alone")
            }
            return .local(real)
        }
        throw .skipped("\(src) does not exist")
    }
}

enum PageNames {
    /// A file name stem from an image's address: letters and digits kept, the rest '_'.
    static func stem(_ src: String) -> String {
        var s = src
        if let q = s.firstIndex(where: { $0 == "?" || $0 == "#" }) { s = String(s[..<q]) }
        if s.lowercased().hasPrefix("data:") { return "inline" }
        var last = String(s.split(separator: "/").last ?? "image")
        last = last.removingPercentEncoding ?? last
        if let dot = last.lastIndex(of: "."), dot != last.startIndex { last = String(last[..<dot]) }
        var out = ""
        for ch in last.prefix(60) {
            out.append(ch.isLetter || ch.isNumber || ch == "-" || ch == "_" ? ch : "_")
        }
        return out.isEmpty ? "image" : out
    }

    /// The extension for the copy of the original, from its bytes when they say.
    static func ext(_ bytes: [UInt8], src: String) -> String {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "png" }
        if bytes.starts(with: [0xFF, 0xD8]) { return "jpg" }
        if bytes.starts(with: Array("GIF8".utf8)) { return "gif" }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "webp" }
        if bytes.starts(with: Array("BM".utf8)) { return "bmp" }
        var s = src
        if let q = s.firstIndex(where: { $0 == "?" || $0 == "#" }) { s = String(s[..<q]) }
        let e = (s as NSString).pathExtension.lowercased()
        return !e.isEmpty && e.count <= 5 && e.allSatisfy({ $0.isLetter || $0.isNumber }) ? e : "img"
    }
}
