/// Everything the convert stage needs for one source geometry: crop, output size, filter,
/// and the per-plane resampling tables.
///
/// Each of the three planes is resampled from its own resolution straight to the output
/// size (so 4:2:0 and 4:2:2 chroma is upsampled by the same filter, never replicated), then
/// every output pixel is converted with `coefficients`. Build a plan once per source
/// geometry and reuse it for every frame; backends read the same tables.
public struct ScalePlan: Sendable, Equatable {
    public let sourceWidth: Int
    public let sourceHeight: Int
    /// The source frames' layout (chroma shifts, matrix, range, siting).
    public let layout: PlaneLayout
    /// The region of the source that is kept, in source luma pixels.
    public let crop: PixelRect
    public let outputSize: PixelSize
    public let filter: ScaleFilter
    /// Horizontal tables for planes 0, 1, 2.
    public let horizontal: [FilterTable]
    /// Vertical tables for planes 0, 1, 2.
    public let vertical: [FilterTable]
    /// YUV→RGB coefficients; nil for `.rgb` layout, whose planes are already R, G, B.
    public let coefficients: YUVCoefficients?

    /// Largest accepted source side (it keeps every table computation far inside Int64).
    public static let maxSourceSide = 65536
    /// Largest accepted output side.
    public static let maxOutputSide = 16384

    /// Builds a plan.
    ///
    /// - Parameter crop: the region to keep, in source luma pixels; nil keeps the whole frame.
    ///   Any pixel offset and size is allowed, also odd ones with subsampled chroma: chroma
    ///   is read from the chroma samples that overlap the crop, and nothing outside it.
    /// - Throws: `CoreError.invalidGeometry` for an empty crop, a crop outside the frame,
    ///   an output side outside 1...16384, a source side outside 1...65536, or a chroma
    ///   shift outside 0...2.
    public init(
        sourceWidth: Int, sourceHeight: Int, layout: PlaneLayout, crop: PixelRect?,
        outputSize: PixelSize, filter: ScaleFilter
    ) throws {
        let maxSource = ScalePlan.maxSourceSide
        guard (1...maxSource).contains(sourceWidth), (1...maxSource).contains(sourceHeight) else {
            throw CoreError.invalidGeometry("source frame \(sourceWidth)x\(sourceHeight) must be 1...\(maxSource) pixels on each side")
        }
        let frame = PixelSize(width: sourceWidth, height: sourceHeight)
        let c = crop ?? PixelRect(x: 0, y: 0, width: sourceWidth, height: sourceHeight)
        guard c.width >= 1, c.height >= 1 else {
            throw CoreError.invalidGeometry("crop \(c) is empty: width and height must be at least 1")
        }
        guard c.x >= 0, c.y >= 0, c.x <= sourceWidth - c.width, c.y <= sourceHeight - c.height else {
            throw CoreError.invalidGeometry("crop \(c) lies outside the \(frame) frame")
        }
        try ScalePlan.validateOutputSide(outputSize.width, "width")
        try ScalePlan.validateOutputSide(outputSize.height, "height")

        var shiftX = 0, shiftY = 0
        var siting = ChromaSiting.center
        switch layout {
        case let .yuv(sx, sy, matrix, range, s):
            guard (0...2).contains(sx), (0...2).contains(sy) else {
                throw CoreError.invalidGeometry("chroma subsampling shifts \(sx),\(sy) are not supported (0...2 each)")
            }
            (shiftX, shiftY, siting) = (sx, sy, s)
            coefficients = YUVCoefficients(matrix: matrix, range: range)
        case .rgb:
            coefficients = nil
        }

        let lumaH = ScalePlan.table(size: sourceWidth, start: c.x, length: c.width, output: outputSize.width, shift: 0, siting: .center, filter: filter, horizontal: true)
        let lumaV = ScalePlan.table(size: sourceHeight, start: c.y, length: c.height, output: outputSize.height, shift: 0, siting: .center, filter: filter, horizontal: false)
        if shiftX == 0 && shiftY == 0 {
            horizontal = [lumaH, lumaH, lumaH]
            vertical = [lumaV, lumaV, lumaV]
        } else {
            let chromaH = ScalePlan.table(size: sourceWidth, start: c.x, length: c.width, output: outputSize.width, shift: shiftX, siting: siting, filter: filter, horizontal: true)
            // Vertical chroma siting is centred for every format we read.
            let chromaV = ScalePlan.table(size: sourceHeight, start: c.y, length: c.height, output: outputSize.height, shift: shiftY, siting: .center, filter: filter, horizontal: false)
            horizontal = [lumaH, chromaH, chromaH]
            vertical = [lumaV, chromaV, chromaV]
        }
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.layout = layout
        self.crop = c
        self.outputSize = outputSize
        self.filter = filter
    }

    /// Every field as given: for plans derived from a checked one (`sampled()`).
    init(sourceWidth: Int, sourceHeight: Int, layout: PlaneLayout, crop: PixelRect, outputSize: PixelSize,
         filter: ScaleFilter, horizontal: [FilterTable], vertical: [FilterTable], coefficients: YUVCoefficients?) {
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.layout = layout
        self.crop = crop
        self.outputSize = outputSize
        self.filter = filter
        self.horizontal = horizontal
        self.vertical = vertical
        self.coefficients = coefficients
    }

    /// The output size for a crop of size `crop` and the requested `width` and/or `height`.
    ///
    /// One side given: the other keeps the crop's aspect, rounded to nearest (halves up),
    /// at least 1. Neither: the crop size. Both: as given.
    /// - Throws: `CoreError.invalidGeometry` when a given or derived side is outside 1...16384.
    public static func outputSize(crop: PixelSize, width: Int?, height: Int?) throws -> PixelSize {
        guard crop.width >= 1, crop.height >= 1 else {
            throw CoreError.invalidGeometry("crop size \(crop) is empty")
        }
        if let width { try validateOutputSide(width, "width") }
        if let height { try validateOutputSide(height, "height") }
        let size: PixelSize
        switch (width, height) {
        case let (w?, h?):
            size = PixelSize(width: w, height: h)
        case let (w?, nil):
            size = PixelSize(width: w, height: max(1, roundedRatio(w, crop.height, crop.width)))
        case let (nil, h?):
            size = PixelSize(width: max(1, roundedRatio(h, crop.width, crop.height)), height: h)
        case (nil, nil):
            size = crop
        }
        guard size.width <= maxOutputSide, size.height <= maxOutputSide else {
            throw CoreError.invalidGeometry("output size \(size) for a \(crop) crop is larger than \(maxOutputSide) on a side; give both width and height")
        }
        return size
    }

    /// The largest rectangle of aspect `aspect.0 : aspect.1` centred in `source`.
    ///
    /// The free side is the exact rational size rounded down (at least 1); the slack is
    /// split with the extra pixel, if any, on the right or bottom. A non-positive aspect
    /// returns the whole frame.
    public static func centredCrop(source: PixelSize, aspect: (Int, Int)) -> PixelRect {
        let (a, b) = aspect
        guard a > 0, b > 0, source.width > 0, source.height > 0 else {
            return PixelRect(x: 0, y: 0, width: source.width, height: source.height)
        }
        // Compare W/H with a/b without division (the operands are far below 2^31).
        if source.width * b >= source.height * a {
            let w = max(1, min(source.width, source.height * a / b))
            return PixelRect(x: (source.width - w) / 2, y: 0, width: w, height: source.height)
        } else {
            let h = max(1, min(source.height, source.width * b / a))
            return PixelRect(x: 0, y: (source.height - h) / 2, width: source.width, height: h)
        }
    }

    private static func validateOutputSide(_ v: Int, _ name: String) throws {
        guard (1...maxOutputSide).contains(v) else {
            throw CoreError.invalidGeometry("output \(name) \(v) is outside 1...\(maxOutputSide)")
        }
    }

    /// round(a * b / c) for positive operands, halves up.
    private static func roundedRatio(_ a: Int, _ b: Int, _ c: Int) -> Int {
        (2 * a * b + c) / (2 * c)
    }

    /// The table for one axis of a plane subsampled by `shift`: the plane region is every
    /// plane sample whose 2^shift luma pixels overlap the crop.
    private static func table(size: Int, start: Int, length: Int, output: Int, shift: Int, siting: ChromaSiting, filter: ScaleFilter, horizontal: Bool) -> FilterTable {
        let planeSize = (size + (1 << shift) - 1) >> shift
        let first = start >> shift
        let last = (start + length - 1) >> shift
        let table = FilterTable.make(
            sourceSize: planeSize, regionStart: first, regionSize: last - first + 1, outputSize: output,
            lumaStart: start, lumaSize: length, shift: shift, siting: siting, filter: filter)
        guard horizontal else { return table }
        // Horizontal tables get zero taps up to a length the CPU kernel has a fixed-length
        // (vectorised) loop for: 8 for 3...7 taps, a multiple of 4 above 8. Vertical tables
        // are left alone: there each extra tap is a whole extra row of work.
        let wanted: Int
        switch table.taps {
        case ...2, 8: wanted = table.taps
        case 3...7: wanted = 8
        default: wanted = (table.taps + 3) & ~3
        }
        guard wanted <= last - first + 1 else { return table }
        return table.padded(to: wanted, regionStart: first, regionSize: last - first + 1)
    }
}
