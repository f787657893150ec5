/// How the three planes of a `PlanarFrame` are to be read.
public enum PlaneLayout: Sendable, Equatable {
    /// Y, Cb, Cr planes. Chroma planes are `width >> chromaShiftX` (rounded up) wide and
    /// `height >> chromaShiftY` (rounded up) high.
    case yuv(chromaShiftX: Int, chromaShiftY: Int, matrix: ColorMatrix, range: ColorRange, siting: ChromaSiting)
    /// R, G, B planes at full resolution (still images, GIF input, RGB video).
    case rgb
}

/// One decoded source frame: three 8-bit planes, upright (rotation already applied).
///
/// Timestamps are microseconds from the start of the stream; they are not pixel values,
/// so they carry no CPU==GPU obligations.
public struct PlanarFrame: Sendable {
    public var width: Int
    public var height: Int
    public var layout: PlaneLayout
    /// Exactly three planes, each `strides[i] * planeHeight(i)` bytes (or more).
    public var planes: [[UInt8]]
    public var strides: [Int]
    /// Presentation time in microseconds.
    public var pts: Int64
    /// Display duration in microseconds if the container knows it, else 0.
    public var duration: Int64

    public init(width: Int, height: Int, layout: PlaneLayout, planes: [[UInt8]], strides: [Int], pts: Int64, duration: Int64 = 0) {
        precondition(planes.count == 3 && strides.count == 3, "a PlanarFrame has three planes")
        self.width = width
        self.height = height
        self.layout = layout
        self.planes = planes
        self.strides = strides
        self.pts = pts
        self.duration = duration
    }

    public var chromaShift: (x: Int, y: Int) {
        if case let .yuv(sx, sy, _, _, _) = layout { return (sx, sy) }
        return (0, 0)
    }

    public func planeWidth(_ i: Int) -> Int { i == 0 ? width : (width + (1 << chromaShift.x) - 1) >> chromaShift.x }
    public func planeHeight(_ i: Int) -> Int { i == 0 ? height : (height + (1 << chromaShift.y) - 1) >> chromaShift.y }
}

/// A packed 8-bit RGB image (3 bytes a pixel, no padding): the output of the convert stage.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage needs width*height*3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }
}

/// A palette-indexed image: one byte a pixel.
public struct IndexedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var indices: [UInt8]

    public init(width: Int, height: Int, indices: [UInt8]) {
        precondition(indices.count == width * height, "IndexedImage needs width*height bytes")
        self.width = width
        self.height = height
        self.indices = indices
    }
}
