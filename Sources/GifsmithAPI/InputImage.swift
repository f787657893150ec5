import Foundation

/// An image checked against the video models' documented limits before it is uploaded
/// (Kling: JPEG or PNG, at most 10 MB, each side at least 300 px, aspect within 1:2.5–2.5:1).
public struct InputImage: Sendable, Equatable {
    public enum Format: String, Sendable { case png, jpeg }
    public let path: String
    public let format: Format
    public let width: Int
    public let height: Int
    public let bytes: Data

    public static let maxBytes = 10 << 20
    public static let minSide = 300

    /// Reads and checks `path`. The format comes from the bytes, never the extension.
    public init(path: String, minSide: Int = InputImage.minSide, maxBytes: Int = InputImage.maxBytes) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw APIError(.invalidInput, "image \(path) does not exist") }
        guard let data = FileManager.default.contents(atPath: path) else { throw APIError(.invalidInput, "cannot read image \(path)") }
        guard data.count <= maxBytes else {
            throw APIError(.invalidInput, "image \(path) is \(data.count) bytes; the video model takes at most \(maxBytes) (10 MB)")
        }
        guard let (format, w, h) = InputImage.sniff(data) else {
            throw APIError(.invalidInput, "image \(path) is not a PNG or JPEG file (the video model takes only those; convert it first)")
        }
        guard w >= minSide, h >= minSide else {
            throw APIError(.invalidInput, "image \(path) is \(w)x\(h); each side must be at least \(minSide) px")
        }
        // 1:2.5 ... 2.5:1 without fractions: 2 * long <= 5 * short.
        guard 2 * max(w, h) <= 5 * min(w, h) else {
            throw APIError(.invalidInput, "image \(path) is \(w)x\(h); its aspect ratio must lie between 1:2.5 and 2.5:1")
        }
        self.path = path
        self.format = format
        self.width = w
        self.height = h
        self.bytes = data
    }

    public var mimeType: String { format == .png ? "image/png" : "image/jpeg" }

    /// `data:image/png;base64,...`, accepted by every endpoint in place of a URL.
    public var dataURL: String { "data:\(mimeType);base64,\(bytes.base64EncodedString())" }

    /// Format and size from the header: PNG's IHDR, JPEG's first SOF marker.
    static func sniff(_ d: Data) -> (Format, Int, Int)? {
        let b = [UInt8](d.prefix(1 << 20))
        func be16(_ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
        func be32(_ i: Int) -> Int { be16(i) << 16 | be16(i + 2) }
        if b.count >= 24, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], b[12..<16] == [0x49, 0x48, 0x44, 0x52] {
            return (.png, be32(16), be32(20))
        }
        guard b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            let len = be16(i + 2)
            if (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
                return (.jpeg, be16(i + 7), be16(i + 5))
            }
            i += 2 + len
        }
        return nil
    }
}
