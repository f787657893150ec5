/// How the three planes of a `PlanarFrame` are to be read.
public enum PlaneLayout: Sendable, Equatable {
    /// Y, Cb, Cr planes. Chroma planes are `width >> chromaShiftX` (rounded up) wide and
    /// `height >> chromaShiftY` (rounded up) high.
    case yuv(chromaShiftX: Int, chromaShiftY: Int, matrix: ColorMatrix, range: ColorRange, siting: ChromaSiting)
    /// R, G, B planes at full resolution (still images, GIF input, RGB video).
    case rgb
}

/// Plane memory that a `PlanarFrame` reads in place instead of owning it as arrays: a
/// decoder's reference-counted picture. Copying a 1080p picture out of the decoder costs a
/// 3 MB copy and, worse, fresh pages for it (zeroed by the kernel) for every frame in flight;
/// a borrowed picture goes back to the decoder's pool when the last frame using it is gone.
public final class BorrowedPlanes: @unchecked Sendable {
    /// Three plane starts. The memory is read-only and lives until `release` runs.
    public let bases: [UnsafePointer<UInt8>]
    /// Readable bytes from each start: at least `stride * (planeHeight - 1) + planeWidth`.
    public let counts: [Int]
    private let release: () -> Void

    public init(bases: [UnsafePointer<UInt8>], counts: [Int], release: @escaping () -> Void) {
        precondition(bases.count == 3 && counts.count == 3, "borrowed planes come in threes")
        self.bases = bases
        self.counts = counts
        self.release = release
    }

    /// Plane `i`'s readable bytes; valid while this object lives.
    public func buffer(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: bases[i], count: counts[i]) }

    deinit { release() }
}

/// One decoded source frame: three 8-bit planes, upright (rotation already applied).
///
/// The planes are either arrays or `BorrowedPlanes`; kernels read them through `withPlanes`,
/// which serves both without a copy. `planes` copies borrowed memory into arrays, so it suits
/// tests and rare paths, not per-frame work.
///
/// Timestamps are microseconds from the start of the stream; they are not pixel values,
/// so they carry no CPU==GPU obligations.
public struct PlanarFrame: Sendable {
    /// Where the pixels are: owned arrays, or a picture read in place.
    private enum Storage: Sendable {
        case arrays([[UInt8]])
        case borrowed(BorrowedPlanes)
    }

    public var width: Int
    public var height: Int
    public var layout: PlaneLayout
    private var storage: Storage
    public var strides: [Int]
    /// Presentation time in microseconds.
    public var pts: Int64
    /// Display duration in microseconds if the container knows it, else 0.
    public var duration: Int64

    public init(width: Int, height: Int, layout: PlaneLayout, planes: [[UInt8]], strides: [Int], pts: Int64, duration: Int64 = 0) {
        precondition(planes.count == 3, "a PlanarFrame has three planes")
        self.init(width: width, height: height, layout: layout, storage: .arrays(planes), strides: strides, pts: pts, duration: duration)
    }

    /// A frame that reads `planes` in place; `strides` are the rows' distances in that memory.
    public init(width: Int, height: Int, layout: PlaneLayout, borrowing planes: BorrowedPlanes, strides: [Int], pts: Int64, duration: Int64 = 0) {
        self.init(width: width, height: height, layout: layout, storage: .borrowed(planes), strides: strides, pts: pts, duration: duration)
    }

    private init(width: Int, height: Int, layout: PlaneLayout, storage: Storage, strides: [Int], pts: Int64, duration: Int64) {
        precondition(strides.count == 3, "a PlanarFrame has three planes")
        self.width = width
        self.height = height
        self.layout = layout
        self.storage = storage
        self.strides = strides
        self.pts = pts
        self.duration = duration
    }

    /// The picture read in place (see `BorrowedPlanes`), or nil when the frame owns arrays.
    public var borrowed: BorrowedPlanes? {
        if case let .borrowed(b) = storage { return b }
        return nil
    }

    /// Exactly three planes, each `strides[i] * (planeHeight(i) - 1) + planeWidth(i)` bytes or more.
    /// Borrowed planes are copied out (see the type's comment); setting makes the frame own arrays.
    public var planes: [[UInt8]] {
        get {
            switch storage {
            case let .arrays(a): return a
            case let .borrowed(b): return (0..<3).map { Array(b.buffer($0)) }
            }
        }
        set {
            precondition(newValue.count == 3, "a PlanarFrame has three planes")
            storage = .arrays(newValue)
        }
        // In place for owned arrays: they leave `storage` for the access, so a changed plane is
        // not copied (a get-then-set would copy it).
        _modify {
            var a = planes
            storage = .arrays([])
            defer {
                precondition(a.count == 3, "a PlanarFrame has three planes")
                storage = .arrays(a)
            }
            yield &a
        }
    }

    /// Readable bytes of plane `i`.
    public func planeByteCount(_ i: Int) -> Int {
        switch storage {
        case let .arrays(a): return a[i].count
        case let .borrowed(b): return b.counts[i]
        }
    }

    /// The three planes' memory, valid only inside `body`, without copying borrowed planes.
    public func withPlanes<R>(_ body: ([UnsafeBufferPointer<UInt8>]) throws -> R) rethrows -> R {
        switch storage {
        case let .borrowed(b):
            return try withExtendedLifetime(b) { try body((0..<3).map(b.buffer)) }
        case let .arrays(a):
            return try a[0].withUnsafeBufferPointer { p0 in
                try a[1].withUnsafeBufferPointer { p1 in
                    try a[2].withUnsafeBufferPointer { p2 in try body([p0, p1, p2]) }
                }
            }
        }
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
