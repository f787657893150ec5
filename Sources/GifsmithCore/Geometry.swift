public struct PixelSize: Sendable, Hashable, Codable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    public var description: String { "\(width)x\(height)" }
}

/// A rectangle in whole pixels: `x`,`y` is the top-left corner.
public struct PixelRect: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
    /// FFmpeg/ImageMagick geometry notation, `WxH+X+Y`.
    public var description: String { "\(width)x\(height)+\(x)+\(y)" }
    public var size: PixelSize { PixelSize(width: width, height: height) }
}
