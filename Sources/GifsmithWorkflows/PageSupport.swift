import Foundation

/// SHA-256 (FIPS 180-4), for the animate-page cache keys. Foundation on Linux has no digest API.
enum SHA256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func hex(_ data: [UInt8]) -> String {
        digest(data).map { String(format: "%02x", $0) }.joined()
    }

    static func digest(_ data: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var msg = data
        let bitLength = UInt64(data.count) &* 8
        msg.append(0x80)
        while msg.count % 64 != 56 { msg.append(0) }
        for s in stride(from: 56, through: 0, by: -8) { msg.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(s))) }
        var w = [UInt32](repeating: 0, count: 64)
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        for chunk in stride(from: 0, to: msg.count, by: 64) {
            for t in 0..<16 {
                let o = chunk + 4 * t
                w[t] = UInt32(msg[o]) << 24 | UInt32(msg[o + 1]) << 16 | UInt32(msg[o + 2]) << 8 | UInt32(msg[o + 3])
            }
            for t in 16..<64 {
                let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1  // modulo 2^32 by definition
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for t in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
            h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
        }
        return h.flatMap { v in [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    }
}

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
