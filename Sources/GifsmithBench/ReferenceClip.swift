import Gifsmith
import GifsmithCore
import GifsmithMedia

/// The unquantised frames a GIF is compared with: the clip decoded by GifsmithMedia and converted
/// by GifsmithCore's integer kernel (bicubic, the clip's tagged matrix and range) at the GIF's size.
///
/// GIF frames are paired with source frames by time: frame k starts at the sum of the delays before
/// it. With a frame rate that start is snapped to the nearest point of the exact 1/fps grid (delays
/// are whole centiseconds: 3,3,4,... at 30 fps, so raw times would drift against the grid) and the
/// source frame shown at that grid time is used (the last one starting at or before it). Without a
/// frame rate the source frame starting nearest to `first pts + start` is used.
///
/// Note: the reference goes through Gifsmith's own YUV→RGB conversion, so for FFmpeg's and
/// gifsicle's rows it includes any difference between swscale's and Gifsmith's conversion.
public final class ReferenceClip: @unchecked Sendable {
    public let path: String
    /// Presentation times (microseconds) of every decoded source frame.
    public let pts: [Int64]
    public let sourceWidth: Int
    public let sourceHeight: Int
    private var cache: [String: RGBImage] = [:]

    /// Decodes the clip once to learn its frame times.
    public init(path: String) throws {
        self.path = path
        let decoder = try VideoDecoder(path: path)
        var times: [Int64] = []
        var w = 0, h = 0
        while let f = try decoder.nextFrame() {
            times.append(f.pts)
            w = f.width
            h = f.height
        }
        guard !times.isEmpty else { throw BenchError.badClip("\(path): no frames decoded") }
        pts = times
        sourceWidth = w
        sourceHeight = h
    }

    /// The output size Gifsmith picks for `width` (nil: the source width).
    public func outputSize(width: Int?) throws -> PixelSize {
        try ScalePlan.outputSize(crop: PixelSize(width: sourceWidth, height: sourceHeight), width: width, height: nil)
    }

    /// The source frame index shown at GIF time `centiseconds` (see the type's note).
    public func sourceIndex(atCentiseconds centiseconds: Int, fps: FrameRate?) -> Int {
        if let fps {
            // Nearest grid index to the GIF time: round(cs * num / (100 * den)), ties up; all positive.
            let num = Int64(centiseconds) * Int64(fps.numerator) * 2 + Int64(100 * fps.denominator)
            let grid = num / Int64(200 * fps.denominator)
            let t = fps.microseconds(ofFrame: grid)
            var chosen = 0
            for (i, p) in pts.enumerated() where p <= t { chosen = i }
            return chosen
        }
        let target = max(pts[0], 0) + Int64(centiseconds) * 10_000
        var best = 0
        for i in pts.indices where abs(pts[i] - target) < abs(pts[best] - target) { best = i }
        return best
    }

    /// The reference frames for `indices` at `size`, decoding the clip again only when some are
    /// not cached yet.
    public func frames(_ indices: Set<Int>, size: PixelSize) throws -> [Int: RGBImage] {
        func key(_ i: Int) -> String { "\(i)@\(size.width)x\(size.height)" }
        let missing = indices.filter { cache[key($0)] == nil }
        if !missing.isEmpty {
            let decoder = try VideoDecoder(path: path)
            var plan: ScalePlan?
            var i = 0
            let last = missing.max()!
            while i <= last, let f = try decoder.nextFrame() {
                if missing.contains(i) {
                    if plan == nil || plan!.sourceWidth != f.width || plan!.sourceHeight != f.height || plan!.layout != f.layout {
                        plan = try ScalePlan(sourceWidth: f.width, sourceHeight: f.height, layout: f.layout, crop: nil,
                                             outputSize: size, filter: .bicubic)
                    }
                    cache[key(i)] = ConvertKernel.convert(f, plan: plan!)
                }
                i += 1
            }
        }
        var out: [Int: RGBImage] = [:]
        for i in indices {
            guard let img = cache[key(i)] else { throw BenchError.badClip("\(path): source frame \(i) not decodable on the second pass") }
            out[i] = img
        }
        return out
    }
}

/// Errors of the benchmark.
public enum BenchError: Error, CustomStringConvertible {
    case badClip(String)
    case invalidOption(String)
    case tool(String)

    public var description: String {
        switch self {
        case let .badClip(m): return "bad clip: \(m)"
        case let .invalidOption(m): return m
        case let .tool(m): return m
        }
    }
}
