/// Binary PPM (P6): the simplest RGB file libjxl's tools read, and it needs no codec. Without an
/// attached profile they take it as sRGB, which is what a GIF's colours are.
public enum PPMWriter {
    /// The P6 file for an RGB24 image, 8 bits a sample, rows top-down.
    public static func encode(rgb: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(rgb.count == width * height * 3)
        return Array("P6\n\(width) \(height)\n255\n".utf8) + rgb
    }
}
