/// An 8-bit RGB colour.
public struct RGB8: Sendable, Hashable, Codable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }
}

/// An ordered list of 1...256 colours. Index order matters: nearest-colour ties go to
/// the lowest index.
public struct Palette: Sendable, Hashable {
    public var colors: [RGB8]

    public init(_ colors: [RGB8]) {
        precondition(!colors.isEmpty && colors.count <= 256, "a palette has 1...256 colours")
        self.colors = colors
    }

    public var count: Int { colors.count }
}
