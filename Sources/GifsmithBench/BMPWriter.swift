/// Uncompressed 24-bit BMP: every browser shows it, and it needs no codec.
public enum BMPWriter {
    /// The BMP file for an RGB24 image (rows stored bottom-up as BGR, each padded to 4 bytes).
    public static func encode(rgb: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(rgb.count == width * height * 3)
        let rowBytes = (width * 3 + 3) & ~3
        let dataSize = rowBytes * height
        var out: [UInt8] = []
        out.reserveCapacity(54 + dataSize)
        func le32(_ v: Int) { for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> s) & 0xFF)) } }
        func le16(_ v: Int) { out.append(UInt8(v & 0xFF)); out.append(UInt8((v >> 8) & 0xFF)) }
        out += [0x42, 0x4D]
        le32(54 + dataSize); le32(0); le32(54)
        le32(40); le32(width); le32(height); le16(1); le16(24); le32(0); le32(dataSize)
        le32(2835); le32(2835); le32(0); le32(0)
        for y in stride(from: height - 1, through: 0, by: -1) {
            let row = y * width * 3
            for x in 0..<width {
                let i = row + x * 3
                out.append(rgb[i + 2]); out.append(rgb[i + 1]); out.append(rgb[i])
            }
            for _ in 0..<(rowBytes - width * 3) { out.append(0) }
        }
        return out
    }

    /// The centred `cropWidth`x`cropHeight` region (clamped to the image) of an RGB24 image.
    public static func centreCrop(rgb: [UInt8], width: Int, height: Int, cropWidth: Int, cropHeight: Int)
        -> (rgb: [UInt8], width: Int, height: Int)
    {
        let w = min(width, cropWidth), h = min(height, cropHeight)
        let x0 = (width - w) / 2, y0 = (height - h) / 2
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            let src = ((y0 + y) * width + x0) * 3
            out.replaceSubrange((y * w * 3)..<((y + 1) * w * 3), with: rgb[src..<(src + w * 3)])
        }
        return (out, w, h)
    }
}
